"""`findings`: each kind fires on what it describes and stays quiet on the look-alike that does not qualify.

Every finding carries framework references (OWASP Agentic Top 10, OWASP NHI Top 10, CSA MAESTRO, NIST AI RMF)
that come from data files checked by their loader.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from graph_model.findings import KINDS, Reach, break_glass_unbounded, unowned_escalation
from graph_model.frameworks import finding_refs, frameworks, mappings, technique_refs
from ingest.demo import (
    ADMIN_ARN,
    account_trust,
    admin_policy,
    allow,
    bundle,
    document,
    event,
    gaad,
    iam_user_identity,
    role,
    role_arn,
    session_identity,
    user,
    user_arn,
)
from ui.cli import main

A = "135791357913"
ESCALATE = {"esc": document(allow("iam:PutRolePolicy"))}
USER_ESCALATE = {"esc": document(allow("iam:PutUserPolicy"))}


def scenario() -> dict[str, Any]:
    roles = [
        role(A, "unowned-escalator", account_trust(A), inline=ESCALATE),
        role(A, "owned-escalator", account_trust(A), inline=ESCALATE, tags={"owner": "oz@example.com"}),
        role(A, "unowned-harmless", account_trust(A), inline={"r": document(allow("s3:GetObject"))}),
        role(A, "owned-admin", account_trust(A), managed=[ADMIN_ARN], tags={"owner": "oz@example.com"}),
        role(A, "ghost-agent-exec", account_trust(A), inline=ESCALATE),
        role(A, "vendor-exec", account_trust(A), inline=ESCALATE, tags={"owner": "vera@example.com"}),
        role(A, "vendor-tame-exec", account_trust(A), inline={"r": document(allow("s3:GetObject"))}),
        role(A, "glass-exec", account_trust(A), managed=[ADMIN_ARN], tags={"owner": "gil@example.com"}),
        role(A, "bounded-glass-exec", account_trust(A), managed=[ADMIN_ARN],
             tags={"owner": "gil@example.com", "agentpath:break-glass": "true"}),
        role(A, "tagged-glass", account_trust(A), managed=[ADMIN_ARN],
             tags={"owner": "gil@example.com", "AGENTPATH:BREAK-GLASS": "true"}),
        role(A, "worker-exec", account_trust(A), inline={"r": document(allow("iam:CreateRole"))},
             tags={"owner": "wes@example.com"}),
    ]
    users = [
        user(A, "bot-user", tags={"agentpath:agent": "key-bot", "owner": "kai@example.com"}),
        user(A, "trail-bot-user", tags={"agentpath:agent": "trail-key-bot", "owner": "kai@example.com"}),
        user(A, "retired-bot-user", tags={"agentpath:agent": "retired-key-bot", "owner": "kai@example.com"}),
        user(A, "human-with-key", tags={"owner": "hal@example.com"}),
        user(A, "self-escalating-unowned", inline=USER_ESCALATE),
    ]
    manifest = {"agents": [
        {"id": "ghost-agent", "kind": "external", "runs_as": [role_arn(A, "ghost-agent-exec")]},
        {"id": "vendor-bot", "kind": "external", "vendor_hosted": True,
         "runs_as": [role_arn(A, "vendor-exec")],
         "owner": "vera@example.com"},
        {"id": "vendor-tame", "kind": "external", "vendor_hosted": True, "owner": "vera@example.com",
         "runs_as": [role_arn(A, "vendor-tame-exec")]},
        {"id": "glass", "kind": "external", "break_glass": True, "runs_as": [role_arn(A, "glass-exec")],
         "owner": "gil@example.com"},
        {"id": "bounded-glass", "kind": "external", "break_glass": True, "owner": "gil@example.com",
         "runs_as": [role_arn(A, "bounded-glass-exec")], "approver": "rev@example.com",
         "task_window": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"}},
        {"id": "worker", "kind": "lambda", "runs_as": [role_arn(A, "worker-exec")],
         "owner": "wes@example.com"},
    ], "tasks": [{"id": "W-1", "agent": "worker", "approved_by": "rev@example.com",
                  "window": {"start": "2026-04-01T00:00:00Z", "end": "2026-04-01T12:00:00Z"}}]}
    worker = session_identity(A, "worker-exec", "w", key="ASIAWORKER")
    trail = [
        event("inside", "CreateRole", "2026-04-01T06:00:00Z", worker, account=A, request={"roleName": "a"}),
        event("outside", "CreateRole", "2026-04-03T06:00:00Z", worker, account=A, request={"roleName": "b"}),
        event("human-call", "CreateRole", "2026-04-03T06:00:00Z",
              iam_user_identity(A, "human-with-key", "AKIAHAL"),
              account=A, request={"roleName": "c"}),
        event("k1", "CreateAccessKey", "2026-02-01T00:00:00Z",
              iam_user_identity(A, "human-with-key", "AKIAHAL"),
              account=A, request={"userName": "trail-bot-user"},
              response={"accessKey": {"accessKeyId": "AKIATRAILBOT", "status": "Active"}}),
        event("k2", "CreateAccessKey", "2026-02-01T00:00:00Z",
              iam_user_identity(A, "human-with-key", "AKIAHAL"),
              account=A, request={"userName": "retired-bot-user"},
              response={"accessKey": {"accessKeyId": "AKIARETIRED", "status": "Active"}}),
        event("k3", "DeleteAccessKey", "2026-02-02T00:00:00Z",
              iam_user_identity(A, "human-with-key", "AKIAHAL"),
              account=A, request={"userName": "retired-bot-user", "accessKeyId": "AKIARETIRED"}),
    ]
    report = [{"arn": user_arn(A, "bot-user"), "access_key_1_active": "true", "access_key_2_active": "false"},
              {"arn": user_arn(A, "human-with-key"), "access_key_1_active": "true"}]
    return bundle({A: gaad(roles=roles, users=users, policies=[admin_policy()])}, agents_manifest=manifest,
                  cloudtrail=trail, credential_report=report)


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, Any]]]:
    from ingest.pipeline import ingest_files

    tmp = tmp_path_factory.mktemp("findings")
    (tmp / "bundle.json").write_text(json.dumps(scenario()))
    uri = f"embedded:{tmp / 'store'}"
    ingest_files([str(tmp / "bundle.json")], uri)
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["--store", uri, "findings", "--format", "json"]) == 0
    yield json.loads(buf.getvalue())


def subjects(findings: list[dict[str, Any]], kind: str) -> set[str]:
    return {f["subject"] for f in findings if f["kind"] == kind}


def test_contract_fields(findings: list[dict[str, Any]]) -> None:
    assert findings
    for f in findings:
        assert set(f) == {"kind", "subject", "severity", "detail", "frameworks"}
        assert f["kind"] in KINDS and f["severity"] in ("critical", "high", "medium", "low")
        assert isinstance(f["detail"], str) and f["detail"]
        assert f["frameworks"] and all(set(r) == {"framework", "id", "title"} for r in f["frameworks"])
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    assert [order[f["severity"]] for f in findings] == sorted(order[f["severity"]] for f in findings)


def test_unowned_escalation(findings: list[dict[str, Any]]) -> None:
    found = subjects(findings, "unowned-escalation")
    assert role_arn(A, "unowned-escalator") in found
    assert user_arn(A, "self-escalating-unowned") in found
    assert "ghost-agent" in found  # an unowned agent whose identity escalates
    assert role_arn(A, "owned-escalator") not in found and role_arn(A, "unowned-harmless") not in found
    assert role_arn(A, "owned-admin") not in found
    detail = next(f["detail"] for f in findings if f["subject"] == role_arn(A, "unowned-escalator"))
    assert "iam-005" in detail


def test_break_glass_unbounded(findings: list[dict[str, Any]]) -> None:
    found = subjects(findings, "break-glass-unbounded")
    assert {"glass", role_arn(A, "glass-exec"), role_arn(A, "tagged-glass")} <= found
    assert "bounded-glass" not in found and role_arn(A, "bounded-glass-exec") not in found


def test_vendor_hosted_escalation(findings: list[dict[str, Any]]) -> None:
    assert subjects(findings, "vendor-hosted-escalation") == {"vendor-bot"}
    f = next(f for f in findings if f["kind"] == "vendor-hosted-escalation")
    assert f["severity"] == "critical" and "runs-as" in f["detail"]
    assert any(r["id"] == "NHI3" for r in f["frameworks"])


def test_outside_task_window(findings: list[dict[str, Any]]) -> None:
    assert subjects(findings, "outside-task-window") == {"outside"}
    detail = next(f["detail"] for f in findings if f["kind"] == "outside-task-window")
    assert "worker" in detail and "control-failure" in detail


def test_agent_long_lived_keys(findings: list[dict[str, Any]]) -> None:
    found = subjects(findings, "agent-long-lived-keys")
    assert found == {user_arn(A, "bot-user"), user_arn(A, "trail-bot-user")}
    details = {f["subject"]: f["detail"] for f in findings if f["kind"] == "agent-long-lived-keys"}
    assert "credential report" in details[user_arn(A, "bot-user")]
    assert "CloudTrail" in details[user_arn(A, "trail-bot-user")]
    refs = [r["id"] for f in findings if f["kind"] == "agent-long-lived-keys" for r in f["frameworks"]]
    assert "NHI7" in refs


def test_findings_filter_by_kind(tmp_path_factory: pytest.TempPathFactory,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from ingest.pipeline import ingest_files

    tmp = tmp_path_factory.mktemp("findings-table")
    (tmp / "b.json").write_text(json.dumps(scenario()))
    uri = f"embedded:{tmp / 'store'}"
    ingest_files([str(tmp / "b.json")], uri)
    capsys.readouterr()
    assert main(["--store", uri, "findings", "--kind", "vendor-hosted-escalation"]) == 0
    out = capsys.readouterr().out
    assert "vendor-bot" in out and "1 findings" in out and "unowned-escalation" not in out


# --- pure rules ---------------------------------------------------------------------------------------------
def test_rules_on_plain_rows() -> None:
    owners: list[dict[str, Any]] = [{"identity": "a", "owner": None},
                                    {"identity": "b", "owner": "x@example.com"},
                                    {"identity": "c", "owner": None, "is_agent": True}]
    reach = {"a": Reach("a", True), "b": Reach("b", False, "b -> t", 1),
             "c": Reach("c", False, "c -> t", 2, True)}
    assert [(f.subject, "only when" in f.detail) for f in unowned_escalation(owners, reach)] == [
        ("a", False), ("c", True)]
    agents = [{"id": "g", "break_glass": True, "window_start": "2026-01-01", "window_end": "",
               "approver": "r"}]
    found = break_glass_unbounded(agents, [{"agent": "g", "identity": "arn:r"}], [])
    assert [(f.subject, f.detail.endswith("a time window")) for f in found] == [("g", True), ("arn:r", True)]


# --- framework data -----------------------------------------------------------------------------------------
def test_the_four_frameworks_are_complete() -> None:
    fws = frameworks()
    assert set(fws) == {"owasp-agentic", "owasp-nhi", "csa-maestro", "nist-ai-rmf"}
    assert list(fws["owasp-nhi"].items) == [f"NHI{i}" for i in range(1, 11)]
    assert list(fws["owasp-agentic"].items) == [f"ASI{i:02d}" for i in range(1, 11)]
    assert list(fws["csa-maestro"].items) == [f"L{i}" for i in range(1, 8)]
    assert {i.split()[0] for i in fws["nist-ai-rmf"].items} == {"GOVERN", "MAP", "MEASURE", "MANAGE"}


def test_every_finding_kind_has_references_in_every_framework() -> None:
    names = {fw.name for fw in frameworks().values()}
    for kind in KINDS:
        refs = finding_refs(kind)
        assert {r["framework"] for r in refs} == names, kind
    assert set(mappings()["findings"]) == set(KINDS)


def test_techniques_have_references_by_category() -> None:
    from graph_model.techniques.loader import catalogue

    for t in catalogue():
        assert technique_refs(t.category, t.frameworks), t.id
    assert technique_refs("agent")  # runs-as and delegation steps

"""Agents from three sources merged into one picture, delegation between them, paths that start at an agent.

The scenario is built here in Python: a Bedrock supervisor (`triage`) whose collaborator (`remediation`)
reaches admin by passing a role to EC2, a Lambda agent found by its tag, a manifest agent that delegates to
it and may invoke its function, two agents sharing one role, an AgentCore runtime, and roles found from IAM
alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_model.agents import discover
from graph_model.delegation import chains, delegations
from graph_model.enrich import analyse_accountability
from graph_model.evaluation import Evaluator
from ingest.demo import (
    ADMIN_ARN,
    account_trust,
    admin_policy,
    allow,
    arn_trust,
    bundle,
    document,
    gaad,
    role,
    role_arn,
    service_trust,
    user,
)
from ingest.transform import build_snapshot
from tests.helpers import cli_json, ingested_scenario
from ui.cli import main

ACCT = "444455556666"
R = "us-east-1"
TRIAGE_ARN = f"arn:aws:bedrock:{R}:{ACCT}:agent/TRIAGEAG01"
REMED_ARN = f"arn:aws:bedrock:{R}:{ACCT}:agent/REMEDAG002"
REMED_ALIAS = f"arn:aws:bedrock:{R}:{ACCT}:agent-alias/REMEDAG002/PROD01"
REPORT_FN = f"arn:aws:lambda:{R}:{ACCT}:function:report-agent"
RUNTIME_ARN = f"arn:aws:bedrock-agentcore:{R}:{ACCT}:runtime/scanner-x1"
WORKLOAD = (
    f"arn:aws:bedrock-agentcore:{R}:{ACCT}:workload-identity-directory/default/workload-identity/scanner"
)


def scenario() -> dict[str, Any]:
    roles = [
        role(
            ACCT,
            "triage-exec",
            service_trust("bedrock.amazonaws.com"),
            inline={"read": document(allow("logs:GetLogEvents"))},
        ),
        role(
            ACCT,
            "remediation-exec",
            service_trust("bedrock.amazonaws.com"),
            inline={
                "fix": document(
                    allow("iam:PassRole", role_arn(ACCT, "instance-admin")), allow("ec2:RunInstances")
                )
            },
        ),
        role(
            ACCT,
            "instance-admin",
            service_trust("ec2.amazonaws.com"),
            managed=[ADMIN_ARN],
            instance_profiles=["instance-admin"],
        ),
        role(
            ACCT,
            "report-agent-exec",
            service_trust("lambda.amazonaws.com"),
            inline={"s3": document(allow("s3:PutObject", "arn:aws:s3:::reports/*"))},
        ),
        role(
            ACCT,
            "invoice-agent-exec",
            service_trust("bedrock.amazonaws.com"),
            inline={"invoke": document(allow("lambda:InvokeFunction", REPORT_FN))},
        ),
        role(
            ACCT, "shared-exec", service_trust("lambda.amazonaws.com"), inline={"x": document(allow("sqs:*"))}
        ),
        role(ACCT, "scanner-exec", service_trust("bedrock-agentcore.amazonaws.com")),
        role(ACCT, "kb-role", service_trust("bedrock.amazonaws.com")),
        role(ACCT, "tagged-role", account_trust(ACCT), tags={"AgentPath:Agent": "tagged-agent"}),
        role(ACCT, "declared-other", arn_trust(role_arn(ACCT, "triage-exec"))),
    ]
    manifest = {
        "people": [{"id": "ann@example.com", "team": "sre"}],
        "agents": [
            {
                "id": "triage",
                "kind": "bedrock-agent",
                "platform_arn": TRIAGE_ARN,
                "owner": "ann@example.com",
                "runs_as": [role_arn(ACCT, "declared-other")],
            },
            {
                "id": "invoice-agent",
                "kind": "bedrock-agent",
                "runs_as": [role_arn(ACCT, "invoice-agent-exec")],
                "owner": "ann@example.com",
                "delegates_to": [{"agent": "report-agent", "mechanism": "declared"}],
            },
            {"id": "alpha", "kind": "lambda", "runs_as": [role_arn(ACCT, "shared-exec")]},
            {"id": "beta", "kind": "lambda", "runs_as": [role_arn(ACCT, "shared-exec")]},
            {"id": "lonely", "kind": "external"},
        ],
    }
    resources = {
        "bedrock_agents": [
            {
                "agent": {
                    "agentId": "TRIAGEAG01",
                    "agentName": "triage",
                    "agentArn": TRIAGE_ARN,
                    "agentResourceRoleArn": role_arn(ACCT, "triage-exec"),
                    "agentCollaboration": "SUPERVISOR",
                }
            },
            {
                "agentId": "REMEDAG002",
                "agentName": "remediation",
                "agentArn": REMED_ARN,
                "agentResourceRoleArn": role_arn(ACCT, "remediation-exec"),
                "agentCollaboration": "DISABLED",
            },
        ],
        "bedrock_agent_collaborators": [
            {
                "agentId": "TRIAGEAG01",
                "collaboratorName": "fixer",
                "agentDescriptor": {"aliasArn": REMED_ALIAS},
            },
        ],
        "agentcore_runtimes": [
            {
                "agentRuntimeId": "scanner-x1",
                "agentRuntimeName": "scanner",
                "agentRuntimeArn": RUNTIME_ARN,
                "roleArn": role_arn(ACCT, "scanner-exec"),
                "workloadIdentityDetails": {"workloadIdentityArn": WORKLOAD},
            },
        ],
        "lambda_functions": [
            {
                "FunctionName": "report-agent",
                "FunctionArn": REPORT_FN,
                "Role": role_arn(ACCT, "report-agent-exec"),
                "Tags": {"agentpath:agent": "report-agent"},
            },
            {
                "FunctionName": "plain",
                "FunctionArn": f"arn:aws:lambda:{R}:{ACCT}:function:plain",
                "Role": role_arn(ACCT, "report-agent-exec"),
            },
        ],
    }
    return bundle(
        {ACCT: gaad(roles=roles, users=[user(ACCT, "nobody")], policies=[admin_policy()])},
        agents_manifest=manifest,
        agent_resources=resources,
    )


@pytest.fixture(scope="module")
def acc() -> Any:
    return analyse_accountability(build_snapshot(scenario()))


# --- discovery and merge ------------------------------------------------------------------------------------
def test_every_source_contributes_agents(acc: Any) -> None:
    agents = acc.catalog.agents
    assert set(agents) >= {
        "triage",
        "remediation",
        "report-agent",
        "invoice-agent",
        "alpha",
        "beta",
        "lonely",
        "scanner",
        "kb-role",
        "tagged-agent",
    }
    assert "plain" not in agents  # an untagged function is not an agent
    assert agents["remediation"].kind == "bedrock-agent"
    assert agents["remediation"].runs_as == {role_arn(ACCT, "remediation-exec"): ["bedrock-agent"]}
    assert agents["report-agent"].kind == "lambda" and agents["report-agent"].platform_arns == [REPORT_FN]
    assert agents["scanner"].kind == "agentcore-runtime"
    assert agents["scanner"].workload_identities == [WORKLOAD]
    assert agents["kb-role"].sources == ["iam-trust"] and agents["kb-role"].kind == "bedrock-agent"
    # the tag key is compared case-insensitively
    assert agents["tagged-agent"].runs_as == {role_arn(ACCT, "tagged-role"): ["tag"]}


def test_manifest_and_discovery_merge_on_the_platform_arn(acc: Any) -> None:
    triage = acc.catalog.agents["triage"]
    assert triage.declared and triage.sources == ["manifest", "bedrock-agent"]
    assert set(triage.runs_as) == {role_arn(ACCT, "declared-other"), role_arn(ACCT, "triage-exec")}
    assert "TRIAGEAG01" in triage.aliases
    assert acc.catalog.resolve("TRIAGEAG01") == "triage"


def test_a_disagreement_is_reported_not_resolved(acc: Any) -> None:
    conflicts = [c for c in acc.catalog.conflicts if c.agent == "triage"]
    assert [c.kind for c in conflicts] == ["runs-as-mismatch"]
    assert "triage-exec" in conflicts[0].detail and "declared-other" in conflicts[0].detail


def test_no_agent_is_invented_for_identities_already_claimed(acc: Any) -> None:
    ids = set(acc.catalog.agents)
    assert not ids & {"triage-exec", "remediation-exec", "invoice-agent-exec", "scanner-exec", "shared-exec"}


# --- delegation ---------------------------------------------------------------------------------------------
def test_delegation_mechanisms(acc: Any) -> None:
    links = {(d.source, d.target): d for d in acc.delegations}
    assert links[("triage", "remediation")].mechanism == "bedrock-collaborator"
    invoice = links[("invoice-agent", "report-agent")]
    assert invoice.mechanism == "declared" and invoice.mechanisms == ("declared", "invoke-permission")
    assert links[("alpha", "beta")].mechanism == "shared-role"
    assert links[("beta", "alpha")].mechanism == "shared-role"
    assert ("report-agent", "invoice-agent") not in links


def test_invoke_permission_comes_from_the_evaluator() -> None:
    doc = scenario()
    doc["agents_manifest"]["agents"][1]["delegates_to"] = []
    snap = build_snapshot(doc)
    found = {(d.source, d.target): d for d in delegations(discover(snap), Evaluator(snap))}
    link = found[("invoice-agent", "report-agent")]
    assert link.mechanism == "invoke-permission"
    assert "lambda:InvokeFunction" in link.evidence and "invoice-agent-exec#inline/invoke" in link.evidence
    # Take the grant away: the delegation disappears with it.
    doc["authorization_details"][ACCT]["RoleDetailList"][4]["RolePolicyList"] = []
    snap = build_snapshot(doc)
    assert ("invoice-agent", "report-agent") not in {
        (d.source, d.target) for d in delegations(discover(snap), Evaluator(snap))
    }


def test_chains_are_maximal_simple_paths() -> None:
    edges = [
        {"from": "a", "to": "b", "mechanism": "declared"},
        {"from": "b", "to": "c", "mechanism": "shared-role"},
        {"from": "c", "to": "a", "mechanism": "declared"},
        {"from": "a", "to": "d", "mechanism": "declared"},
    ]
    assert chains(edges, "a") == [
        [{"from": "a", "to": "d", "mechanism": "declared"}],
        [
            {"from": "a", "to": "b", "mechanism": "declared"},
            {"from": "b", "to": "c", "mechanism": "shared-role"},
        ],
    ]
    assert chains(edges, "d") == []


# --- through the CLI ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from ingested_scenario(tmp_path_factory, "agents", scenario())


def test_paths_from_an_agent_start_with_runs_as(capsys: pytest.CaptureFixture[str], store: str) -> None:
    report = cli_json(capsys, store, "paths", "--from", "remediation", "--to", "admin")
    assert report["source"] == "remediation" and report["reaches_admin"] is True
    steps = report["paths"][0]["steps"]
    assert [s["technique"] for s in steps] == ["runs-as", "ec2-001"]
    assert steps[0]["from"] == "remediation" and steps[0]["to"] == role_arn(ACCT, "remediation-exec")
    assert steps[1]["to"] == role_arn(ACCT, "instance-admin")


def test_a_supervisor_inherits_the_reach_of_its_collaborator(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    report = cli_json(capsys, store, "paths", "--from", "triage", "--to", "admin")
    assert report["reaches_admin"] is True
    steps = report["paths"][0]["steps"]
    assert [(s["from"], s["technique"]) for s in steps] == [
        ("triage", "delegation"),
        ("remediation", "runs-as"),
        (role_arn(ACCT, "remediation-exec"), "ec2-001"),
    ]
    assert all("owner" in s for s in steps)
    assert steps[0]["owner"] == "ann@example.com"


def test_delegation_contract(capsys: pytest.CaptureFixture[str], store: str) -> None:
    out = cli_json(capsys, store, "delegation", "--from", "triage")
    assert out == {
        "source": "triage",
        "chains": [[{"from": "triage", "to": "remediation", "mechanism": "bedrock-collaborator"}]],
    }
    out = cli_json(capsys, store, "delegation", "--from", "invoice-agent")
    assert out["chains"] == [[{"from": "invoice-agent", "to": "report-agent", "mechanism": "declared"}]]
    out = cli_json(capsys, store, "delegation", "--from", "alpha")
    assert out["chains"] == [[{"from": "alpha", "to": "beta", "mechanism": "shared-role"}]]
    assert cli_json(capsys, store, "delegation", "--from", "lonely") == {"source": "lonely", "chains": []}
    # A Bedrock agent id names the same agent.
    assert cli_json(capsys, store, "delegation", "--from", "TRIAGEAG01")["source"] == "triage"


def test_an_agent_with_no_identity_is_still_a_valid_path_source(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    report = cli_json(capsys, store, "paths", "--from", "lonely")
    assert report["reaches_admin"] is False and report["paths"] == []


def test_unknown_agent_is_a_usage_error(capsys: pytest.CaptureFixture[str], store: str) -> None:
    assert main(["--store", store, "delegation", "--from", "no-such-agent", "--format", "json"]) == 2
    assert "no-such-agent" in capsys.readouterr().err


def test_conflicts_surface_as_findings(capsys: pytest.CaptureFixture[str], store: str) -> None:
    findings = cli_json(capsys, store, "findings")
    conflicts = [f for f in findings if f["kind"] == "agent-conflict"]
    assert any(f["subject"] == "triage" and "runs-as-mismatch" in f["detail"] for f in conflicts)


def test_manifest_on_its_own_merges_with_the_stored_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A YAML manifest ingested after the IAM data (unquoted timestamps and all) joins the same picture."""
    doc = scenario()
    manifest = doc.pop("agents_manifest")
    manifest["agents"][0]["task_window"] = {"start": "2026-11-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"}
    (tmp_path / "iam.json").write_text(json.dumps(doc))
    import yaml

    text = yaml.safe_dump(manifest).replace("'2026-11-01T00:00:00Z'", "2026-11-01T00:00:00Z")
    (tmp_path / "agents.yaml").write_text(text)
    uri = f"embedded:{tmp_path / 'store'}"
    assert main(["--store", uri, "ingest", str(tmp_path / "iam.json")]) == 0
    assert main(["--store", uri, "ingest", str(tmp_path / "agents.yaml")]) == 0
    out = cli_json(capsys, uri, "query", "agents")
    triage = next(a for a in out if a["id"] == "triage")
    assert triage["declared"] is True and triage["window_start"] == "2026-11-01T00:00:00Z"
    assert cli_json(capsys, uri, "paths", "--from", "triage")["reaches_admin"] is True


def test_a_role_written_without_its_path_is_the_same_role() -> None:
    """The manifest says `role/x`, Bedrock and the export say `role/agents/x`: one identity, no conflict."""
    arn = f"arn:aws:bedrock:{R}:{ACCT}:agent/PATHAG0001"
    declared = {"id": "pathy", "platform_arn": arn, "runs_as": [role_arn(ACCT, "x")]}
    found = {
        "agentId": "PATHAG0001",
        "agentName": "pathy",
        "agentArn": arn,
        "agentResourceRoleArn": role_arn(ACCT, "x", "/agents/"),
    }
    iam = gaad(roles=[role(ACCT, "x", service_trust("bedrock.amazonaws.com"), path="/agents/")])
    doc = bundle(
        {ACCT: iam}, agents_manifest={"agents": [declared]}, agent_resources={"bedrock_agents": [found]}
    )
    catalog = discover(build_snapshot(doc))
    assert catalog.agents["pathy"].runs_as == {role_arn(ACCT, "x", "/agents/"): ["manifest", "bedrock-agent"]}
    assert catalog.conflicts == [] and set(catalog.agents) == {"pathy"}

"""The accountable human of every identity and agent, from each source in order, always with the source.

One bundle holds an owner from each source: the manifest (and its reach to an agent's identities), owner
tags with keys in any case, CloudTrail creators (an SSO e-mail session, a source identity, an AssumeRole chain
back to an IAM user whose owner answers, a creator role whose own owner answers, an e-mail-named IAM user),
the account's declared owner, and nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from graph_model.enrich import analyse_accountability
from ingest.demo import (
    account_trust,
    admin_policy,
    allow,
    assume_role_event,
    bundle,
    document,
    event,
    gaad,
    iam_user_identity,
    role,
    role_arn,
    service_trust,
    session_identity,
    user,
    user_arn,
)
from ingest.transform import build_snapshot
from tests.helpers import cli_json, ingested_scenario
from ui.cli import main

A = "555566667777"  # has a declared owner
B = "888899990000"  # has none
SSO = "AWSReservedSSO_Admin_abc123"
SSO_PATH = "/aws-reserved/sso.amazonaws.com/"


def create_role(
    event_id: str,
    name: str,
    identity: dict[str, Any],
    time: str = "2026-05-01T10:00:00Z",
    account: str = A,
    error: str | None = None,
) -> dict[str, Any]:
    response = None if error else {"role": {"roleName": name, "arn": role_arn(account, name)}}
    return event(
        event_id,
        "CreateRole",
        time,
        identity,
        account=account,
        request={"roleName": name, "assumeRolePolicyDocument": "{}"},
        response=response,
        error=error,
    )


def scenario() -> dict[str, Any]:
    roles_a = [
        role(A, "builder-exec", service_trust("bedrock.amazonaws.com"), tags={"Owner": "other@example.com"}),
        role(A, "tagged-owner", account_trust(A), tags={"OWNER": "tim@example.com", "Team": "data"}),
        role(A, "made-by-sso", account_trust(A)),
        role(A, "made-with-source-identity", account_trust(A)),
        role(A, "made-through-chain", account_trust(A)),
        role(A, "made-by-user", account_trust(A)),
        role(A, "made-by-role-owner", account_trust(A)),
        role(A, "made-twice", account_trust(A)),
        role(A, "denied-creation", account_trust(A)),
        role(A, "account-owned", account_trust(A)),
        role(A, "automation-role", account_trust(A)),
        role(A, "pipeline-role", account_trust(A), tags={"agentpath:owner": "pat@example.com"}),
        role(A, "deployer-role", account_trust(A)),
        role(A, SSO, account_trust(A), path=SSO_PATH),
        # An agent found from IAM alone (it trusts Bedrock) whose identity is tagged.
        role(A, "kb-agent-role", service_trust("bedrock.amazonaws.com"), tags={"owner": "kim@example.com"}),
    ]
    users_a = [
        user(
            A,
            "ops-user",
            tags={"owner": "olga@example.com"},
            inline={"assume": document(allow("sts:AssumeRole", role_arn(A, "automation-role")))},
        ),
        user(A, "svc-user", tags={"AgentPath:Owner": "vic@example.com"}),
        user(A, "uma@example.com"),
    ]
    roles_b = [
        role(B, "nobody-owns-me", account_trust(B), inline={"esc": document(allow("iam:PutRolePolicy"))}),
        role(B, "b-admin", account_trust(B), managed=["arn:aws:iam::aws:policy/AdministratorAccess"]),
    ]
    sso = session_identity(A, SSO, "sue@example.com", path=SSO_PATH, key="ASIASUE")
    with_source = session_identity(
        A, "deployer-role", "ci-run-9", key="ASIADEPLOY", source_identity="sam@example.com"
    )
    chained = session_identity(A, "automation-role", "job-17", key="ASIACHAIN")
    pipeline = session_identity(A, "pipeline-role", "build-3", key="ASIAPIPE")
    trail = [
        create_role("c-sso", "made-by-sso", sso),
        create_role("c-source", "made-with-source-identity", with_source),
        assume_role_event(
            "a-chain",
            "2026-05-01T09:00:00Z",
            iam_user_identity(A, "ops-user", "AKIAOPS"),
            role_arn(A, "automation-role"),
            "job-17",
            account=A,
            new_key="ASIACHAIN",
        ),
        create_role("c-chain", "made-through-chain", chained),
        create_role("c-user", "made-by-user", iam_user_identity(A, "uma@example.com", "AKIAUMA")),
        create_role("c-role-owner", "made-by-role-owner", pipeline),
        create_role("c-twice-1", "made-twice", sso, time="2026-01-01T00:00:00Z"),
        create_role("c-twice-2", "made-twice", with_source, time="2026-06-01T00:00:00Z"),
        create_role("c-denied", "denied-creation", sso, error="AccessDenied"),
    ]
    manifest = {
        "people": [
            {"id": "mia@example.com", "team": "agents"},
            {"id": "sue@example.com", "team": "identity"},
        ],
        "accounts": [{"id": A, "owner": "acct-owner@example.com"}],
        "agents": [
            {
                "id": "builder",
                "kind": "bedrock-agent",
                "owner": "mia@example.com",
                "runs_as": [role_arn(A, "builder-exec")],
            },
            {"id": "orphan-agent", "kind": "external", "runs_as": [role_arn(A, "tagged-owner")]},
            {"id": "creator-agent", "kind": "external", "runs_as": [role_arn(A, "made-by-sso")]},
            {"id": "ghost", "kind": "external"},
        ],
    }
    return bundle(
        {A: gaad(roles=roles_a, users=users_a, policies=[admin_policy()]), B: gaad(roles=roles_b)},
        agents_manifest=manifest,
        cloudtrail=trail,
    )


@pytest.fixture(scope="module")
def owners() -> dict[str, Any]:
    acc = analyse_accountability(build_snapshot(scenario()))
    return {k: (v.owner, v.source, v.team) for k, v in acc.owners.items()}


@pytest.mark.parametrize(
    ("subject", "owner", "source"),
    [
        (role_arn(A, "builder-exec"), "mia@example.com", "manifest"),
        # the agent's owner beats the identity's tag
        ("builder", "mia@example.com", "manifest"),
        (role_arn(A, "tagged-owner"), "tim@example.com", "tag"),  # `OWNER`
        (user_arn(A, "svc-user"), "vic@example.com", "tag"),  # `AgentPath:Owner`
        (role_arn(A, "pipeline-role"), "pat@example.com", "tag"),
        (role_arn(A, "made-by-sso"), "sue@example.com", "cloudtrail-creator"),  # SSO session named by e-mail
        (role_arn(A, "made-with-source-identity"), "sam@example.com", "cloudtrail-creator"),  # sourceIdentity
        (role_arn(A, "made-through-chain"), "olga@example.com", "cloudtrail-creator"),
        # session -> AssumeRole -> user
        (role_arn(A, "made-by-user"), "uma@example.com", "cloudtrail-creator"),
        (
            role_arn(A, "made-by-role-owner"),
            "pat@example.com",
            "cloudtrail-creator",
        ),  # the creator role's owner
        (role_arn(A, "made-twice"), "sam@example.com", "cloudtrail-creator"),  # the latest creation
        (
            role_arn(A, "denied-creation"),
            "acct-owner@example.com",
            "account",
        ),  # a failed call creates nothing
        (role_arn(A, "account-owned"), "acct-owner@example.com", "account"),
        (role_arn(B, "nobody-owns-me"), None, "none"),
        ("orphan-agent", "tim@example.com", "tag"),  # no declared owner: the identity's owner
        ("creator-agent", "sue@example.com", "cloudtrail-creator"),
        ("kb-agent-role", "kim@example.com", "tag"),  # an agent found from IAM alone
        ("ghost", None, "none"),
    ],
)
def test_owner_and_source(owners: dict[str, Any], subject: str, owner: str | None, source: str) -> None:
    assert owners[subject][:2] == (owner, source)


def test_teams(owners: dict[str, Any]) -> None:
    assert owners["builder"][2] == "agents"  # the owner's team in the manifest
    assert owners[role_arn(A, "made-by-sso")][2] == "identity"
    assert owners[role_arn(A, "tagged-owner")][2] == "data"  # the identity's `team` tag


def test_manifest_and_tag_disagreement_is_a_conflict() -> None:
    acc = analyse_accountability(build_snapshot(scenario()))
    mismatches = [c for c in acc.catalog.conflicts if c.kind == "owner-mismatch"]
    assert [(c.agent, "other@example.com" in c.detail) for c in mismatches] == [("builder", True)]


def test_creator_cycle_does_not_loop() -> None:
    """Two roles each created by a session of the other: no owner through that route, and no hang."""
    doc = bundle(
        {B: gaad(roles=[role(B, "x", account_trust(B)), role(B, "y", account_trust(B))])},
        cloudtrail=[
            create_role("cx", "x", session_identity(B, "y", "s1", key="ASIAY"), account=B),
            create_role("cy", "y", session_identity(B, "x", "s2", key="ASIAX"), account=B),
        ],
    )
    acc = analyse_accountability(build_snapshot(doc))
    assert acc.owners[role_arn(B, "x")].source == "none" and acc.owners[role_arn(B, "y")].source == "none"


# --- the CLI contracts --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from ingested_scenario(tmp_path_factory, "owners", scenario())


def test_owners_contract(capsys: pytest.CaptureFixture[str], store: str, owners: dict[str, Any]) -> None:
    rows = cli_json(capsys, store, "owners")
    assert isinstance(rows, list) and rows
    for row in rows:
        assert set(row) == {"identity", "owner", "source", "team"}
        assert row["source"] in ("manifest", "tag", "cloudtrail-creator", "account", "none")
        assert (row["owner"] is None) == (row["source"] == "none")
    by_identity = {r["identity"]: r for r in rows}
    # every user, role and agent, and nothing else (no groups, no people)
    assert set(by_identity) == set(owners)
    assert by_identity[role_arn(A, "made-through-chain")] == {
        "identity": role_arn(A, "made-through-chain"),
        "owner": "olga@example.com",
        "source": "cloudtrail-creator",
        "team": None,
    }
    assert by_identity["builder"] == {
        "identity": "builder",
        "owner": "mia@example.com",
        "source": "manifest",
        "team": "agents",
    }
    assert by_identity[role_arn(B, "nobody-owns-me")] == {
        "identity": role_arn(B, "nobody-owns-me"),
        "owner": None,
        "source": "none",
        "team": None,
    }


def test_every_path_step_carries_its_owner(capsys: pytest.CaptureFixture[str], store: str) -> None:
    report = cli_json(
        capsys, store, "paths", "--from", user_arn(A, "ops-user"), "--to", role_arn(A, "automation-role")
    )
    steps = report["paths"][0]["steps"]
    assert [(s["from"], s["technique"], s["owner"]) for s in steps] == [
        (user_arn(A, "ops-user"), "sts-001", "olga@example.com")
    ]
    report = cli_json(capsys, store, "paths", "--from", role_arn(B, "nobody-owns-me"))
    assert report["reaches_admin"] is True
    assert all(s["owner"] is None for s in report["paths"][0]["steps"])


def test_owners_table_marks_the_unowned(capsys: pytest.CaptureFixture[str], store: str) -> None:
    capsys.readouterr()
    assert main(["--store", store, "owners", "--unowned"]) == 0
    out = capsys.readouterr().out
    assert "nobody-owns-me" in out and "UNOWNED" in out and "builder-exec" not in out

"""`trail EVENT_ID`: the four evidence layers of a privilege event and its classification.

design = inside an approved task's window and allowed actions; misconfiguration = no task covers it and a
policy allowed it; control-failure = a declared control should have stopped it (a task window had closed, the
agent was revoked, a break-glass identity was used outside a window).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from graph_model.enrich import analyse_accountability
from ingest.demo import (
    ADMIN_ARN,
    account_trust,
    admin_policy,
    allow,
    assume_role_event,
    bundle,
    deny,
    document,
    event,
    gaad,
    iam_user_identity,
    role,
    role_arn,
    service_identity,
    service_trust,
    session_identity,
    user,
)
from ingest.transform import build_snapshot
from tests.helpers import ingested_scenario
from ui.cli import main

A = "246802468024"
R = "us-east-1"
FN = f"arn:aws:lambda:{R}:{A}:function:"
BOUNDARY = f"arn:aws:iam::{A}:policy/agent-boundary"


def create_function(event_id: str, time: str, identity: dict[str, Any]) -> dict[str, Any]:
    return event(
        event_id,
        "CreateFunction20150331",
        time,
        identity,
        source="lambda.amazonaws.com",
        account=A,
        request={"functionName": event_id, "role": role_arn(A, "fn-admin")},
        response={"functionArn": FN + event_id},
    )


def scenario() -> dict[str, Any]:
    boundary = {
        "PolicyName": "agent-boundary",
        "Arn": BOUNDARY,
        "Path": "/",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": True, "Document": document(allow("*"))}
        ],
    }
    roles = [
        role(
            A,
            "deployer-exec",
            service_trust("bedrock.amazonaws.com"),
            boundary=BOUNDARY,
            inline={
                "d": document(
                    allow("iam:PassRole", role_arn(A, "fn-admin")),
                    allow(["lambda:CreateFunction", "iam:CreateRole"]),
                )
            },
        ),
        role(A, "fn-admin", service_trust("lambda.amazonaws.com"), managed=[ADMIN_ARN]),
        role(
            A, "retired-exec", service_trust("bedrock.amazonaws.com"), inline={"d": document(allow("iam:*"))}
        ),
        role(
            A, "standing-exec", service_trust("bedrock.amazonaws.com"), inline={"d": document(allow("iam:*"))}
        ),
        role(A, "break-glass", account_trust(A), managed=[ADMIN_ARN], tags={"agentpath:break-glass": "true"}),
        role(A, "emergency-exec", account_trust(A), managed=[ADMIN_ARN]),
    ]
    users = [user(A, "admin-human", managed=[ADMIN_ARN])]
    manifest = {
        "agents": [
            {
                "id": "deployer",
                "kind": "bedrock-agent",
                "runs_as": [role_arn(A, "deployer-exec")],
                "owner": "dana@example.com",
                "approver": "bob@example.com",
                "monitored_by": ["carol@example.com"],
                "allowed_actions": ["lambda:CreateFunction", "iam:PassRole"],
            },
            {
                "id": "retired",
                "kind": "bedrock-agent",
                "runs_as": [role_arn(A, "retired-exec")],
                "revoked": True,
                "revoked_at": "2026-06-01T00:00:00Z",
            },
            {
                "id": "standing",
                "kind": "bedrock-agent",
                "runs_as": [role_arn(A, "standing-exec")],
                "approver": "bob@example.com",
                "allowed_actions": ["iam:Create*"],
                "task_window": {"start": "2026-01-01T00:00:00Z", "end": "2026-12-31T00:00:00Z"},
            },
            {
                "id": "emergency",
                "kind": "external",
                "break_glass": True,
                "runs_as": [role_arn(A, "emergency-exec")],
                "approver": "bob@example.com",
                "monitored_by": "carol@example.com",
                "task_window": {"start": "2026-08-01T00:00:00Z", "end": "2026-08-02T00:00:00Z"},
            },
        ],
        "tasks": [
            {
                "id": "T-1",
                "agent": "deployer",
                "requested_by": "alice@example.com",
                "approved_by": "bob@example.com",
                "reason": "Release 7",
                "window": {"start": "2026-11-30T08:00:00Z", "end": "2026-11-30T18:00:00Z"},
            }
        ],
    }
    org = {
        "id": "o-trail",
        "management_account_id": "999999999999",
        "member_accounts": {A: ["r-1", A]},
        "policies": [
            {"type": "SCP", "name": "FullAWSAccess", "targets": ["r-1", A], "document": document(allow("*"))},
            {
                "type": "SCP",
                "name": "NoUserCreation",
                "targets": ["r-1"],
                "document": document(deny("iam:CreateUser")),
            },
        ],
    }
    dep = session_identity(A, "deployer-exec", "s1", key="ASIADEP1")
    human = iam_user_identity(A, "admin-human", "AKIAHUMAN")
    trail = [
        assume_role_event(
            "start",
            "2026-11-30T09:00:00Z",
            service_identity("bedrock.amazonaws.com"),
            role_arn(A, "deployer-exec"),
            "s1",
            account=A,
            new_key="ASIADEP1",
        ),
        create_function("in-window", "2026-11-30T10:00:00Z", dep),
        event(
            "out-of-scope",
            "CreateRole",
            "2026-11-30T11:00:00Z",
            dep,
            account=A,
            request={"roleName": "sneaky"},
            response={"role": {"arn": role_arn(A, "sneaky")}},
        ),
        create_function("after-window", "2026-12-01T02:00:00Z", dep),
        create_function("before-window", "2026-11-01T02:00:00Z", dep),
        event(
            "revoked",
            "CreateRole",
            "2026-07-01T00:00:00Z",
            session_identity(A, "retired-exec", "x", key="ASIAR"),
            account=A,
            request={"roleName": "r2"},
        ),
        event(
            "standing-ok",
            "CreateRole",
            "2026-03-01T00:00:00Z",
            session_identity(A, "standing-exec", "y", key="ASIAS"),
            account=A,
            request={"roleName": "r3"},
        ),
        assume_role_event(
            "glass",
            "2026-09-09T03:00:00Z",
            human,
            role_arn(A, "break-glass"),
            "oops",
            account=A,
            new_key="ASIAGLASS",
        ),
        assume_role_event(
            "emergency-ok",
            "2026-08-01T12:00:00Z",
            human,
            role_arn(A, "emergency-exec"),
            "fire",
            account=A,
            new_key="ASIAEMERG",
        ),
        assume_role_event(
            "emergency-late",
            "2026-08-05T12:00:00Z",
            human,
            role_arn(A, "emergency-exec"),
            "again",
            account=A,
            new_key="ASIAEMERG2",
        ),
        event("human", "CreateUser", "2026-05-05T05:00:00Z", human, account=A, request={"userName": "new"}),
        event(
            "denied",
            "CreateRole",
            "2026-11-02T00:00:00Z",
            dep,
            account=A,
            request={"roleName": "no"},
            error="AccessDenied",
        ),
    ]
    return bundle(
        {A: gaad(roles=roles, users=users, policies=[admin_policy(), boundary])},
        organization=org,
        agents_manifest=manifest,
        cloudtrail=trail,
    )


@pytest.fixture(scope="module")
def evidence() -> dict[str, Any]:
    acc = analyse_accountability(build_snapshot(scenario()))
    return {e.event.event_id: e for e in acc.evidence}


@pytest.mark.parametrize(
    ("event_id", "classification"),
    [
        ("start", "design"),  # the platform starting the agent's session inside the task window
        ("in-window", "design"),
        ("out-of-scope", "misconfiguration"),  # in the window, but not an allowed action
        ("after-window", "control-failure"),  # the task window had closed
        ("before-window", "misconfiguration"),  # no task covers it, and no window had closed yet
        ("revoked", "control-failure"),
        ("standing-ok", "design"),  # an agent with no tasks: its own window and scope approve it
        ("glass", "control-failure"),  # break-glass identity with no window at all
        ("emergency-ok", "design"),  # break-glass inside its declared window
        ("emergency-late", "control-failure"),
        ("human", "misconfiguration"),
        ("denied", "design"),  # refused: the controls held
    ],
)
def test_classification(evidence: dict[str, Any], event_id: str, classification: str) -> None:
    assert evidence[event_id].classification == classification, evidence[event_id].reason


def test_window_flags(evidence: dict[str, Any]) -> None:
    flags = {k: (e.outside_window, e.out_of_scope) for k, e in evidence.items()}
    assert flags["in-window"] == (False, False)
    assert flags["out-of-scope"] == (False, True)
    assert flags["after-window"] == (True, False) and flags["before-window"] == (True, False)
    assert flags["human"] == (False, False)  # not an agent's identity
    assert flags["emergency-late"] == (False, False)  # a human entering break-glass: classified, not flagged
    assert flags["revoked"] == (True, False)


# --- the CLI contract ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from ingested_scenario(tmp_path_factory, "trail", scenario())


def trail(capsys: pytest.CaptureFixture[str], store: str, event_id: str) -> dict[str, Any]:
    capsys.readouterr()
    code = main(["--store", store, "trail", event_id, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    assert set(result) == {
        "event_id",
        "task_approval",
        "identity_proof",
        "privilege_event",
        "oversight",
        "classification",
    }
    assert result["event_id"] == event_id
    return result


def test_trail_inside_a_task(capsys: pytest.CaptureFixture[str], store: str) -> None:
    t = trail(capsys, store, "in-window")
    assert t["classification"] == "design"
    approval = t["task_approval"]
    assert (approval["task"], approval["agent"], approval["approver"], approval["reason"]) == (
        "T-1",
        "deployer",
        "bob@example.com",
        "Release 7",
    )
    assert approval["window"] == {"start": "2026-11-30T08:00:00Z", "end": "2026-11-30T18:00:00Z"}
    assert approval["requested_by"] == "alice@example.com" and approval["covered"] is True
    proof = t["identity_proof"]
    assert proof["role"] == role_arn(A, "deployer-exec") and proof["session_name"] == "s1"
    assert proof["access_key_type"] == "temporary" and proof["agents"] == ["deployer"]
    assert proof["session_origin_event"] == "start" and proof["owner"] == "dana@example.com"
    event_layer = t["privilege_event"]
    assert event_layer["event_name"] == "CreateFunction20150331"
    assert event_layer["action"] == "lambda:CreateFunction"
    assert event_layer["passed_roles"] == [role_arn(A, "fn-admin")] and event_layer["succeeded"] is True
    oversight = t["oversight"]
    assert oversight["monitored_by"] == ["carol@example.com"] and oversight["decision"] == "Allow"
    kinds = {(g["kind"], g["name"]) for g in oversight["guardrails"]}
    assert {("SCP", "FullAWSAccess"), ("SCP", "NoUserCreation"), ("permissions-boundary", BOUNDARY)} <= kinds
    assert [c["action"] for c in oversight["evaluated"]] == ["lambda:CreateFunction", "iam:PassRole"]


def test_trail_after_the_window(capsys: pytest.CaptureFixture[str], store: str) -> None:
    t = trail(capsys, store, "after-window")
    assert t["classification"] == "control-failure"
    assert t["task_approval"]["task"] is None and t["task_approval"]["covered"] is False
    assert t["task_approval"]["closed_task"] == "T-1"
    assert "closed" in t["oversight"]["verdict"]


def test_trail_of_a_human_call_denied_by_an_scp_today(capsys: pytest.CaptureFixture[str], store: str) -> None:
    t = trail(capsys, store, "human")
    assert t["task_approval"]["agent"] is None and t["task_approval"]["task"] is None
    assert t["identity_proof"]["identity_type"] == "IAMUser"
    assert t["identity_proof"]["access_key_type"] == "long-term"
    assert t["oversight"]["decision"] == "ExplicitDeny"  # the SCP was added after the call
    assert t["classification"] == "misconfiguration"


def test_trail_of_a_break_glass_assumption(capsys: pytest.CaptureFixture[str], store: str) -> None:
    t = trail(capsys, store, "glass")
    assert t["classification"] == "control-failure" and t["oversight"]["break_glass"] is True
    assert t["privilege_event"]["targets"] == [role_arn(A, "break-glass")]


def test_unknown_event_is_a_usage_error(capsys: pytest.CaptureFixture[str], store: str) -> None:
    assert main(["--store", store, "trail", "no-such-event", "--format", "json"]) == 2
    assert "no-such-event" in capsys.readouterr().err


def test_trail_table(capsys: pytest.CaptureFixture[str], store: str) -> None:
    capsys.readouterr()
    assert main(["--store", store, "trail", "out-of-scope"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("event out-of-scope: MISCONFIGURATION")
    assert "task approval:" in out and "oversight:" in out

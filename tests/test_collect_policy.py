"""The shipped IAM policy covers every call the collector made, every call is read-only, and the policy
grants
nothing the collector does not call."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "collect"))
import collect_testkit as kit  # noqa: E402

from ingest.collect.policy import (  # noqa: E402
    ASSUME_ROLE,
    POLICY_FILE,
    allows_action,
    collector_policy,
    is_read_only,
    policy_json,
)


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory) -> kit.Run:
    kit.world()
    return kit.org_run(tmp_path_factory.mktemp)


def _called(run: kit.Run) -> set[str]:
    return {action for counter in run.bundle["collector"]["calls"].values() for action in counter}


def _granted() -> set[str]:
    statements = json.loads(POLICY_FILE.read_text())["Statement"]
    return {
        action
        for s in statements
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }


def test_shipped_file_is_the_policy_module() -> None:
    assert POLICY_FILE.read_text() == policy_json()
    assert json.loads(POLICY_FILE.read_text()) == collector_policy()


def test_every_call_made_is_allowed_by_the_shipped_policy_and_read_only(org: kit.Run) -> None:
    policy = json.loads(POLICY_FILE.read_text())
    called = _called(org)
    assert len(called) >= 20
    not_allowed = sorted(a for a in called if not allows_action(policy, a))
    assert not_allowed == []
    writes = sorted(a for a in called if not is_read_only(a))
    assert writes == []
    assert ASSUME_ROLE in called  # --org used it, and it is the one non-Get/List/Describe action


def test_policy_grants_only_what_the_collector_calls(org: kit.Run) -> None:
    granted = _granted()
    assert "*" not in "".join(granted)  # every action spelled out, nothing hidden behind a wildcard
    assert granted == _called(org)  # the org run exercises every code path; the policy holds nothing more
    for action in granted:
        assert action == ASSUME_ROLE or action.split(":")[1].startswith(("Get", "List", "Describe"))


def test_assume_role_is_named_explicitly_and_scoped_to_the_member_role() -> None:
    statements = [s for s in collector_policy("audit-ro")["Statement"] if ASSUME_ROLE in s["Action"]]
    assert statements == [
        {
            "Sid": "AssumeMemberReadOnlyRole",
            "Effect": "Allow",
            "Action": [ASSUME_ROLE],
            "Resource": "arn:aws:iam::*:role/audit-ro",
        }
    ]
    assert all(
        ASSUME_ROLE not in s["Action"] for s in collector_policy()["Statement"] if s["Resource"] == "*"
    )


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("iam:Get*", "iam:GetAccountAuthorizationDetails", True),
        (
            "IAM:getaccount*",
            "iam:GetAccountAuthorizationDetails",
            True,
        ),  # IAM action names are case-insensitive
        ("iam:List?AMLProviders", "iam:ListSAMLProviders", True),
        ("iam:Get*", "iam:ListRoles", False),
        ("bedrock:*", "bedrock-agentcore:GetAgentRuntime", False),  # the service prefix must match exactly
        ("*", "sts:AssumeRole", True),
    ],
)
def test_wildcard_semantics(pattern: str, action: str, expected: bool) -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": pattern, "Resource": "*"}]}
    assert allows_action(policy, action) is expected
    assert (
        allows_action({"Statement": [{"Effect": "Deny", "Action": pattern, "Resource": "*"}]}, action)
        is False
    )

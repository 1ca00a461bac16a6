"""Laws any IAM evaluator must obey, checked on generated policies (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from graph_model.evaluation import Evaluator
from ingest.transform import build_snapshot

ACCT = "111111111111"
USER = f"arn:aws:iam::{ACCT}:user/u"
ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "iam:PassRole",
    "iam:CreateUser",
    "ec2:RunInstances",
    "sts:AssumeRole",
]
RESOURCES = [f"arn:aws:s3:::b/{k}" for k in ("a", "b", "x/y")] + [f"arn:aws:iam::{ACCT}:role/r", "*"]

action_pattern = st.sampled_from(ACTIONS + ["s3:*", "*", "iam:Pass*", "ec2:Run?nstances", "S3:GETOBJECT"])
resource_pattern = st.sampled_from(
    RESOURCES + ["arn:aws:s3:::b/*", "arn:aws:iam::*:role/*", "arn:aws:s3:::b/?"]
)
statement = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.lists(action_pattern, min_size=1, max_size=3),
        "Resource": st.lists(resource_pattern, min_size=1, max_size=2),
    }
)
allow_statement = statement.map(lambda s: {**s, "Effect": "Allow"})


def _decide(
    statements: list[dict[str, Any]], action: str, resource: str, boundary: list[dict[str, Any]] | None = None
) -> str:
    user: dict[str, Any] = {
        "UserName": "u",
        "Arn": USER,
        "Path": "/",
        "UserPolicyList": [
            {"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}
        ],
    }
    policies = []
    if boundary is not None:
        arn = f"arn:aws:iam::{ACCT}:policy/b"
        user["PermissionsBoundary"] = {"PermissionsBoundaryArn": arn}
        policies.append(
            {
                "Arn": arn,
                "DefaultVersionId": "v1",
                "PolicyVersionList": [
                    {
                        "VersionId": "v1",
                        "IsDefaultVersion": True,
                        "Document": {"Version": "2012-10-17", "Statement": boundary},
                    }
                ],
            }
        )
    snap = build_snapshot({"authorization_details": {ACCT: {"UserDetailList": [user], "Policies": policies}}})
    ev = Evaluator(snap)
    return ev.authorize(ev.caller(USER), action, resource).decision


requests = st.tuples(st.sampled_from(ACTIONS), st.sampled_from(RESOURCES))


@settings(max_examples=150, deadline=None)
@given(st.lists(statement, max_size=4), st.sampled_from(ACTIONS), st.sampled_from(RESOURCES))
def test_an_explicit_deny_always_wins(stmts: list[dict[str, Any]], action: str, resource: str) -> None:
    deny = {"Effect": "Deny", "Action": action, "Resource": resource}
    assert _decide(stmts + [deny], action, resource) == "ExplicitDeny"


@settings(max_examples=150, deadline=None)
@given(st.lists(statement, max_size=4), allow_statement, requests)
def test_adding_an_allow_never_removes_access(
    stmts: list[dict[str, Any]], extra: dict[str, Any], request: tuple[str, str]
) -> None:
    before = _decide(stmts, *request)
    after = _decide(stmts + [extra], *request)
    if before == "Allow":
        assert after == "Allow"
    if before == "ExplicitDeny":
        assert after == "ExplicitDeny"


@settings(max_examples=150, deadline=None)
@given(st.lists(statement, max_size=4), st.lists(statement, max_size=3), requests)
def test_a_boundary_never_adds_access(
    stmts: list[dict[str, Any]], boundary: list[dict[str, Any]], request: tuple[str, str]
) -> None:
    if _decide(stmts, *request) != "Allow":
        assert _decide(stmts, *request, boundary=boundary) != "Allow"

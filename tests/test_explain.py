"""`agentpath explain`: every action of every step, with the statements, guardrails and conditions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import cli_json, ingested_scenario

ACCT = "111111111111"
BOUNDARY = f"arn:aws:iam::{ACCT}:policy/dev-boundary"


def _bundle() -> dict:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "PassAny", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            {
                "Sid": "Lambda",
                "Effect": "Allow",
                "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"],
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            },
        ],
    }
    dev = {
        "UserName": "dev",
        "Arn": f"arn:aws:iam::{ACCT}:user/dev",
        "Path": "/",
        "UserPolicyList": [{"PolicyName": "dev-inline", "PolicyDocument": doc}],
        "PermissionsBoundary": {"PermissionsBoundaryArn": BOUNDARY},
    }
    admin = {
        "RoleName": "fn-admin",
        "Arn": f"arn:aws:iam::{ACCT}:role/fn-admin",
        "Path": "/",
        "AssumeRolePolicyDocument": {
            "Statement": {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        },
        "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}],
    }
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    policies = [
        {
            "Arn": "arn:aws:iam::aws:policy/AdministratorAccess",
            "DefaultVersionId": "v1",
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": everything}],
        },
        {
            "Arn": BOUNDARY,
            "DefaultVersionId": "v1",
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": everything}],
        },
    ]
    return {
        "format": "agentpath-bundle/1",
        "authorization_details": {
            ACCT: {"UserDetailList": [dev], "RoleDetailList": [admin], "Policies": policies}
        },
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from ingested_scenario(tmp_path_factory, "explain", _bundle())


def test_explain_cites_each_action_its_statement_guardrails_and_conditions(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli_json(
        capsys,
        store,
        "explain",
        "--from",
        f"arn:aws:iam::{ACCT}:user/dev",
        "--to",
        f"arn:aws:iam::{ACCT}:role/fn-admin",
    )
    assert result["reachable"] is True and result["hops"] == 1
    step = result["steps"][0]
    assert step["technique"] == "lambda-001" and step["conditional"] is True
    by_action = {a["action"]: a for a in step["actions"]}
    assert set(by_action) == {
        "iam:PassRole",
        "lambda:CreateFunction",
        "lambda:InvokeFunction",
        "sts:AssumeRole",
    }
    passrole = by_action["iam:PassRole"]
    assert passrole["resource"] == f"arn:aws:iam::{ACCT}:role/fn-admin"
    assert [(s["policy"], s["sid"]) for s in passrole["statements"]] == [
        (f"arn:aws:iam::{ACCT}:user/dev#inline/dev-inline", "PassAny")
    ]
    assert any(BOUNDARY in c for c in passrole["checks_passed"])
    assert passrole["conditions"] == []
    create = by_action["lambda:CreateFunction"]
    assert create["conditional"] is True
    assert create["conditions"][0]["key"].lower() == "aws:multifactorauthpresent"


def test_explain_without_a_path_says_so(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli_json(capsys, store, "explain", "--from", f"arn:aws:iam::{ACCT}:role/fn-admin")
    assert result["reachable"] is False and result["source_is_admin"] is True and result["steps"] == []

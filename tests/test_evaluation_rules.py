"""AWS evaluation rules beyond the shared edge cases: RCP scope, session-ARN grants."""

from __future__ import annotations

from typing import Any

from graph_model.evaluation import Evaluator
from ingest.transform import build_snapshot

ACCT = "111111111111"
ROLE = f"arn:aws:iam::{ACCT}:role/app"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/app/s1"
SLR = f"arn:aws:iam::{ACCT}:role/aws-service-role/ops.amazonaws.com/AWSServiceRoleForOps"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ALLOW_ALL = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})


def _role(arn: str, path: str = "/") -> dict[str, Any]:
    return {
        "RoleName": arn.rsplit("/", 1)[-1],
        "Arn": arn,
        "Path": path,
        "AssumeRolePolicyDocument": _doc(),
        "RolePolicyList": [{"PolicyName": "all", "PolicyDocument": ALLOW_ALL}],
    }


def _snapshot(**extra: Any) -> Evaluator:
    bundle: dict[str, Any] = {
        "authorization_details": {
            ACCT: {"RoleDetailList": [_role(ROLE), _role(SLR, "/aws-service-role/ops.amazonaws.com/")]}
        }
    }
    bundle.update(extra)
    return Evaluator(build_snapshot(bundle))


def _org(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "organization": {
            "id": "o-x",
            "management_account_id": "999999999999",
            "member_accounts": {ACCT: ["r-1", "ou-1", ACCT]},
            "policies": [{"type": "RCP", "name": "rcp", "targets": ["ou-1"], "document": document}],
        }
    }


def _decide(ev: Evaluator, principal: str, action: str, resource: str) -> str:
    return ev.authorize(ev.caller(principal), action, resource).decision


def test_rcps_cap_only_the_services_that_support_them() -> None:
    ev = _snapshot(
        **_org(
            _doc(
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
            )
        )
    )
    assert _decide(ev, ROLE, "s3:DeleteBucket", "arn:aws:s3:::b") == "ExplicitDeny"
    assert _decide(ev, ROLE, "s3:GetObject", "arn:aws:s3:::b/k") == "Allow"
    assert (
        _decide(ev, ROLE, "iam:CreateUser", f"arn:aws:iam::{ACCT}:user/x") == "Allow"
    )  # IAM is not RCP-scoped


def test_rcps_do_not_apply_to_service_linked_roles() -> None:
    ev = _snapshot(**_org(_doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})))
    assert _decide(ev, ROLE, "s3:GetObject", "arn:aws:s3:::b/k") == "ExplicitDeny"
    assert _decide(ev, SLR, "s3:GetObject", "arn:aws:s3:::b/k") == "Allow"


def test_a_bucket_policy_naming_the_session_arn_is_not_capped_by_the_session_policy() -> None:
    bucket = "arn:aws:s3:::reports"
    sessions = [
        {
            "session_arn": SESSION,
            "role_arn": ROLE,
            "session_policies": [_doc({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})],
        }
    ]
    for principal, expected in ((SESSION, "Allow"), (ROLE, "ImplicitDeny")):
        policy = _doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": principal},
                "Action": "s3:GetObject",
                "Resource": f"{bucket}/*",
            }
        )
        ev = _snapshot(
            sessions=sessions, resource_policies=[{"arn": bucket, "account_id": ACCT, "policy": policy}]
        )
        assert _decide(ev, SESSION, "s3:GetObject", f"{bucket}/k") == expected, principal


def test_a_bucket_in_another_account_needs_the_callers_own_allow_too() -> None:
    """S3 ARNs carry no account: the bucket's recorded account decides same- vs cross-account."""
    bucket = "arn:aws:s3:::partner-data"
    user = f"arn:aws:iam::{ACCT}:user/reader"
    policy = _doc(
        {"Effect": "Allow", "Principal": {"AWS": user}, "Action": "s3:GetObject", "Resource": f"{bucket}/*"}
    )
    gaad = {ACCT: {"UserDetailList": [{"UserName": "reader", "Arn": user, "Path": "/"}]}}
    for owner, expected in (("222222222222", "ImplicitDeny"), (ACCT, "Allow")):
        ev = Evaluator(
            build_snapshot(
                {
                    "authorization_details": gaad,
                    "resource_policies": [{"arn": bucket, "account_id": owner, "policy": policy}],
                }
            )
        )
        assert _decide(ev, user, "s3:GetObject", f"{bucket}/k") == expected, owner

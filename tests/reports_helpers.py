"""A small hand-built estate whose paths to admin, and whose minimum cut, are known by construction.

Account 111111111111:
- role `admin-role`: administrator (customer policy `admin-policy`), trusted by lambda.amazonaws.com.
- role `deployer`: policy `deploy-policy` = #0 iam:PassRole on *, #1 lambda:CreateFunction + Invoke on *,
  so it reaches admin-role by passing it to a new Lambda function. Its trust policy: #0 the account root
  (callers need their own sts:AssumeRole), #1 carol by name (enough on its own).
- user alice: inline `dev` #0 sts:AssumeRole on deployer -> alice -> deployer -> admin-role.
- user carol: no policy; named in deployer's trust #1 -> carol -> deployer -> admin-role.
- user bob: two inline policies `a` and `b`, each allowing iam:PutUserPolicy on himself (Sid `SelfEdit` in b):
  alternatives, so only removing both closes his self-escalation.
- user dave: harmless (s3 reads); the "added escalation" test gives him iam:PutUserPolicy on himself.

Paths: alice, carol, deployer (via deploy-policy) and bob (via a or b). The minimum cut has 3 statements:
one of deploy-policy #0/#1, plus bob's a#0 and b#0; no 2-statement cut exists.
"""

from __future__ import annotations

import copy
from typing import Any

ACCT = "111111111111"
ARN = f"arn:aws:iam::{ACCT}"
ALICE, BOB, CAROL, DAVE = (f"{ARN}:user/{n}" for n in ("alice", "bob", "carol", "dave"))
DEPLOYER, ADMIN_ROLE = f"{ARN}:role/deployer", f"{ARN}:role/admin-role"
DEPLOY_POLICY, ADMIN_POLICY = f"{ARN}:policy/deploy-policy", f"{ARN}:policy/admin-policy"
CREATED = "2026-01-01T00:00:00Z"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _owner(email: str) -> list[dict[str, str]]:
    return [{"Key": "owner", "Value": email}]


def _user(name: str, inline: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "UserName": name,
        "UserId": f"AIDA{name.upper():0<17}"[:21],
        "Arn": f"{ARN}:user/{name}",
        "Path": "/",
        "CreateDate": CREATED,
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "Tags": _owner(f"{name}@example.com"),
        "UserPolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()],
    }


def _role(name: str, trust: dict[str, Any], policies: list[str]) -> dict[str, Any]:
    return {
        "RoleName": name,
        "RoleId": f"AROA{name.upper().replace('-', ''):0<17}"[:21],
        "Arn": f"{ARN}:role/{name}",
        "Path": "/",
        "CreateDate": CREATED,
        "AssumeRolePolicyDocument": trust,
        "Tags": _owner("ops@example.com"),
        "RolePolicyList": [],
        "InstanceProfileList": [],
        "AttachedManagedPolicies": [{"PolicyName": p.rsplit("/", 1)[-1], "PolicyArn": p} for p in policies],
    }


def _policy(arn: str, document: dict[str, Any]) -> dict[str, Any]:
    name = arn.rsplit("/", 1)[-1]
    return {
        "PolicyName": name,
        "PolicyId": f"ANPA{name.upper().replace('-', ''):0<17}"[:21],
        "Arn": arn,
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": 1,
        "IsAttachable": True,
        "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": True}],
    }


def self_edit(user_arn: str, sid: str | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": user_arn}
    if sid:
        stmt["Sid"] = sid
    return stmt


def estate() -> dict[str, Any]:
    """The bundle described in the module docstring (a fresh copy each call)."""
    gaad = {
        "UserDetailList": [
            _user(
                "alice", {"dev": doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": DEPLOYER})}
            ),
            _user("bob", {"a": doc(self_edit(BOB)), "b": doc(self_edit(BOB, "SelfEdit"))}),
            _user("carol"),
            _user("dave", {"read": doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})}),
        ],
        "GroupDetailList": [],
        "RoleDetailList": [
            _role(
                "deployer",
                doc(
                    {"Effect": "Allow", "Principal": {"AWS": f"{ARN}:root"}, "Action": "sts:AssumeRole"},
                    {"Effect": "Allow", "Principal": {"AWS": CAROL}, "Action": "sts:AssumeRole"},
                ),
                [DEPLOY_POLICY],
            ),
            _role(
                "admin-role",
                doc(
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ),
                [ADMIN_POLICY],
            ),
        ],
        "Policies": [
            _policy(
                DEPLOY_POLICY,
                doc(
                    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"],
                        "Resource": "*",
                    },
                ),
            ),
            _policy(ADMIN_POLICY, doc({"Effect": "Allow", "Action": "*", "Resource": "*"})),
        ],
    }
    return {
        "format": "agentpath-bundle/1",
        "collected_at": "2026-12-01T10:00:00Z",
        "authorization_details": {ACCT: copy.deepcopy(gaad)},
    }


def with_agent_and_trail(bundle: dict[str, Any]) -> dict[str, Any]:
    """The estate plus a vendor-hosted agent running as deployer, and CloudTrail showing alice assume it."""
    out = copy.deepcopy(bundle)
    out["agents_manifest"] = {
        "people": [{"id": "alice@example.com", "name": "Alice"}],
        "teams": [],
        "tasks": [],
        "agents": [
            {
                "id": "deploy-bot",
                "kind": "external",
                "runs_as": [DEPLOYER],
                "owner": "alice@example.com",
                "vendor_hosted": True,
            }
        ],
    }
    out["cloudtrail"] = [
        {
            "eventVersion": "1.08",
            "eventID": "e1",
            "eventTime": "2026-11-30T10:00:00Z",
            "eventSource": "sts.amazonaws.com",
            "eventName": "AssumeRole",
            "userIdentity": {"type": "IAMUser", "arn": ALICE, "accountId": ACCT},
            "requestParameters": {"roleArn": DEPLOYER, "roleSessionName": "s"},
            "recipientAccountId": ACCT,
        }
    ]
    return out


def with_dave_escalating(bundle: dict[str, Any]) -> dict[str, Any]:
    """The same estate plus one escalation: dave may write his own inline policy."""
    out = copy.deepcopy(bundle)
    for user in out["authorization_details"][ACCT]["UserDetailList"]:
        if user["Arn"] == DAVE:
            user["UserPolicyList"].append({"PolicyName": "oops", "PolicyDocument": doc(self_edit(DAVE))})
    return out

"""The demo organization: a synthetic bundle shaped like a real AWS estate, so a newcomer sees every feature.

`python -m ingest.demo --output DIR` writes `DIR/demo-bundle.json` (GAAD of three accounts, an organization
with SCPs, the agents manifest, the agent platform inventory, a credential report and CloudTrail records)
and, for reading, `DIR/agents-manifest.yaml`. Then `agentpath ingest DIR/demo-bundle.json` and try `paths`,
`delegation`, `owners`, `findings` and `trail`.

What it holds, and why each piece is there:
- three accounts (management, prod, sandbox) under one organization with SCPs (one denies leaving the
  organization and stopping CloudTrail in prod);
- escalation paths of different techniques: iam-007 (a user writes its own inline policy), lambda-001
  (PassRole to a new Lambda function), an sts-001 chain (user -> ops role -> admin role), iam-009 (a role
  attaches a policy to itself), iam-005 (a role writes its own inline policy);
- a supervisor Bedrock agent delegating (Bedrock collaborator, and an invoke permission) to a sub-agent
  whose role reaches admin through PassRole; a vendor-hosted agent that can escalate; a break-glass role
  with no window or reviewer; an unowned escalating role in the sandbox; an agent that is an IAM user with
  a long-lived key;
- owners from the manifest, from owner tags, from the CloudTrail creator (an IAM Identity Center session) and
  from the account; CloudTrail events inside and outside a task window.

The small builders (`role`, `user`, `allow`, `event`, ...) are public: tests compose their own scenarios with
them instead of hand-writing GAAD JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
MGMT, PROD, SANDBOX = "222222222222", "111111111111", "333333333333"
REGION = "us-east-1"
DATE = "2026-01-15T09:00:00Z"


# --- IAM builders -------------------------------------------------------------------------------------------
def allow(actions: str | Sequence[str], resources: str | Sequence[str] = "*",
          condition: Mapping[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        stmt["Condition"] = dict(condition)
    return stmt


def deny(actions: str | Sequence[str], resources: str | Sequence[str] = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resources}


def document(*statements: Mapping[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [dict(s) for s in statements]}


def trust_document(principal: Mapping[str, Any], action: str = "sts:AssumeRole",
                   condition: Mapping[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": dict(principal), "Action": action}
    if condition:
        stmt["Condition"] = dict(condition)
    return document(stmt)


def service_trust(service: str) -> dict[str, Any]:
    return trust_document({"Service": service})


def account_trust(account: str, condition: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return trust_document({"AWS": f"arn:aws:iam::{account}:root"}, condition=condition)


def arn_trust(*arns: str) -> dict[str, Any]:
    return trust_document({"AWS": list(arns) if len(arns) > 1 else arns[0]})


def _tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


def _inline(inline: Mapping[str, Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    return [{"PolicyName": name, "PolicyDocument": dict(doc)} for name, doc in (inline or {}).items()]


def _unique_id(prefix: str, account: str, name: str) -> str:
    """Stable across runs (Python's hash() is salted per process), so the demo file is reproducible."""
    return prefix + hashlib.sha1(f"{account}/{name}".encode()).hexdigest()[:17].upper()


def role_arn(account: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


def user_arn(account: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:user{path}{name}"


def role(account: str, name: str, trust: Mapping[str, Any], *,
         inline: Mapping[str, Mapping[str, Any]] | None = None,
         managed: Iterable[str] = (), tags: Mapping[str, str] | None = None, path: str = "/",
         boundary: str | None = None, instance_profiles: Iterable[str] = ()) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Path": path, "RoleName": name, "RoleId": _unique_id("AROA", account, name),
        "Arn": role_arn(account, name, path), "CreateDate": DATE, "AssumeRolePolicyDocument": dict(trust),
        "RolePolicyList": _inline(inline), "AttachedManagedPolicies": [
            {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in managed],
        "Tags": _tags(tags), "InstanceProfileList": [
            {"Arn": f"arn:aws:iam::{account}:instance-profile/{p}",
             "InstanceProfileName": p} for p in instance_profiles],
    }
    if boundary:
        entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                        "PermissionsBoundaryArn": boundary}
    return entry


def user(account: str, name: str, *, inline: Mapping[str, Mapping[str, Any]] | None = None,
         managed: Iterable[str] = (), tags: Mapping[str, str] | None = None, groups: Iterable[str] = ()
         ) -> dict[str, Any]:
    return {
        "Path": "/", "UserName": name, "UserId": _unique_id("AIDA", account, name),
        "Arn": user_arn(account, name), "CreateDate": DATE, "UserPolicyList": _inline(inline),
        "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in managed],
        "GroupList": list(groups), "Tags": _tags(tags),
    }


def admin_policy() -> dict[str, Any]:
    """AWS's AdministratorAccess as GAAD lists it once an account attaches it."""
    return {"PolicyName": "AdministratorAccess", "PolicyId": "ANPAIWMBCKSKIEE64ZLYK", "Arn": ADMIN_ARN,
            "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 1, "IsAttachable": True,
            "PolicyVersionList": [{"Document": document(allow("*")), "VersionId": "v1",
                                   "IsDefaultVersion": True}]}


def gaad(*, users: Iterable[Mapping[str, Any]] = (), roles: Iterable[Mapping[str, Any]] = (),
         groups: Iterable[Mapping[str, Any]] = (),
         policies: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    return {"UserDetailList": [dict(u) for u in users], "GroupDetailList": [dict(g) for g in groups],
            "RoleDetailList": [dict(r) for r in roles], "Policies": [dict(p) for p in policies]}


def bundle(details: Mapping[str, Mapping[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"format": "agentpath-bundle/1", "authorization_details": {k: dict(v) for k, v in details.items()},
            **extra}


# --- CloudTrail builders ------------------------------------------------------------------------------------
def iam_user_identity(account: str, name: str, key: str = "AKIADEMOKEY000000001") -> dict[str, Any]:
    return {"type": "IAMUser", "principalId": f"AIDA{name.upper()}", "arn": user_arn(account, name),
            "accountId": account, "accessKeyId": key, "userName": name}


def session_identity(account: str, role_name: str, session: str, *, key: str = "ASIADEMOKEY000000001",
                     source_identity: str | None = None, path: str = "/",
                     mfa: bool = False) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "sessionIssuer": {"type": "Role", "principalId": f"AROA{role_name.upper()}",
                          "arn": role_arn(account, role_name, path), "accountId": account,
                          "userName": role_name},
        "attributes": {"creationDate": DATE, "mfaAuthenticated": "true" if mfa else "false"},
    }
    if source_identity:
        ctx["sourceIdentity"] = source_identity
    return {"type": "AssumedRole", "principalId": f"AROA{role_name.upper()}:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}", "accountId": account,
            "accessKeyId": key, "sessionContext": ctx}


def service_identity(service: str) -> dict[str, Any]:
    return {"type": "AWSService", "invokedBy": service}


def event(event_id: str, name: str, time: str, identity: Mapping[str, Any], *,
          source: str = "iam.amazonaws.com",
          account: str = PROD, request: Mapping[str, Any] | None = None,
          response: Mapping[str, Any] | None = None,
          error: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "eventVersion": "1.09", "userIdentity": dict(identity), "eventTime": time, "eventSource": source,
        "eventName": name, "awsRegion": REGION, "sourceIPAddress": "198.51.100.7",
                              "userAgent": "agentpath-demo",
        "requestParameters": dict(request) if request is not None else None,
        "responseElements": dict(response) if response is not None else None, "requestID": f"req-{event_id}",
        "eventID": event_id, "readOnly": False, "eventType": "AwsApiCall", "managementEvent": True,
        "recipientAccountId": account, "eventCategory": "Management",
    }
    if error:
        record["errorCode"] = error
        record["errorMessage"] = f"{error} (demo)"
    return record


def assume_role_event(event_id: str, time: str, identity: Mapping[str, Any], target_role_arn: str,
                      session: str,
                      *, account: str = PROD, new_key: str = "ASIANEWSESSIONKEY001",
                      source_identity: str | None = None) -> dict[str, Any]:
    req: dict[str, Any] = {"roleArn": target_role_arn, "roleSessionName": session}
    if source_identity:
        req["sourceIdentity"] = source_identity
    role_name = target_role_arn.rsplit("/", 1)[-1]
    resp = {"credentials": {"accessKeyId": new_key, "expiration": time},
            "assumedRoleUser": {"assumedRoleId": f"AROA{role_name.upper()}:{session}",
                                "arn": f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}"}}
    return event(event_id, "AssumeRole", time, identity, source="sts.amazonaws.com", account=account,
                 request=req, response=resp)


# --- the demo organization ----------------------------------------------------------------------------------
PEOPLE = {
    "alice": "alice@example.com", "bob": "bob@example.com", "carol": "carol@example.com",
    "dave": "dave@example.com", "erin": "erin@example.com", "frank": "frank@example.com",
    "grace": "grace@example.com", "prod_owner": "prod-owner@example.com",
          "mgmt_owner": "cloud-team@example.com",
}


def _prod_gaad() -> dict[str, Any]:
    p = PEOPLE
    roles = [
        role(PROD, "admin-role", arn_trust(role_arn(PROD, "ops-role")), managed=[ADMIN_ARN]),
        role(PROD, "ops-role", account_trust(PROD), tags={"Owner": p["carol"], "team": "platform"},
             inline={"assume-admin": document(allow("sts:AssumeRole", role_arn(PROD, "admin-role")))}),
        # The supervisor: a Bedrock agent that may invoke its collaborator.
        role(PROD, "orchestrator-exec", service_trust("bedrock.amazonaws.com"),
             inline={"invoke": document(allow(["bedrock:InvokeAgent", "bedrock:InvokeModel"], [
                 f"arn:aws:bedrock:{REGION}:{PROD}:agent-alias/DEPLOYAG01/*",
                 f"arn:aws:bedrock:{REGION}::foundation-model/*"]))}),
        # The sub-agent: its role can pass an admin role to a new Lambda function (lambda-001).
        role(PROD, "deploy-helper-exec", service_trust("bedrock.amazonaws.com"),
             inline={"deploy": document(
                 allow("iam:PassRole", role_arn(PROD, "lambda-admin-exec"),
                       {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
                 allow(["lambda:CreateFunction", "lambda:InvokeFunction"], "*"))}),
        role(PROD, "lambda-admin-exec", service_trust("lambda.amazonaws.com"), managed=[ADMIN_ARN]),
        # The vendor-hosted agent: a vendor account assumes it; it can attach policies to itself (iam-009).
        role(PROD, "vendor-copilot-role",
             trust_document({"AWS": "arn:aws:iam::999999999999:root"},
                            condition={"StringEquals": {"sts:ExternalId": "copilot-7"}}),
             inline={"self-manage": document(allow(["iam:AttachRolePolicy", "iam:ListRoles"], "*"))}),
        # Break-glass: admin, tagged, but no manifest window or reviewer.
        role(PROD, "break-glass-admin", account_trust(PROD, {"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
             managed=[ADMIN_ARN], tags={"agentpath:break-glass": "true", "owner": p["grace"]}),
        role(PROD, "AWSReservedSSO_Admin_0123456789abcdef", trust_document(
            {"Federated": f"arn:aws:iam::{PROD}:saml-provider/AWSSSO_demo"}, "sts:AssumeRoleWithSAML"),
             managed=[ADMIN_ARN], path="/aws-reserved/sso.amazonaws.com/"),
    ]
    users = [
        user(PROD, "ci-deployer", tags={"owner": p["carol"]},
             inline={"assume-ops": document(allow("sts:AssumeRole", role_arn(PROD, "ops-role")))}),
        # Created by frank through IAM Identity Center (see CloudTrail); writes its own policy (iam-007).
        user(PROD, "intern-bob", inline={"self-service": document(
            allow("iam:PutUserPolicy", user_arn(PROD, "intern-bob")))}),
        # An older agent that is an IAM user with a long-term access key.
        user(PROD, "report-bot", tags={"agentpath:agent": "report-bot"},
             inline={"reports": document(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::reports/*"))}),
    ]
    return gaad(users=users, roles=roles, policies=[admin_policy()])


def _sandbox_gaad() -> dict[str, Any]:
    roles = [
        # Unowned: no manifest, no tags, no creator in the trail, and the sandbox account declares no owner.
        role(SANDBOX, "legacy-automation", account_trust(SANDBOX),
             inline={"legacy": document(allow(["iam:PutRolePolicy", "iam:GetRole"], "*"))}),
        role(SANDBOX, "sandbox-admin", account_trust(SANDBOX), managed=[ADMIN_ARN]),
    ]
    return gaad(roles=roles, policies=[admin_policy()])


def _mgmt_gaad() -> dict[str, Any]:
    roles = [role(MGMT, "OrganizationAccountAccessRole", account_trust(MGMT), managed=[ADMIN_ARN])]
    return gaad(roles=roles, policies=[admin_policy()])


def _organization() -> dict[str, Any]:
    return {
        "id": "o-demo000001", "management_account_id": MGMT,
        "member_accounts": {PROD: ["r-demo", "ou-demo-prod", PROD],
                            SANDBOX: ["r-demo", "ou-demo-sandbox", SANDBOX],
                            MGMT: ["r-demo", MGMT]},
        "policies": [
            {"type": "SCP", "name": "FullAWSAccess", "document": document(allow("*")),
             "targets": ["r-demo", "ou-demo-prod", "ou-demo-sandbox", PROD, SANDBOX, MGMT]},
            {"type": "SCP", "name": "DenyLeaveOrganization", "targets": ["r-demo"],
             "document": document(deny("organizations:LeaveOrganization"))},
            {"type": "SCP", "name": "ProtectCloudTrail", "targets": ["ou-demo-prod"],
             "document": document(deny(["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"]))},
        ],
    }


def manifest() -> dict[str, Any]:
    p = PEOPLE
    return {
        "people": [
            {"id": p["alice"], "name": "Alice Example", "team": "ai-platform"},
            {"id": p["bob"], "name": "Bob Example", "team": "security-operations"},
            {"id": p["carol"], "name": "Carol Example", "team": "platform"},
            {"id": p["dave"], "name": "Dave Example", "team": "ai-platform"},
            {"id": p["erin"], "name": "Erin Example", "team": "vendor-management"},
            {"id": p["frank"], "name": "Frank Example", "team": "people-ops"},
        ],
        "teams": [{"id": "ai-platform", "lead": p["alice"]}, {"id": "security-operations", "lead": p["bob"]}],
        "accounts": [{"id": PROD, "name": "prod", "owner": p["prod_owner"]},
                     {"id": MGMT, "name": "management", "owner": p["mgmt_owner"]},
                     {"id": SANDBOX, "name": "sandbox"}],
        "agents": [
            {"id": "orchestrator", "name": "Release orchestrator", "kind": "bedrock-agent",
             "platform_arn": f"arn:aws:bedrock:{REGION}:{PROD}:agent/ORCHAG0001",
             "runs_as": [role_arn(PROD, "orchestrator-exec")], "owner": p["alice"],
             "sponsor_team": "ai-platform",
             "approver": p["bob"], "monitored_by": p["bob"],
             "purpose": "Plan releases and hand deployment to a helper",
             "allowed_actions": ["bedrock:InvokeAgent", "bedrock:InvokeModel"],
             "delegates_to": [{"agent": "deploy-helper", "mechanism": "bedrock-collaborator"}]},
            {"id": "deploy-helper", "name": "Deployment helper", "kind": "bedrock-agent",
             "platform_arn": f"arn:aws:bedrock:{REGION}:{PROD}:agent/DEPLOYAG01",
             "runs_as": [role_arn(PROD, "deploy-helper-exec")], "owner": p["dave"],
             "sponsor_team": "ai-platform",
             "approver": p["bob"], "monitored_by": p["bob"],
             "purpose": "Deploy Lambda functions for releases",
             "allowed_actions": ["lambda:CreateFunction", "lambda:InvokeFunction", "iam:PassRole"],
             "task_window": {"start": "2026-11-01T00:00:00Z", "end": "2026-12-31T00:00:00Z"},
             "revocation": "Disable the agent alias and detach the role policy"},
            {"id": "vendor-copilot", "name": "Vendor support copilot", "kind": "external",
             "runs_as": [role_arn(PROD, "vendor-copilot-role")], "owner": p["erin"], "vendor_hosted": True,
             "approver": p["bob"], "purpose": "Answer support tickets with read access"},
        ],
        "tasks": [
            {"id": "CHG-2001", "agent": "deploy-helper", "requested_by": p["alice"], "approved_by": p["bob"],
             "reason": "Release 42: deploy the invoice function",
             "window": {"start": "2026-11-30T08:00:00Z", "end": "2026-11-30T18:00:00Z"}},
        ],
    }


DEPLOY_ALIAS = f"arn:aws:bedrock:{REGION}:{PROD}:agent-alias/DEPLOYAG01/LIVE01"


def agent_resources() -> dict[str, Any]:
    return {
        "bedrock_agents": [
            {"agentId": "ORCHAG0001", "agentName": "orchestrator", "agentStatus": "PREPARED",
             "agentArn": f"arn:aws:bedrock:{REGION}:{PROD}:agent/ORCHAG0001",
             "agentResourceRoleArn": role_arn(PROD, "orchestrator-exec"), "agentCollaboration": "SUPERVISOR"},
            {"agentId": "DEPLOYAG01", "agentName": "deploy-helper", "agentStatus": "PREPARED",
             "agentArn": f"arn:aws:bedrock:{REGION}:{PROD}:agent/DEPLOYAG01",
             "agentResourceRoleArn": role_arn(PROD, "deploy-helper-exec"), "agentCollaboration": "DISABLED"},
        ],
        "bedrock_agent_collaborators": [
            {"agentId": "ORCHAG0001", "agentVersion": "DRAFT", "collaboratorName": "deployer",
             "agentDescriptor": {"aliasArn": DEPLOY_ALIAS}},
        ],
    }


def credential_report() -> list[dict[str, Any]]:
    return [{"user": "report-bot", "arn": user_arn(PROD, "report-bot"), "access_key_1_active": "true",
             "access_key_1_last_rotated": "2025-02-01T00:00:00Z", "access_key_2_active": "false"},
            {"user": "ci-deployer", "arn": user_arn(PROD, "ci-deployer"), "access_key_1_active": "true",
             "access_key_2_active": "false"}]


def cloudtrail() -> list[dict[str, Any]]:
    p = PEOPLE
    sso = session_identity(PROD, "AWSReservedSSO_Admin_0123456789abcdef", p["frank"],
                           path="/aws-reserved/sso.amazonaws.com/", key="ASIASSOFRANK0000001")
    grace_sso = session_identity(PROD, "AWSReservedSSO_Admin_0123456789abcdef", p["grace"],
                                 path="/aws-reserved/sso.amazonaws.com/", key="ASIASSOGRACE0000001")
    helper = session_identity(PROD, "deploy-helper-exec", "bedrock-session-1", key="ASIAHELPER000000001")
    helper_late = session_identity(PROD, "deploy-helper-exec", "bedrock-session-2", key="ASIAHELPER000000002")
    vendor = session_identity(PROD, "vendor-copilot-role", "vendor-7", key="ASIAVENDOR000000001")
    lambda_fn = f"arn:aws:lambda:{REGION}:{PROD}:function:invoice-sync"
    return [
        event("demo-0001-create-intern", "CreateUser", "2026-10-01T09:15:00Z", sso,
              request={"userName": "intern-bob"},
              response={"user": {"userName": "intern-bob", "arn": user_arn(PROD, "intern-bob"),
                                 "createDate": "Oct 1, 2026 9:15:00 AM"}}),
        assume_role_event("demo-0002-bedrock-assume", "2026-11-30T09:58:00Z",
                          service_identity("bedrock.amazonaws.com"),
                          role_arn(PROD, "deploy-helper-exec"), "bedrock-session-1",
                          new_key="ASIAHELPER000000001"),
        event("demo-0003-create-function-in-window", "CreateFunction20150331", "2026-11-30T10:05:00Z", helper,
              source="lambda.amazonaws.com",
              request={"functionName": "invoice-sync", "role": role_arn(PROD, "lambda-admin-exec"),
                       "runtime": "python3.12", "handler": "app.handler"},
              response={"functionName": "invoice-sync", "functionArn": lambda_fn,
                        "role": role_arn(PROD, "lambda-admin-exec")}),
        assume_role_event("demo-0004-bedrock-assume-late", "2026-12-02T02:58:00Z",
                          service_identity("bedrock.amazonaws.com"), role_arn(PROD, "deploy-helper-exec"),
                          "bedrock-session-2", new_key="ASIAHELPER000000002"),
        event("demo-0005-create-function-after-window", "CreateFunction20150331", "2026-12-02T03:00:00Z",
              helper_late, source="lambda.amazonaws.com",
              request={"functionName": "cleanup-now", "role": role_arn(PROD, "lambda-admin-exec"),
                       "runtime": "python3.12", "handler": "app.handler"},
              response={"functionName": "cleanup-now",
                        "functionArn": f"arn:aws:lambda:{REGION}:{PROD}:function:cleanup-now"}),
        event("demo-0006-vendor-attach", "AttachRolePolicy", "2026-12-03T14:00:00Z", vendor,
              request={"roleName": "vendor-copilot-role", "policyArn": ADMIN_ARN}),
        assume_role_event("demo-0007-break-glass", "2026-12-04T22:10:00Z", grace_sso,
                          role_arn(PROD, "break-glass-admin"),
                          "grace-emergency", new_key="ASIABREAKGLASS00001"),
        event("demo-0008-report-bot-key", "CreateAccessKey", "2025-02-01T00:00:00Z",
              iam_user_identity(PROD, "ci-deployer", "AKIACIDEPLOYER00001"),
              request={"userName": "report-bot"},
              response={"accessKey": {"userName": "report-bot", "accessKeyId": "AKIAREPORTBOT000001",
                                      "status": "Active"}}),
    ]


def demo_bundle() -> dict[str, Any]:
    return bundle({PROD: _prod_gaad(), SANDBOX: _sandbox_gaad(), MGMT: _mgmt_gaad()},
                  collected_at="2026-12-05T10:00:00Z", organization=_organization(),
                  agents_manifest=manifest(),
                  agent_resources=agent_resources(), credential_report=credential_report(),
                  cloudtrail=cloudtrail())


def write_demo(output: Path) -> list[Path]:
    output.mkdir(parents=True, exist_ok=True)
    bundle_path = output / "demo-bundle.json"
    bundle_path.write_text(json.dumps(demo_bundle(), indent=2) + "\n")
    manifest_path = output / "agents-manifest.yaml"
    manifest_path.write_text("# The demo's agents manifest (also inside demo-bundle.json); for reading.\n"
                             + yaml.safe_dump(manifest(), sort_keys=False))
    return [bundle_path, manifest_path]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.demo",
                                     description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--output", required=True,
                        help="folder to write demo-bundle.json and agents-manifest.yaml")
    args = parser.parse_args(argv)
    for path in write_demo(Path(args.output)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

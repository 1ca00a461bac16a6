"""Generate a synthetic organization for benchmarks: shaped like a real estate, sized by arguments.

Default: 5 accounts holding 5,000 roles, 2,000 users, 200 groups and 10,000 customer-managed policies in all,
with the mix real accounts show: most roles trust a service, some trust the account or a peer account, a few
principals are administrators, and a small share hold escalation-prone permissions (PassRole with compute,
self-editing IAM, access-key creation). Deterministic for a given seed, so figures compare across runs.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

SERVICES = [
    "lambda.amazonaws.com",
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "glue.amazonaws.com",
    "sagemaker.amazonaws.com",
    "codebuild.amazonaws.com",
    "states.amazonaws.com",
    "bedrock.amazonaws.com",
]
READ_ACTIONS = [
    "s3:GetObject",
    "s3:ListBucket",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "sqs:ReceiveMessage",
    "logs:PutLogEvents",
    "ec2:Describe*",
    "cloudwatch:PutMetricData",
    "kms:Decrypt",
    "secretsmanager:GetSecretValue",
    "sns:Publish",
    "lambda:InvokeFunction",
]
RISKY = [
    [
        {"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"},
    ],
    [{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "*"}],
    [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::{acct}:user/svc-*"}],
    [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    [{"Effect": "Allow", "Action": ["iam:AttachRolePolicy"], "Resource": "*"}],
]


def _doc(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def _policy(acct: str, i: int, rng: random.Random) -> dict[str, Any]:
    stmts = []
    for _ in range(rng.randint(1, 4)):
        actions = rng.sample(READ_ACTIONS, rng.randint(1, 4))
        resource = rng.choice(
            [
                "*",
                f"arn:aws:s3:::bucket-{acct}-{rng.randint(0, 300)}/*",
                f"arn:aws:dynamodb:us-east-1:{acct}:table/t{rng.randint(0, 300)}",
            ]
        )
        stmts.append({"Effect": "Allow", "Action": actions, "Resource": resource})
    if rng.random() < 0.03:
        stmts += [dict(s, Resource=str(s["Resource"]).replace("{acct}", acct)) for s in rng.choice(RISKY)]
    if rng.random() < 0.05:
        stmts.append({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"})
    doc = _doc(stmts)
    arn = f"arn:aws:iam::{acct}:policy/app/policy-{i}"
    return {
        "PolicyName": f"policy-{i}",
        "PolicyId": f"ANPA{acct}{i:06d}",
        "Arn": arn,
        "Path": "/app/",
        "DefaultVersionId": "v1",
        "AttachmentCount": 1,
        "IsAttachable": True,
        "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": True}],
    }


ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def generate(
    accounts: int = 5,
    roles: int = 5000,
    users: int = 2000,
    groups: int = 200,
    policies: int = 10000,
    seed: int = 7,
) -> dict[str, Any]:
    rng = random.Random(seed)
    ids = [f"{100000000000 + n * 111111:012d}" for n in range(accounts)]
    details: dict[str, Any] = {}
    for a, acct in enumerate(ids):
        n_pol, n_roles = policies // accounts, roles // accounts
        n_users, n_groups = users // accounts, groups // accounts
        pols = [_policy(acct, i, rng) for i in range(n_pol)]
        pol_arns = [p["Arn"] for p in pols]
        admin_doc = {
            "PolicyName": "AdministratorAccess",
            "Arn": ADMIN,
            "Path": "/",
            "DefaultVersionId": "v1",
            "PolicyVersionList": [
                {
                    "Document": _doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                }
            ],
        }
        group_list = []
        for g in range(n_groups):
            attached = [{"PolicyName": "x", "PolicyArn": arn} for arn in rng.sample(pol_arns, 2)]
            if g == 0:
                attached.append({"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN})
            group_list.append(
                {
                    "GroupName": f"group-{g}",
                    "GroupId": f"AGPA{acct}{g:05d}",
                    "Arn": f"arn:aws:iam::{acct}:group/group-{g}",
                    "Path": "/",
                    "GroupPolicyList": [],
                    "AttachedManagedPolicies": attached,
                }
            )
        user_list = []
        for u in range(n_users):
            name = f"svc-{u}" if u % 3 == 0 else f"user-{u}"
            inline = []
            if rng.random() < 0.3:
                inline = [
                    {
                        "PolicyName": "inline",
                        "PolicyDocument": pols[rng.randrange(n_pol)]["PolicyVersionList"][0]["Document"],
                    }
                ]
            user_list.append(
                {
                    "UserName": name,
                    "UserId": f"AIDA{acct}{u:05d}",
                    "Path": "/",
                    "Arn": f"arn:aws:iam::{acct}:user/{name}",
                    "GroupList": [f"group-{rng.randrange(1, n_groups)}" for _ in range(rng.randint(0, 2))],
                    "UserPolicyList": inline,
                    "Tags": [{"Key": "owner", "Value": f"team{u % 20}@example.com"}],
                    "AttachedManagedPolicies": [
                        {"PolicyName": "x", "PolicyArn": arn}
                        for arn in rng.sample(pol_arns, rng.randint(0, 2))
                    ],
                }
            )
        role_list = []
        for r in range(n_roles):
            roll = rng.random()
            if roll < 0.6:
                principal: dict[str, Any] = {"Service": rng.choice(SERVICES)}
            elif roll < 0.85:
                principal = {"AWS": f"arn:aws:iam::{acct}:root"}
            elif roll < 0.95:
                principal = {"AWS": f"arn:aws:iam::{ids[(a + 1) % accounts]}:root"}
            else:
                principal = {"AWS": f"arn:aws:iam::{acct}:user/user-{rng.randrange(1, n_users)}"}
            attached = [
                {"PolicyName": "x", "PolicyArn": arn} for arn in rng.sample(pol_arns, rng.randint(1, 3))
            ]
            if rng.random() < 0.01:
                attached.append({"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN})
            role_list.append(
                {
                    "RoleName": f"role-{r}",
                    "RoleId": f"AROA{acct}{r:05d}",
                    "Path": "/",
                    "Arn": f"arn:aws:iam::{acct}:role/role-{r}",
                    "AssumeRolePolicyDocument": _doc(
                        [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]
                    ),
                    "RolePolicyList": [],
                    "AttachedManagedPolicies": attached,
                    "Tags": [],
                    "InstanceProfileList": [],
                }
            )
        details[acct] = {
            "UserDetailList": user_list,
            "GroupDetailList": group_list,
            "RoleDetailList": role_list,
            "Policies": pols + [admin_doc],
        }
    org = {
        "id": "o-bench00001",
        "management_account_id": ids[0],
        "member_accounts": {acct: ["r-bench", "ou-bench-1", acct] for acct in ids[1:]},
        "policies": [
            {
                "type": "SCP",
                "name": "FullAWSAccess",
                "targets": ["r-bench"],
                "document": _doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
            },
            {
                "type": "SCP",
                "name": "DenyLeaveOrg",
                "targets": ["ou-bench-1"],
                "document": _doc(
                    [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]
                ),
            },
        ],
    }
    return {
        "format": "agentpath-bundle/1",
        "collected_at": "2026-12-01T00:00:00Z",
        "authorization_details": details,
        "organization": org,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", default="bench-org.json")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every count (0.1 for a quick run)")
    args = parser.parse_args()
    s = args.scale
    bundle = generate(
        roles=int(5000 * s), users=int(2000 * s), groups=max(5, int(200 * s)), policies=int(10000 * s)
    )
    Path(args.output).write_text(json.dumps(bundle))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()

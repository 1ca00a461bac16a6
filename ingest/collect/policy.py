"""The minimal read-only IAM policy the collector needs, as data.

Why as data: the same document is shipped as `collector-policy.json` for administrators to attach, printed
by `agentpath collect --print-policy`, and checked by the tests against every call the collector actually
makes (each must be covered, and each must be a Get/List/Describe call or the explicitly named
sts:AssumeRole). Every action is named exactly (no wildcards), so an administrator can read what is granted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DEFAULT_MEMBER_ROLE_NAME = "agentpath-readonly"
POLICY_FILE = Path(__file__).with_name("collector-policy.json")

READ_ACTIONS: dict[str, list[str]] = {
    "ReadIamAuthorizationDetails": [
        "iam:GetAccountAuthorizationDetails",
        "iam:ListInstanceProfiles",
        "iam:ListOpenIDConnectProviders",
        "iam:GetOpenIDConnectProvider",
        "iam:ListSAMLProviders",
    ],
    "ReadOrganizationGuardrails": [
        "organizations:DescribeOrganization",
        "organizations:ListAccounts",
        "organizations:ListRoots",
        "organizations:ListAccountsForParent",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListPolicies",
        "organizations:DescribePolicy",
        "organizations:ListTargetsForPolicy",
    ],
    "ReadAgentPlatforms": [
        "bedrock:ListAgents",
        "bedrock:GetAgent",
        "bedrock:ListAgentCollaborators",
        "bedrock-agentcore:ListAgentRuntimes",
        "bedrock-agentcore:GetAgentRuntime",
        "bedrock-agentcore:ListWorkloadIdentities",
        "lambda:ListFunctions",
        "lambda:ListTags",
    ],
    "IdentifyCaller": ["sts:GetCallerIdentity"],
}

READ_ONLY_PREFIXES = ("Get", "List", "Describe")
ASSUME_ROLE = "sts:AssumeRole"


def collector_policy(member_role_name: str = DEFAULT_MEMBER_ROLE_NAME) -> dict[str, Any]:
    """The policy document; `member_role_name` is the role `--org` assumes in each member account."""
    statements: list[dict[str, Any]] = [
        {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"}
        for sid, actions in READ_ACTIONS.items()
    ]
    statements.append({
        "Sid": "AssumeMemberReadOnlyRole",
        "Effect": "Allow",
        "Action": [ASSUME_ROLE],
        "Resource": f"arn:aws:iam::*:role/{member_role_name}",
    })
    return {"Version": "2012-10-17", "Statement": statements}


def policy_json(member_role_name: str = DEFAULT_MEMBER_ROLE_NAME) -> str:
    """The policy as the text of `collector-policy.json` (stable order, two-space indent)."""
    return json.dumps(collector_policy(member_role_name), indent=2) + "\n"


def _wildcard(pattern: str) -> re.Pattern[str]:
    """IAM action matching: case-insensitive, `*` any run of characters, `?` one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex + r"\Z", re.IGNORECASE)


def allows_action(policy: dict[str, Any], action: str) -> bool:
    """Whether an Allow statement of `policy` names `action` (IAM wildcards; this policy has no Deny)."""
    for statement in policy.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        for pattern in [actions] if isinstance(actions, str) else actions:
            if _wildcard(pattern).match(action):
                return True
    return False


def is_read_only(action: str) -> bool:
    """Get/List/Describe calls only; sts:AssumeRole is the one exception (it changes nothing)."""
    _, _, operation = action.partition(":")
    return action == ASSUME_ROLE or operation.startswith(READ_ONLY_PREFIXES)

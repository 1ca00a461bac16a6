"""AWS Organizations collection: the account tree and the SCPs/RCPs attached to it.

Why: an SCP or RCP on a root or OU caps every account below it, so an escalation path that IAM alone allows
can still be blocked. The bundle needs, for each account, the chain root -> OU ... -> account, and each
policy's document and targets; a policy applies to an account when one of its targets is in that chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ingest.collect.api import Api, CollectError

POLICY_TYPES = (("SERVICE_CONTROL_POLICY", "SCP"), ("RESOURCE_CONTROL_POLICY", "RCP"))

# The caller is not in an organization: nothing is missing, there is simply no organization to read.
NOT_IN_USE = "AWSOrganizationsNotInUseException"


@dataclass
class OrgAccount:
    """An account of the organization, as ListAccounts reports it."""

    account_id: str
    name: str
    status: str


@dataclass
class Organization:
    """The bundle's `organization` object plus the account list the collector walks for `--org`."""

    bundle: dict[str, Any]
    accounts: list[OrgAccount] = field(default_factory=list)


def collect_organization(api: Api, org: Any) -> Organization | None:
    """Read the organization; None when the caller is in none. Raises CollectError if the tree is unreadable.

    A policy type that cannot be listed is recorded as a gap; the rest of the organization is still returned.
    """
    try:
        described = api.call(org, "DescribeOrganization")["Organization"]
    except CollectError as exc:
        if exc.error.startswith(NOT_IN_USE):
            return None
        raise
    accounts = [
        OrgAccount(a["Id"], a.get("Name", ""), a.get("Status") or a.get("State", ""))
        for page in api.pages(org, "ListAccounts")
        for a in page.get("Accounts", [])
    ]
    chains: dict[str, list[str]] = {}
    for page in api.pages(org, "ListRoots"):
        for root in page.get("Roots", []):
            _walk(api, org, root["Id"], [root["Id"]], chains)
    policies: list[dict[str, Any]] = []
    for api_type, short in POLICY_TYPES:
        try:
            policies.extend(_policies(api, org, api_type, short))
        except CollectError as exc:
            api.gap(exc)
    bundle = {
        "id": described["Id"],
        "management_account_id": described.get("MasterAccountId"),
        "member_accounts": dict(sorted(chains.items())),
        "policies": policies,
    }
    return Organization(bundle=bundle, accounts=accounts)


def _walk(api: Api, org: Any, parent_id: str, chain: list[str], chains: dict[str, list[str]]) -> None:
    """Depth-first over OUs (at most five levels deep in AWS), recording each account's chain."""
    for page in api.pages(org, "ListAccountsForParent", ParentId=parent_id):
        for account in page.get("Accounts", []):
            chains[account["Id"]] = [*chain, account["Id"]]
    for page in api.pages(org, "ListOrganizationalUnitsForParent", ParentId=parent_id):
        for ou in page.get("OrganizationalUnits", []):
            _walk(api, org, ou["Id"], [*chain, ou["Id"]], chains)


def _policies(api: Api, org: Any, api_type: str, short: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in api.pages(org, "ListPolicies", Filter=api_type):
        for summary in page.get("Policies", []):
            described = api.call(org, "DescribePolicy", PolicyId=summary["Id"])["Policy"]
            targets = [
                target["TargetId"]
                for target_page in api.pages(org, "ListTargetsForPolicy", PolicyId=summary["Id"])
                for target in target_page.get("Targets", [])
            ]
            content = described.get("Content") or "{}"
            found.append({
                "type": short,
                "name": summary.get("Name", summary["Id"]),
                "id": summary["Id"],
                "targets": targets,
                "document": json.loads(content) if isinstance(content, str) else content,
            })
    return found

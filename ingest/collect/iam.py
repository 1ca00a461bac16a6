"""IAM collection for one account: the authorization details, instance profiles and identity providers.

Why these calls: GetAccountAuthorizationDetails (GAAD) is the one read that returns every user, group, role
and managed policy with their documents, so it replaces thousands of Get*/List* calls. It is asked for all
five filters explicitly (so a change in the API's default cannot silently drop a kind) and read to the last
page. ListInstanceProfiles adds profiles GAAD can miss on a role (and profiles with no role, which an
iam:AddRoleToInstanceProfile escalation can fill). Identity providers are the federated principals that
trust policies name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ingest.collect.api import Api
from ingest.collect.normalize import merge_gaad_pages, normalize_gaad, parse_iam_arn

GAAD_FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"]
GAAD_PAGE_SIZE = 1000  # the API maximum: fewest calls on large accounts


def collect_authorization_details(api: Api, iam: Any) -> dict[str, Any]:
    """All GAAD pages merged and normalised (see normalize.py). Raises CollectError."""
    pages = list(api.pages(iam, "GetAccountAuthorizationDetails", page_size=GAAD_PAGE_SIZE,
                           Filter=GAAD_FILTERS))
    return normalize_gaad(merge_gaad_pages(pages))


def collect_instance_profiles(api: Api, iam: Any, gaad: dict[str, Any]) -> list[dict[str, Any]]:
    """Fold instance profiles into their roles' `InstanceProfileList` (as AWS does); return role-less ones."""
    roles = {role["Arn"]: role for role in gaad["RoleDetailList"]}
    orphans: list[dict[str, Any]] = []
    for page in api.pages(iam, "ListInstanceProfiles", page_size=1000):
        for profile in page.get("InstanceProfiles", []):
            if not profile.get("Roles"):
                orphans.append(profile)
            for role_ref in profile.get("Roles", []):
                role = roles.get(role_ref.get("Arn", ""))
                if role is None:
                    continue
                known = {p.get("Arn") for p in role.setdefault("InstanceProfileList", [])}
                if profile.get("Arn") not in known:
                    role["InstanceProfileList"].append(profile)
    return orphans


def collect_identity_providers(api: Api, iam: Any) -> Iterator[dict[str, Any]]:
    """OIDC and SAML providers in the bundle's `identity_providers` shape. Raises CollectError."""
    listed = api.call(iam, "ListOpenIDConnectProviders")
    for entry in listed.get("OpenIDConnectProviderList", []):
        arn = entry["Arn"]
        detail = api.call(iam, "GetOpenIDConnectProvider", OpenIDConnectProviderArn=arn)
        url = str(detail.get("Url") or parse_iam_arn(arn).name)
        yield {
            "arn": arn,
            "type": "OIDC",
            "url": url if "://" in url else f"https://{url}",
            "account_id": parse_iam_arn(arn).account,
            "client_ids": list(detail.get("ClientIDList", [])),
            "thumbprints": list(detail.get("ThumbprintList", [])),
        }
    for entry in api.call(iam, "ListSAMLProviders").get("SAMLProviderList", []):
        arn = entry["Arn"]
        provider = {"arn": arn, "type": "SAML", "name": parse_iam_arn(arn).name,
                    "account_id": parse_iam_arn(arn).account}
        if entry.get("ValidUntil") is not None:
            provider["valid_until"] = entry["ValidUntil"]
        yield provider

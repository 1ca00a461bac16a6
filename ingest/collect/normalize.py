"""Normalise GetAccountAuthorizationDetails (GAAD) documents: merge pages, derive what the ARNs already say.

Why: GAAD documents come from the AWS CLI, from old scripts that saved the raw API, and from emulators, and
they differ in what they leave out. moto 5.2.5 returns `Policies` entries without `PolicyName` and
`PolicyId` and lists every AWS-managed policy it knows (~1,600) instead of those in use; hand-trimmed
exports drop empty lists and names. Everything downstream wants one shape, so this module is pure (no I/O,
input never mutated) and shared by the live collector and the offline ingester.

Rules:
- An ARN is the source of truth for name, path, and account; a missing `UserName`/`RoleName`/`GroupName`/
  `PolicyName`/`Path`/`AttachedManagedPolicies[].PolicyName` is derived from it.
- A missing list (`UserPolicyList`, `AttachedManagedPolicies`, `GroupList`, `Tags`, ...) means empty; a
  single object where a list belongs (as in the AWS CLI's own documented example output) is a list of one.
- Policy documents given as URL-encoded JSON strings (the raw IAM API form) are decoded to objects.
- `DefaultVersionId` is derived from the version flagged `IsDefaultVersion` (or the only version), and back.
- AWS-managed policies are kept only when something uses them: attached to a user, group or role of the
  document, set as a permissions boundary there, or counted as used by AWS itself (`AttachmentCount` or
  `PermissionsBoundaryUsageCount` above 0: the principal may be on a page or filter not in this document).
  Customer-managed policies are always kept (an unattached one can still be attached by an escalation). A
  document that is only a part (`IsTruncated: true`, or no principal list at all) keeps everything.
- `PolicyId` cannot be derived from anything; it is left absent when missing.
- A field that cannot be derived (an `Arn`, a role's trust policy, an inline policy's name or document, a
  managed policy's versions) raises `GaadFormatError` naming the field and where it is.
"""

from __future__ import annotations

import copy
import json
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GAAD_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
PRINCIPAL_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList")

_ARN_RE = re.compile(r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>aws|\d{12}):(?P<resource>.+)$")


class GaadFormatError(ValueError):
    """A GAAD document lacks a field that cannot be derived from anything else in it."""


@dataclass(frozen=True)
class IamArn:
    """The parts of an IAM ARN: `arn:aws:iam::123456789012:role/service-role/name`."""

    partition: str
    account: str
    resource_type: str
    path: str
    name: str

    @property
    def aws_managed(self) -> bool:
        return self.account == "aws"


def parse_iam_arn(arn: str) -> IamArn:
    """Split an IAM ARN into partition, account, resource type, path and name; ValueError if it is not one."""
    match = _ARN_RE.match(arn or "")
    if not match:
        raise ValueError(f"not an IAM ARN: {arn!r}")
    resource_type, _, rest = match["resource"].partition("/")
    if not rest:
        raise ValueError(f"IAM ARN has no resource name: {arn!r}")
    *path_parts, name = rest.split("/")
    path = "/" + "".join(part + "/" for part in path_parts)
    return IamArn(match["partition"], match["account"], resource_type, path, name)


def merge_gaad_pages(pages: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Merge GAAD pages (`IsTruncated`/`Marker` responses, or per-filter calls) into one document.

    Entries are keyed by `Arn`; a later page's entry replaces an earlier one with the same ARN, so re-reading
    a page is harmless. The pagination keys are dropped: the result is a whole document.
    """
    merged: dict[str, dict[str, Any]] = {key: {} for key in GAAD_LISTS}
    extra: dict[str, Any] = {}
    for page_no, page in enumerate(pages):
        for key, value in page.items():
            if key in GAAD_LISTS:
                for index, entry in enumerate(value or []):
                    arn = entry.get("Arn")
                    if not arn:
                        raise GaadFormatError(f"page {page_no} {key}[{index}]: missing 'Arn'")
                    merged[key][arn] = copy.deepcopy(dict(entry))
            elif key not in ("IsTruncated", "Marker", "ResponseMetadata"):
                extra[key] = copy.deepcopy(value)
    return {**extra, **{key: list(entries.values()) for key, entries in merged.items()}}


def normalize_gaad(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Return a normalised copy of one account's GAAD document (see the module docstring for the rules)."""
    out = copy.deepcopy(dict(doc))
    partial = out.get("IsTruncated") is True or not any(key in out for key in PRINCIPAL_LISTS)
    _default_lists(out, *GAAD_LISTS)
    for index, user in enumerate(out["UserDetailList"]):
        _principal(user, f"UserDetailList[{index}]", "user", "UserName", "UserPolicyList")
        _default_lists(user, "GroupList", "Tags")
    for index, group in enumerate(out["GroupDetailList"]):
        _principal(group, f"GroupDetailList[{index}]", "group", "GroupName", "GroupPolicyList")
    for index, role in enumerate(out["RoleDetailList"]):
        where = f"RoleDetailList[{index}] ({role.get('Arn')})"
        _principal(role, f"RoleDetailList[{index}]", "role", "RoleName", "RolePolicyList")
        _default_lists(role, "InstanceProfileList", "Tags")
        if "AssumeRolePolicyDocument" not in role or role["AssumeRolePolicyDocument"] in (None, ""):
            raise GaadFormatError(f"{where}: missing 'AssumeRolePolicyDocument' (trust cannot be derived)")
        role["AssumeRolePolicyDocument"] = _document(role["AssumeRolePolicyDocument"], where,
                                                     "AssumeRolePolicyDocument")
    used = _used_policy_arns(out)
    kept = []
    for index, policy in enumerate(out["Policies"]):
        arn = _managed_policy(policy, f"Policies[{index}]")
        if partial or not arn.aws_managed or policy["Arn"] in used or _counted_as_used(policy):
            kept.append(policy)
    out["Policies"] = kept
    return out


def _arn(entry: Mapping[str, Any], where: str, expected_type: str) -> IamArn:
    if not entry.get("Arn"):
        raise GaadFormatError(f"{where}: missing 'Arn' (nothing else names the {expected_type})")
    try:
        arn = parse_iam_arn(entry["Arn"])
    except ValueError as exc:
        raise GaadFormatError(f"{where}: 'Arn' {exc}") from exc
    if arn.resource_type != expected_type:
        raise GaadFormatError(f"{where}: 'Arn' {entry['Arn']!r} is not a {expected_type} ARN")
    return arn


def _principal(entry: dict[str, Any], where: str, kind: str, name_key: str, inline_key: str) -> None:
    arn = _arn(entry, where, kind)
    where = f"{where} ({entry['Arn']})"
    entry.setdefault(name_key, arn.name)
    entry.setdefault("Path", arn.path)
    _default_lists(entry, inline_key, "AttachedManagedPolicies")
    for index, inline in enumerate(entry[inline_key]):
        for key in ("PolicyName", "PolicyDocument"):
            if not inline.get(key):
                raise GaadFormatError(f"{where}: {inline_key}[{index}] missing '{key}' (cannot be derived)")
        inline["PolicyDocument"] = _document(inline["PolicyDocument"], where, f"{inline_key}[{index}]")
    for index, attached in enumerate(entry["AttachedManagedPolicies"]):
        if not attached.get("PolicyArn"):
            raise GaadFormatError(f"{where}: AttachedManagedPolicies[{index}] missing 'PolicyArn'")
        attached.setdefault("PolicyName", _name_from(attached["PolicyArn"], where))
    boundary = entry.get("PermissionsBoundary")
    if boundary == {}:  # emulators send an empty structure for "no boundary"
        del entry["PermissionsBoundary"]
    elif boundary is not None:
        if not boundary.get("PermissionsBoundaryArn"):
            raise GaadFormatError(f"{where}: PermissionsBoundary missing 'PermissionsBoundaryArn'")
        boundary.setdefault("PermissionsBoundaryType", "Policy")


def _managed_policy(policy: dict[str, Any], where: str) -> IamArn:
    arn = _arn(policy, where, "policy")
    where = f"{where} ({policy['Arn']})"
    policy.setdefault("PolicyName", arn.name)
    policy.setdefault("Path", arn.path)
    _default_lists(policy, "PolicyVersionList")
    versions = policy["PolicyVersionList"]
    if not versions:
        raise GaadFormatError(f"{where}: missing 'PolicyVersionList' (the policy document cannot be derived)")
    default_id = policy.get("DefaultVersionId")
    if not default_id:
        flagged = [v.get("VersionId") for v in versions if v.get("IsDefaultVersion")]
        if len(flagged) == 1 and flagged[0]:
            default_id = flagged[0]
        elif len(versions) == 1:
            default_id = versions[0].get("VersionId") or "v1"
        else:
            raise GaadFormatError(f"{where}: missing 'DefaultVersionId' and no single version is the default")
        policy["DefaultVersionId"] = default_id
    for index, version in enumerate(versions):
        if not version.get("VersionId"):
            if len(versions) != 1:
                raise GaadFormatError(f"{where}: PolicyVersionList[{index}] missing 'VersionId'")
            version["VersionId"] = default_id
        version.setdefault("IsDefaultVersion", version["VersionId"] == default_id)
        if "Document" not in version or version["Document"] in (None, ""):
            raise GaadFormatError(f"{where}: PolicyVersionList[{index}] missing 'Document'")
        version["Document"] = _document(version["Document"], where, f"PolicyVersionList[{index}]")
    if not any(v["VersionId"] == default_id for v in versions):
        raise GaadFormatError(f"{where}: DefaultVersionId {default_id!r} is not in PolicyVersionList")
    return arn


def _used_policy_arns(doc: Mapping[str, Any]) -> set[str]:
    used: set[str] = set()
    for key in PRINCIPAL_LISTS:
        for entry in doc[key]:
            used.update(a["PolicyArn"] for a in entry.get("AttachedManagedPolicies", []))
            boundary = entry.get("PermissionsBoundary")
            if boundary:
                used.add(boundary["PermissionsBoundaryArn"])
    return used


def _counted_as_used(policy: Mapping[str, Any]) -> bool:
    return any(int(policy.get(key) or 0) > 0 for key in ("AttachmentCount", "PermissionsBoundaryUsageCount"))


def _default_lists(entry: dict[str, Any], *keys: str) -> None:
    for key in keys:
        value = entry.get(key)
        if value is None:
            entry[key] = []
        elif isinstance(value, dict):
            entry[key] = [value]


def _name_from(arn: str, where: str) -> str:
    try:
        return parse_iam_arn(arn).name
    except ValueError as exc:
        raise GaadFormatError(f"{where}: {exc}") from exc


def _document(value: Any, where: str, field_name: str) -> Any:
    """Policy documents are objects; the raw IAM API returns them URL-encoded, some exports as JSON text."""
    if not isinstance(value, str):
        return value
    for text in (value, urllib.parse.unquote(value)):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            continue
    raise GaadFormatError(f"{where}: {field_name} is a string that is not (URL-encoded) JSON")

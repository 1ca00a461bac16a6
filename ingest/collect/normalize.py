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

The shape checks and what the ARN says (the first two rules) are `ingest.gaad`'s, shared with the offline
ingester; this module adds what a complete collected document needs on top and translates the errors.
"""

from __future__ import annotations

import copy
import json
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from graph_model.arn import account_of
from ingest import gaad
from ingest.errors import IngestError
from ingest.gaad import IamArn, parse_iam_arn

GAAD_LISTS = gaad.LIST_KEYS
PRINCIPAL_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList")

__all__ = ["GAAD_LISTS", "GaadFormatError", "IamArn", "merge_gaad_pages", "normalize_gaad", "parse_iam_arn"]


class GaadFormatError(ValueError):
    """A GAAD document lacks a field that cannot be derived from anything else in it."""


def merge_gaad_pages(pages: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Merge GAAD pages (`IsTruncated`/`Marker` responses, or per-filter calls) into one document.

    Entries are keyed by `Arn`; a later page's entry replaces an earlier one with the same ARN, so re-reading
    a page is harmless. The pagination keys are dropped: the result is a whole document.
    """
    merged: dict[str, Any] = {key: [] for key in GAAD_LISTS}
    extra: dict[str, Any] = {}
    for page_no, page in enumerate(pages):
        lists: dict[str, list[dict[str, Any]]] = {}
        for key, value in page.items():
            if key in GAAD_LISTS:
                lists[key] = [dict(entry) for entry in value or []]
                for index, entry in enumerate(lists[key]):
                    if not entry.get("Arn"):
                        raise GaadFormatError(f"page {page_no} {key}[{index}]: missing 'Arn'")
            elif key not in gaad.PAGE_KEYS:
                extra[key] = value
        merged = gaad.merge_gaad(merged, lists)
    return copy.deepcopy({**extra, **merged})


def normalize_gaad(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Return a normalised copy of one account's GAAD document (see the module docstring for the rules)."""
    out = copy.deepcopy(dict(doc))
    partial = out.get("IsTruncated") is True or not any(key in out for key in PRINCIPAL_LISTS)
    try:  # only the lists: other keys a response may grow are the collector's to keep, not an error
        out.update(gaad.normalize_gaad({key: out[key] for key in GAAD_LISTS if key in out}, "GAAD"))
    except IngestError as exc:
        entry = exc.entry if isinstance(exc, gaad.GaadEntryError) else exc.field
        raise GaadFormatError(f"{entry}: {exc.message}") from exc
    for index, user in enumerate(out["UserDetailList"]):
        _principal(user, f"UserDetailList[{index}]", "UserPolicyList")
        _default_lists(user, "GroupList", "Tags")
    for index, group in enumerate(out["GroupDetailList"]):
        _principal(group, f"GroupDetailList[{index}]", "GroupPolicyList")
    for index, role in enumerate(out["RoleDetailList"]):
        where = f"RoleDetailList[{index}] ({role.get('Arn')})"
        _principal(role, f"RoleDetailList[{index}]", "RolePolicyList")
        _default_lists(role, "InstanceProfileList", "Tags")
        if "AssumeRolePolicyDocument" not in role or role["AssumeRolePolicyDocument"] in (None, ""):
            raise GaadFormatError(f"{where}: missing 'AssumeRolePolicyDocument' (trust cannot be derived)")
        role["AssumeRolePolicyDocument"] = _document(role["AssumeRolePolicyDocument"], where,
                                                     "AssumeRolePolicyDocument")
    used = _used_policy_arns(out)
    kept = []
    for index, policy in enumerate(out["Policies"]):
        _managed_policy(policy, f"Policies[{index}]")
        aws_managed = account_of(policy["Arn"]) == "aws"
        if partial or not aws_managed or policy["Arn"] in used or _counted_as_used(policy):
            kept.append(policy)
    out["Policies"] = kept
    return out


def _principal(entry: dict[str, Any], where: str, inline_key: str) -> None:
    """Name, path and ARN are checked and derived by `ingest.gaad`; this requires what a complete one has."""
    where = f"{where} ({entry['Arn']})"
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


def _managed_policy(policy: dict[str, Any], where: str) -> None:
    where = f"{where} ({policy['Arn']})"
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

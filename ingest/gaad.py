"""`aws iam get-account-authorization-details` documents: shape checks, account detection, page merging.

Real exports omit fields (and moto omits `PolicyName`/`PolicyId`), so what the ARN already says (name, path,
account) is derived instead of failing; a missing ARN cannot be derived and is an error.
"""

from __future__ import annotations

from typing import Any

from graph_model.arn import parse_arn
from ingest.errors import IngestError

LIST_KEYS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
PAGE_KEYS = {"IsTruncated", "Marker", "ResponseMetadata"}
NAME_FIELDS = {
    "UserDetailList": ("UserName", "user"),
    "GroupDetailList": ("GroupName", "group"),
    "RoleDetailList": ("RoleName", "role"),
    "Policies": ("PolicyName", "policy"),
}


def is_gaad(doc: Any) -> bool:
    return isinstance(doc, dict) and any(k in doc for k in LIST_KEYS)


def normalize_gaad(doc: Any, source: str, where: str = "") -> dict[str, Any]:
    """Check the shape and fill derivable fields; returns a new document with all four lists present."""
    prefix = f"{where}." if where else ""
    if not isinstance(doc, dict):
        raise IngestError(source, where or "(top level)", "expected a GAAD object with UserDetailList, ...")
    unknown = sorted(k for k in doc if k not in LIST_KEYS and k not in PAGE_KEYS)
    if unknown:
        raise IngestError(source, f"{prefix}{unknown[0]}", "unknown field in a GAAD document")
    out: dict[str, Any] = {}
    for key in LIST_KEYS:
        items = doc.get(key, [])
        if items is None:
            items = []
        if not isinstance(items, list):
            raise IngestError(source, f"{prefix}{key}", "expected a list")
        fixed = []
        name_field, kind = NAME_FIELDS[key]
        for i, item in enumerate(items):
            path = f"{prefix}{key}[{i}]"
            if not isinstance(item, dict):
                raise IngestError(source, path, "expected an object")
            arn_text = item.get("Arn")
            arn = parse_arn(arn_text) if isinstance(arn_text, str) else None
            if arn is None:
                raise IngestError(source, f"{path}.Arn", "missing or not an ARN (cannot derive the entity)")
            if arn.service != "iam" or arn.resource_type != kind:
                raise IngestError(source, f"{path}.Arn", f"expected an IAM {kind} ARN, got {arn_text}")
            entry = dict(item)
            if not isinstance(entry.get(name_field), str) or not entry.get(name_field):
                entry[name_field] = arn.name
            if not isinstance(entry.get("Path"), str):
                entry["Path"] = arn.path
            for list_field in (
                "AttachedManagedPolicies",
                "UserPolicyList",
                "RolePolicyList",
                "GroupPolicyList",
                "GroupList",
                "PolicyVersionList",
                "InstanceProfileList",
                "Tags",
            ):
                if list_field in entry and entry[list_field] is None:
                    entry[list_field] = []
                if list_field in entry and isinstance(entry[list_field], dict):
                    entry[list_field] = [entry[list_field]]  # seen in AWS's own documented example output
                if list_field in entry and not isinstance(entry[list_field], list):
                    raise IngestError(source, f"{path}.{list_field}", "expected a list")
            fixed.append(entry)
        out[key] = fixed
    return out


def gaad_account(doc: dict[str, Any], source: str, where: str = "") -> str | None:
    """The one account a GAAD document describes (AWS-managed policies carry account `aws`)."""
    accounts: set[str] = set()
    for key in LIST_KEYS:
        for item in doc.get(key, []):
            arn = parse_arn(item.get("Arn", ""))
            if arn and arn.account and arn.account != "aws":
                accounts.add(arn.account)
    if len(accounts) > 1:
        raise IngestError(
            source,
            where or "(top level)",
            f"one GAAD document holds several accounts: {', '.join(sorted(accounts))}",
        )
    return next(iter(accounts), None)


def merge_gaad(base: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    """Merge pages (or snapshots) of one account; a later entry with the same ARN replaces the earlier one."""
    merged: dict[str, Any] = {}
    for key in LIST_KEYS:
        by_arn = {item["Arn"]: item for item in base.get(key, [])}
        for item in page.get(key, []):
            by_arn[item["Arn"]] = item
        merged[key] = list(by_arn.values())
    return merged

"""`aws iam get-account-authorization-details` documents: shape checks, account detection, page merging.

Real exports omit fields (and moto omits `PolicyName`/`PolicyId`), so what the ARN already says (name, path,
account) is derived instead of failing; a missing ARN cannot be derived and is an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph_model.arn import Arn, parse_arn
from ingest.errors import IngestError

LIST_KEYS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
PAGE_KEYS = {"IsTruncated", "Marker", "ResponseMetadata"}
NAME_FIELDS = {
    "UserDetailList": ("UserName", "user"),
    "GroupDetailList": ("GroupName", "group"),
    "RoleDetailList": ("RoleName", "role"),
    "Policies": ("PolicyName", "policy"),
}

_IAM_ARN_RE = re.compile(r"^arn:(?P<partition>aws[a-z-]*):iam::(?P<account>aws|\d{12}):(?P<resource>.+)$")


class GaadEntryError(IngestError):
    """A bad field of one entry: `entry` is where it is (`RoleDetailList[0]`), `field` adds the attribute."""

    def __init__(self, source: str, entry: str, attribute: str, message: str) -> None:
        super().__init__(source, f"{entry}.{attribute}", message)
        self.entry = entry


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
    match = _IAM_ARN_RE.match(arn or "")
    if not match:
        raise ValueError(f"not an IAM ARN: {arn!r}")
    resource_type, _, rest = match["resource"].partition("/")
    if not rest:
        raise ValueError(f"IAM ARN has no resource name: {arn!r}")
    *path_parts, name = rest.split("/")
    path = "/" + "".join(part + "/" for part in path_parts)
    return IamArn(match["partition"], match["account"], resource_type, path, name)


def entity_arn(item: Mapping[str, Any], kind: str) -> Arn:
    """The ARN of a GAAD entry of `kind` (`user`, `group`, `role`, `policy`); ValueError says why not."""
    text = item.get("Arn")
    if not text:
        raise ValueError(f"missing 'Arn' (nothing else names the {kind})")
    arn = parse_arn(text) if isinstance(text, str) else None
    if arn is None or arn.service != "iam":
        raise ValueError(f"'Arn' not an IAM ARN: {text!r}")
    if arn.resource_type != kind:
        raise ValueError(f"'Arn' {text!r} is not a {kind} ARN")
    return arn


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
            try:
                arn = entity_arn(item, kind)
            except ValueError as exc:
                raise GaadEntryError(source, path, "Arn", str(exc)) from exc
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

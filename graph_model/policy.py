"""Policy documents in one normalised shape.

AWS accepts a string or a list for Action/Resource/Principal values and a single object or a list for
`Statement`; parsers that assume lists miss real trust relationships (edge case EC25). Everything downstream
sees tuples only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


class PolicyFormatError(ValueError):
    """A policy document whose shape AWS would reject; `field` names where, for one-line errors."""

    def __init__(self, field_path: str, message: str) -> None:
        super().__init__(f"{field_path}: {message}")
        self.field_path = field_path
        self.message = message


@dataclass(frozen=True)
class StatementRef:
    """Where a statement lives, so that every edge can cite the exact text that allows it."""

    policy: (
        str  # managed policy ARN, or `<principal arn>#inline/<name>`, `trust:<role arn>`, `scp:<name>`, ...
    )
    index: int
    sid: str | None = None
    kind: str = "identity"  # identity | boundary | session | scp | rcp | resource | trust

    def as_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "index": self.index, "sid": self.sid, "kind": self.kind}

    def label(self) -> str:
        return f"{self.policy}#{self.sid or self.index}"


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: Mapping[str, tuple[str, ...]] | None  # {"AWS": (...), "Service": (...), "*": ("*",)}
    not_principals: Mapping[str, tuple[str, ...]] | None
    condition: Mapping[str, Mapping[str, Any]] | None
    ref: StatementRef
    version: str | None

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"


@dataclass(frozen=True)
class PolicyDocument:
    version: str | None
    statements: tuple[Statement, ...] = field(default_factory=tuple)


def _as_tuple(value: Any, path: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyFormatError(path, "expected a string or a list of strings")


def _principal_block(value: Any, path: str) -> Mapping[str, tuple[str, ...]]:
    if value == "*":
        return {"*": ("*",)}
    if not isinstance(value, dict):
        raise PolicyFormatError(path, 'expected "*" or an object such as {"AWS": ...}')
    block: dict[str, tuple[str, ...]] = {}
    for key, item in value.items():
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)  # a bare account number written as a JSON number
        block[str(key)] = _as_tuple(item, f"{path}.{key}")
    return block


def load_document(raw: Any, policy: str, kind: str = "identity", path: str = "") -> PolicyDocument:
    """Normalise one policy document. GAAD exports URL-encode documents in some tools; accept that too."""
    where = path or policy
    if isinstance(raw, str):
        try:
            raw = json.loads(unquote(raw))
        except json.JSONDecodeError as exc:
            raise PolicyFormatError(where, f"policy document is not valid JSON ({exc.msg})") from exc
    if raw is None:
        return PolicyDocument(version=None)
    if not isinstance(raw, dict):
        raise PolicyFormatError(where, "policy document must be a JSON object")
    version = raw.get("Version")
    if version is not None and not isinstance(version, str):
        raise PolicyFormatError(f"{where}.Version", "expected a string")
    body = raw.get("Statement", [])
    items = [body] if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise PolicyFormatError(f"{where}.Statement", "expected an object or a list of objects")
    statements = []
    for index, item in enumerate(items):
        spath = f"{where}.Statement[{index}]"
        if not isinstance(item, dict):
            raise PolicyFormatError(spath, "expected an object")
        effect = item.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyFormatError(f"{spath}.Effect", 'must be "Allow" or "Deny"')
        condition = item.get("Condition")
        if condition is not None and not (
            isinstance(condition, dict) and all(isinstance(v, dict) for v in condition.values())
        ):
            raise PolicyFormatError(f"{spath}.Condition", "expected {operator: {key: value}}")
        sid = item.get("Sid")
        statements.append(
            Statement(
                effect=effect,
                actions=_as_tuple(item["Action"], f"{spath}.Action") if "Action" in item else None,
                not_actions=_as_tuple(item["NotAction"], f"{spath}.NotAction")
                if "NotAction" in item
                else None,
                resources=_as_tuple(item["Resource"], f"{spath}.Resource") if "Resource" in item else None,
                not_resources=(
                    _as_tuple(item["NotResource"], f"{spath}.NotResource") if "NotResource" in item else None
                ),
                principals=_principal_block(item["Principal"], f"{spath}.Principal")
                if "Principal" in item
                else None,
                not_principals=(
                    _principal_block(item["NotPrincipal"], f"{spath}.NotPrincipal")
                    if "NotPrincipal" in item
                    else None
                ),
                condition=condition or None,
                ref=StatementRef(
                    policy=policy, index=index, sid=sid if isinstance(sid, str) else None, kind=kind
                ),
                version=version,
            )
        )
    return PolicyDocument(version=version, statements=tuple(statements))

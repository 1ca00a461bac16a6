"""Tags in one shape.

IAM returns `[{"Key", "Value"}]`, STS session tags and Bedrock use `[{"key", "value"}]`, Lambda a plain map;
owner and agent tags are matched case-insensitively everywhere (`Owner`, `owner`, `OWNER`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def tag_map(raw: Any) -> dict[str, str]:
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    out: dict[str, str] = {}
    for tag in raw if isinstance(raw, list) else []:
        if isinstance(tag, Mapping):
            key = tag.get("Key", tag.get("key"))
            if key is not None:
                out[str(key)] = str(tag.get("Value", tag.get("value", "")))
    return out


def tag_value(tags: Mapping[str, str], key: str) -> str | None:
    """The value of `key` compared case-insensitively; an empty value counts as no tag."""
    wanted = key.lower()
    return next((v for k, v in tags.items() if k.lower() == wanted and v), None)

"""Write a bundle atomically.

Why: a collection of a large organization can be interrupted (Ctrl-C, expired credentials, a full disk). The
bundle is written to a temporary file in the target's folder and moved into place with os.replace, which is
atomic on one filesystem: readers see the previous file or the whole new one, never a truncated bundle that
looks complete. The file keeps mkstemp's owner-only mode (0600): it holds the whole IAM configuration of the
collected accounts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def iso_z(value: dt.datetime) -> str:
    """UTC ISO 8601 with a Z, the bundle's timestamp form (naive datetimes are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def json_safe(value: Any) -> Any:
    """Recursively turn botocore values (datetime, bytes, tuples) into JSON values."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dt.datetime):
        return iso_z(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def write_bundle(bundle: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write `bundle` as JSON to `path` atomically; returns the resolved path."""
    target = Path(path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(json_safe(bundle), handle, indent=1, sort_keys=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise
    return target

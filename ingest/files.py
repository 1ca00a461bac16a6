"""Reading input files: size limits, gzip, JSON or YAML, and telling which kind of document each one is."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import yaml

from ingest.errors import IngestError

#: Refuse files larger than this before reading them: a mistaken path to a multi-GB log should fail fast,
#: not exhaust memory. Override with AGENTPATH_MAX_FILE_MB.
DEFAULT_MAX_FILE_MB = 512


def max_file_bytes() -> int:
    raw = os.environ.get("AGENTPATH_MAX_FILE_MB", str(DEFAULT_MAX_FILE_MB))
    try:
        return int(float(raw) * 1024 * 1024)
    except ValueError:
        return DEFAULT_MAX_FILE_MB * 1024 * 1024


def read_document(path: Path) -> Any:
    """Parse one JSON/YAML file (optionally gzip-compressed)."""
    name = str(path)
    if not path.exists():
        raise IngestError(name, "", "no such file")
    if path.is_dir():
        raise IngestError(name, "", "is a folder (CloudTrail folders are expanded by the caller)")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(name, "", f"cannot read the file ({exc.strerror})") from exc
    limit = max_file_bytes()
    if size > limit:
        raise IngestError(
            name,
            "",
            f"file is {size / 1e6:.0f} MB, over the {limit / 1e6:.0f} MB limit (AGENTPATH_MAX_FILE_MB)",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(name, "", f"cannot read the file ({exc.strerror})") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except OSError as exc:
            raise IngestError(name, "", f"broken gzip data ({exc})") from exc
        if len(data) > limit:
            raise IngestError(name, "", f"decompressed size is over the {limit / 1e6:.0f} MB limit")
    text = data.decode("utf-8-sig", errors="replace")
    if not text.strip():
        raise IngestError(name, "", "empty file")
    if path.suffix.lower() in (".yaml", ".yml") or (path.suffixes[-2:-1] in ([".yaml"], [".yml"])):
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else ""
            raise IngestError(name, where, f"malformed YAML ({getattr(exc, 'problem', exc)})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(
            name, f"line {exc.lineno} column {exc.colno}", f"malformed JSON ({exc.msg})"
        ) from exc


INPUT_SUFFIXES = (".json", ".json.gz", ".yaml", ".yml", ".gz")


def _is_input_name(name: str) -> bool:
    """Inside a folder, only data files count: a README or a license next to the logs is not input."""
    return not name.startswith(".") and name.lower().endswith(INPUT_SUFFIXES)


def expand_paths(paths: list[str]) -> list[Path]:
    """Folders expand to the files inside them (CloudTrail delivers one file per 5 minutes per region)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and _is_input_name(f.name)))
        else:
            out.append(p)
    return out

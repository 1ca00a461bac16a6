"""CSV for spreadsheets: one row per finding, the path flattened into one readable cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from ui.reports import framework_labels

COLUMNS = (
    "id",
    "status",
    "severity",
    "score",
    "kind",
    "subject",
    "target",
    "owner",
    "hops",
    "route",
    "techniques",
    "statements",
    "frameworks",
    "title",
)


def _route(f: Mapping[str, Any]) -> str:
    steps = f.get("path") or []
    if not steps:
        return ""
    return " -> ".join([str(steps[0]["from"])] + [f"[{s['technique']}] {s['to']}" for s in steps])


def row(f: Mapping[str, Any]) -> list[Any]:
    steps = f.get("path") or []
    statements = [st for s in steps for st in s.get("statements") or []]
    return [
        f["id"],
        f.get("status", ""),
        f["severity"],
        f["score"],
        f["kind"],
        f["subject"],
        f.get("target", ""),
        f.get("owner") or "UNOWNED",
        len(steps),
        _route(f),
        " ".join(f.get("techniques") or []),
        " ".join(dict.fromkeys(statements)),
        "; ".join(framework_labels(f.get("frameworks"))),
        f.get("title", ""),
    ]


def to_csv(report: Mapping[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in report["findings"]:
        writer.writerow(row(f))
    return buf.getvalue()

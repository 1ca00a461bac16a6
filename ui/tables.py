"""Plain-text tables for `--format table`: readable in a terminal and in CI logs, no extra dependency."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def short(arn: Any) -> str:
    text = str(arn)
    if text.startswith("arn:aws:iam::"):
        account, _, rest = text[len("arn:aws:iam::") :].partition(":")
        return f"{rest} ({account})"
    return text


def render(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def path_report_text(report: dict[str, Any]) -> str:
    lines = [
        f"source: {short(report['source'])}",
        f"source is admin: {'yes' if report['source_is_admin'] else 'no'}   "
        f"reaches admin: {'YES' if report['reaches_admin'] else 'no'}",
    ]
    for i, path in enumerate(report["paths"], 1):
        lines.append(
            f"\npath {i} -> {short(path['target'])} ({path['hops']} hop{'s' if path['hops'] != 1 else ''})"
        )
        rows = [
            [
                n,
                short(s["from"]),
                short(s["to"]),
                s["technique"],
                ", ".join(s["actions"]),
                ("conditional " if s.get("conditional") else "")
                + ("potential" if s.get("potential") else ""),
                s.get("owner") or "UNOWNED",
            ]
            for n, s in enumerate(path["steps"], 1)
        ]
        lines.append(render(["#", "from", "to", "technique", "actions", "flags", "owner"], rows))
    return "\n".join(lines)

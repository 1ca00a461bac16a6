"""Markdown for people and tickets: the summary, every finding in one table, then each finding's steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ui.reports import framework_labels

DETAIL_LIMIT = 200  # step tables past this many findings would bury the summary; JSON has them all


def cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return out


def to_markdown(report: Mapping[str, Any]) -> str:
    snap, summary = report.get("snapshot", {}), report.get("summary", {})
    lines = [
        "# agentpath scan",
        "",
        f"Generated {report.get('generated_at', '')} from {cell(snap.get('source'))} "
        f"(accounts: {', '.join(snap.get('accounts', [])) or 'none'}; snapshot {snap.get('digest', '')}).",
        "",
    ]
    sev = summary.get("by_severity", {})
    lines += _table(
        ["findings", "critical", "high", "medium", "low", "new", "unchanged", "resolved"],
        [
            [
                summary.get("findings", 0),
                sev.get("critical", 0),
                sev.get("high", 0),
                sev.get("medium", 0),
                sev.get("low", 0),
                summary.get("new", 0),
                summary.get("unchanged", 0),
                summary.get("resolved", 0),
            ]
        ],
    )
    if summary.get("baseline"):
        lines += ["", f"Compared with baseline `{cell(summary['baseline'])}`."]
    if summary.get("fail_on"):
        failing = summary.get("failing") or []
        lines += [
            "",
            f"Gate `--fail-on {summary['fail_on']}`: "
            + (f"**{len(failing)} new finding(s) at or above it.**" if failing else "passed."),
        ]
    findings = list(report.get("findings", []))
    lines += ["", "## Findings", ""]
    lines += _table(
        ["id", "status", "severity", "score", "kind", "subject", "target", "owner", "title"],
        [
            [
                f["id"],
                f.get("status", ""),
                f["severity"],
                f["score"],
                f["kind"],
                f["subject"],
                f.get("target", ""),
                f.get("owner") or "UNOWNED",
                f.get("title", ""),
            ]
            for f in findings
        ],
    )
    detailed = [f for f in findings if f.get("path") and f.get("status") != "resolved"][:DETAIL_LIMIT]
    if detailed:
        lines += ["", "## Paths", ""]
    for f in detailed:
        lines += [
            f"### {f['id']}: {cell(f.get('title', ''))}",
            "",
            f"Severity **{f['severity']}** (score {f['score']}); owner: {cell(f.get('owner') or 'UNOWNED')}; "
            f"frameworks: {cell(', '.join(framework_labels(f.get('frameworks'))) or 'none')}.",
            "",
        ]
        lines += _table(
            ["#", "identity", "to", "technique", "statements", "flags", "owner"],
            [
                [
                    n,
                    s["from"],
                    s["to"],
                    s["technique"],
                    ", ".join(s.get("statements") or []),
                    " ".join(
                        x
                        for x in (
                            "conditional" if s.get("conditional") else "",
                            "potential" if s.get("potential") else "",
                        )
                        if x
                    ),
                    s.get("owner") or "UNOWNED",
                ]
                for n, s in enumerate(f["path"], 1)
            ],
        )
        factors = (f.get("risk") or {}).get("factors") or []
        if factors:
            lines += ["", "Score: " + " ".join(f"{x['name']} {x['points']:+d}" for x in factors), ""]
    more = sum(1 for f in findings if f.get("path") and f.get("status") != "resolved") - len(detailed)
    if more > 0:
        lines += ["", f"{more} more path(s) are listed above and detailed in the JSON report."]
    return "\n".join(lines).rstrip() + "\n"

"""Report and export writers: each turns the scan report (or the exported graph) into one text format.

Writers are pure (dict in, text out); the CLI decides where the text goes. The scan report is the JSON
contract (`queries/scan.py`); every other scan format renders it, so no format can know more than JSON does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Writer = Callable[[Mapping[str, Any]], str]


def scan_writers() -> dict[str, Writer]:
    from ui.reports.csv_report import to_csv
    from ui.reports.json_report import to_json
    from ui.reports.markdown import to_markdown
    from ui.reports.sarif import to_sarif_text

    return {"json": to_json, "csv": to_csv, "sarif": to_sarif_text, "markdown": to_markdown}


def export_writers() -> dict[str, Writer]:
    from ui.reports.graphml import to_graphml
    from ui.reports.mermaid import to_mermaid
    from ui.reports.opengraph import to_opengraph_text

    return {"mermaid": to_mermaid, "graphml": to_graphml, "bloodhound-opengraph": to_opengraph_text}


def framework_labels(refs: Any) -> list[str]:
    """`OWASP NHI Top 10 NHI5` for {framework, id, title} references; plain strings pass through."""
    out = []
    for r in refs or []:
        out.append(
            f"{r.get('framework', '')} {r.get('id', '')}".strip() if isinstance(r, Mapping) else str(r)
        )
    return out

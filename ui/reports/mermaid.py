"""Mermaid flowcharts for threat-model documents: admins outlined red, conditional steps dashed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STYLES = {
    "agent": "fill:#7c3aed,stroke:#4c1d95,color:#fff",
    "user": "fill:#2563eb,stroke:#1e3a8a,color:#fff",
    "role": "fill:#0d9488,stroke:#134e4a,color:#fff",
    "provider": "fill:#b45309,stroke:#78350f,color:#fff",
    "service": "fill:#475569,stroke:#1e293b,color:#fff",
    "external": "fill:#475569,stroke:#1e293b,color:#fff",
    "admin": "stroke:#b91c1c,stroke-width:4px",
}


def _text(value: str) -> str:
    """Mermaid labels are quoted; quotes and angle brackets become entity codes."""
    return value.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(graph: Mapping[str, Any]) -> str:
    ids = {n["id"]: f"n{i}" for i, n in enumerate(graph["nodes"])}
    lines = [f"%% agentpath export: {graph.get('scope', '')}", "flowchart LR"]
    for n in graph["nodes"]:
        text = _text(n["label"]) + ("<br/>ADMIN" if n.get("admin") else "")
        lines.append(f'    {ids[n["id"]]}["{text}"]:::{n["kind"]}')
    for e in graph["edges"]:
        arrow = "-.->" if e.get("conditional") or e.get("potential") else "-->"
        lines.append(f'    {ids[e["source"]]} {arrow}|"{_text(e["technique"])}"| {ids[e["target"]]}')
    for kind, style in STYLES.items():
        lines.append(f"    classDef {kind} {style}")
    admins = [ids[n["id"]] for n in graph["nodes"] if n.get("admin")]
    if admins:
        lines.append(f"    class {','.join(admins)} admin")
    return "\n".join(lines) + "\n"

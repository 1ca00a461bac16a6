"""One palette and a few HTML snippets shared by every page, the graph and the exports.

Colours carry meaning: severity colours are used only for severity (and the highlighted path, which is the
risk being discussed), kind colours only for node kinds, so a shared screen in a threat-modeling session reads
the same way on every page.
"""

from __future__ import annotations

import html
from typing import Any

#: Severity colours, critical first. The order is also the sort order of findings tables.
SEVERITY_COLORS: dict[str, str] = {
    "critical": "#b91c1c",
    "high": "#ea580c",
    "medium": "#ca8a04",
    "low": "#2563eb",
    "info": "#64748b",
}
SEVERITY_ORDER = {name: i for i, name in enumerate(SEVERITY_COLORS)}

#: Node kinds: (vis-network shape, colour, legend text).
KIND_STYLE: dict[str, tuple[str, str, str]] = {
    "agent": ("hexagon", "#7c3aed", "AI agent"),
    "user": ("dot", "#2563eb", "IAM user"),
    "role": ("square", "#0d9488", "IAM role"),
    "group": ("triangle", "#64748b", "IAM group"),
    "person": ("star", "#d97706", "Person (owner)"),
    "service": ("diamond", "#475569", "Service / provider"),
}
ADMIN_BORDER = "#b91c1c"
HIGHLIGHT = "#dc2626"
MUTED_EDGE = "#94a3b8"
OWNER_EDGE = "#d97706"

CLASSIFICATION_COLORS = {"design": "#15803d", "misconfiguration": "#ca8a04", "control-failure": "#b91c1c"}

APP_CSS = """
<style>
  .block-container {padding-top: 2.2rem; padding-bottom: 2rem;}
  [data-testid="stMetricValue"] {font-size: 1.9rem; font-weight: 650;}
  .ap-badge {display: inline-block; padding: 0.1rem 0.5rem; border-radius: 0.6rem; color: #fff;
             font-size: 0.78rem; font-weight: 600; letter-spacing: 0.02em; text-transform: uppercase;}
  .ap-legend {display: flex; flex-wrap: wrap; gap: 0.9rem; font-size: 0.82rem; color: #334155;
              margin: 0.2rem 0 0.4rem 0;}
  .ap-legend span.sw {display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem;
                      vertical-align: -0.1rem;}
  .ap-muted {color: #64748b; font-size: 0.85rem;}
  .st-key-cx_query textarea, .st-key-cx_params textarea {
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.86rem;}
  [data-testid="stTable"] td, [data-testid="stTable"] th {overflow-wrap: anywhere; word-break: normal;
                                                          font-size: 0.86rem; vertical-align: top;}
</style>
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def severity_badge(severity: str) -> str:
    color = SEVERITY_COLORS.get(str(severity).lower(), SEVERITY_COLORS["info"])
    return f'<span class="ap-badge" style="background:{color}">{esc(severity)}</span>'


def classification_badge(classification: str) -> str:
    color = CLASSIFICATION_COLORS.get(str(classification).lower(), SEVERITY_COLORS["info"])
    return f'<span class="ap-badge" style="background:{color}">{esc(classification)}</span>'


def severity_cell_style(value: Any) -> str:
    """A pandas Styler function: the severity column coloured like the badges."""
    color = SEVERITY_COLORS.get(str(value).lower())
    return f"background-color: {color}; color: white; font-weight: 600" if color else ""


def _swatch(shape: str, color: str) -> str:
    radius = {"dot": "50%", "hexagon": "30%", "star": "15%"}.get(shape, "2px")
    if shape == "diamond":
        return f'<span class="sw" style="background:{color};transform:rotate(45deg) scale(0.8)"></span>'
    if shape == "triangle":
        return (
            '<span class="sw" style="width:0;height:0;border-left:0.45rem solid transparent;'
            f'border-right:0.45rem solid transparent;border-bottom:0.8rem solid {color}"></span>'
        )
    return f'<span class="sw" style="background:{color};border-radius:{radius}"></span>'


def legend_html() -> str:
    """The legend drawn above every graph: node kinds, admin ring, highlighted path, ownership edges."""
    items = [f"<span>{_swatch(shape, color)}{esc(text)}</span>" for shape, color, text in KIND_STYLE.values()]
    items.append(
        f'<span><span class="sw" style="border:3px solid {ADMIN_BORDER};border-radius:50%"></span>'
        "administrator-equivalent</span>"
    )
    items.append(
        f'<span><span class="sw" style="height:0.25rem;background:{HIGHLIGHT}"></span>selected path</span>'
    )
    items.append(
        f'<span><span class="sw" style="height:0;border-top:2px dashed {OWNER_EDGE}"></span>'
        "owns the step</span>"
    )
    return '<div class="ap-legend">' + "".join(items) + "</div>"

"""What the pages show, computed without Streamlit: node kinds, reachability, step rows, delegation chains.

Kept free of UI calls so the same answers are unit-tested, reused by the exports, and timed in the benchmark;
the pages only lay them out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from graph_model.paths import PathOptions, admin_distances, index_edges
from queries.api import GraphView

ACCOUNT_PREFIXES = ("arn:aws:iam::", "arn:aws:sts::")


def node_kind(uid: str, view: GraphView | None = None) -> str:
    """agent | user | role | group | person | service: the kind decides the node's shape and colour."""
    if view is not None:
        if uid in view.agents:
            return "agent"
        principal = view.principals.get(uid)
        if principal and principal.get("kind") in ("user", "role", "group"):
            return str(principal["kind"])
    if (
        uid.endswith(".amazonaws.com")
        or uid.endswith(".amazonaws.com.cn")
        or ":oidc-provider/" in uid
        or ":saml-provider/" in uid
    ):
        return "service"
    for kind in ("user", "role", "group"):
        if f":{kind}/" in uid:
            return kind
    if "@" in uid and not uid.startswith("arn:"):
        return "person"
    if uid.startswith("arn:"):
        return "service"
    return "agent"


def short_name(uid: str) -> str:
    """`role/deployer` for an IAM ARN (the account goes on a second line where it matters); ids unchanged."""
    for prefix in ACCOUNT_PREFIXES:
        if uid.startswith(prefix):
            return uid[len(prefix) :].partition(":")[2] or uid
    return uid


def account_of(uid: str) -> str:
    for prefix in ACCOUNT_PREFIXES:
        if uid.startswith(prefix):
            return uid[len(prefix) :].partition(":")[0]
    return ""


def display_name(uid: str, view: GraphView | None = None) -> str:
    """What a person reads in a picker: `agent  triage-agent` or `role/deployer (111111111111)`."""
    kind = node_kind(uid, view)
    if kind == "agent":
        return f"agent · {uid}"
    account = account_of(uid)
    return f"{short_name(uid)} ({account})" if account else uid


def admin_distance(view: GraphView, options: PathOptions | None = None) -> dict[str, int]:
    """Hops from every node that reaches admin (admins themselves at 0); see `graph_model.paths`."""
    options = options or PathOptions()
    return admin_distances(
        index_edges(view.edges, options), view.admin_set(options.include_conditional), options.max_hops
    )


def escalating_sources(view: GraphView, options: PathOptions | None = None) -> dict[str, int]:
    """Non-admin principals and agents with a path to admin, and the length of their shortest path."""
    dist = admin_distance(view, options)
    admins = view.admin_set((options or PathOptions()).include_conditional)
    known = set(view.principals) | set(view.agents)
    return {n: d for n, d in dist.items() if n in known and n not in admins and d > 0}


def edge_index(view: GraphView) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    """Steps in a path report carry no conditions; the edges they came from do. Built once per view (a view is
    never changed after loading; a new ingest makes a new one)."""
    cached: dict[tuple[str, str, str], Mapping[str, Any]] | None = getattr(view, "_ui_edge_index", None)
    if cached is None:
        cached = {(e["source"], e["target"], e["technique"]): e for e in view.edges}
        setattr(view, "_ui_edge_index", cached)  # noqa: B010 - a cache on a dataclass that does not declare it
    return cached


def format_conditions(conditions: Iterable[Any]) -> str:
    parts = []
    for c in conditions or []:
        if isinstance(c, Mapping) and "key" in c:
            values = c.get("values")
            shown = ", ".join(map(str, values)) if isinstance(values, list) else str(values or "")
            text = f"{c.get('operator', '')} {c['key']}" + (f" = {shown}" if shown else "")
            parts.append(("NOT " if c.get("negated") else "") + text.strip())
        else:
            parts.append(json.dumps(c, sort_keys=True) if not isinstance(c, str) else c)
    return "; ".join(parts)


def short_statement(label: str) -> str:
    """`role/x#inline/p#0` for `arn:aws:iam::1111:role/x#inline/p#0`: the full label stays in the
    exports; tables need the part a person recognises."""
    prefix, sep, rest = label.partition("trust:")
    body = rest if sep and not prefix else label
    for p in ACCOUNT_PREFIXES:
        if body.startswith(p):
            account, _, tail = body[len(p) :].partition(":")
            body = tail if account != "aws" else f"aws:{tail}"
            break
    return ("trust of " if sep and not prefix else "") + body


def step_flags(step: Mapping[str, Any]) -> str:
    flags = [name for name in ("conditional", "potential") if step.get(name)]
    if step.get("grants_admin"):
        flags.append("grants admin")
    return ", ".join(flags)


def step_rows(
    path: Mapping[str, Any], view: GraphView, techniques: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """One row per step: the accountability question answered (who executes, how, allowed by what, owned by
    whom). An unowned step says so in words, never as an empty cell."""
    idx = edge_index(view)
    rows = []
    for n, step in enumerate(path.get("steps", []), 1):
        edge = idx.get((step["from"], step["to"], step["technique"]), {})
        technique = step["technique"]
        name = (techniques or {}).get(technique)
        rows.append(
            {
                "#": n,
                "from": display_name(step["from"], view),
                "to": display_name(step["to"], view),
                "technique": f"{technique} · {name}" if name else technique,
                "actions": ", ".join(step.get("actions") or []),
                "allowed by": "; ".join(
                    short_statement(x) for x in step.get("statements") or edge.get("statements") or []
                )
                or "—",
                "conditions": format_conditions(edge.get("conditions") or []) or "—",
                "flags": step_flags(step) or "—",
                "owner": step.get("owner") or "⚠ UNOWNED",
            }
        )
    return rows


def runs_as(view: GraphView, agent: str) -> list[str]:
    return sorted(
        {
            e["target"]
            for e in view.edges
            if e["source"] == agent
            and (e.get("relationship") == "RUNS_AS" or e.get("technique") == "runs-as")
        }
    )

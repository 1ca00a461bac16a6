"""The graph a threat-model export shows: the whole escalation graph, or only the paths that matter.

Built from the same `GraphView` the scan reads, so a diagram never shows an edge the scan would not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_model.arn import parse_arn
from graph_model.paths import PathOptions, index_edges, shortest_paths
from queries.api import GraphView, UnknownSource


def node_kind(uid: str, view: GraphView) -> str:
    if uid in view.agents:
        return "agent"
    if uid in view.principals:
        return str(view.principals[uid].get("kind") or "role")
    if uid.endswith(".amazonaws.com") or uid.endswith(".amazonaws.com.cn"):
        return "service"
    parsed = parse_arn(uid)
    if parsed and parsed.resource_type in ("oidc-provider", "saml-provider"):
        return "provider"
    return "external"


def label(uid: str) -> str:
    parsed = parse_arn(uid)
    if parsed and parsed.resource_type:
        return f"{parsed.resource_type}/{parsed.name}"
    return uid


def _edges_of_paths(view: GraphView, sources: Iterable[str], options: PathOptions) -> list[Mapping[str, Any]]:
    by_source = index_edges(view.edges, options)
    admins = view.admin_set(options.include_conditional)
    keep: dict[tuple[str, str, str, str], Mapping[str, Any]] = {}
    for source in sources:
        for path in shortest_paths(source, by_source, admins, options.max_hops):
            for s in path.steps:
                e = s.edge
                keep[(e["source"], e["target"], e["relationship"], e["technique"])] = e
    return list(keep.values())


def export_graph(
    view: GraphView,
    source: str | None = None,
    *,
    paths_only: bool = False,
    options: PathOptions | None = None,
) -> dict[str, Any]:
    """{"scope", "nodes": [...], "edges": [...]}: the paths from `source` to admin, every scan path
    (`paths_only`), or the whole graph."""
    options = options or PathOptions()
    if source is not None:
        if (
            source not in view.principals
            and source not in view.agents
            and not any(e["source"] == source for e in view.edges)
        ):
            raise UnknownSource(f"{source}: not a principal ARN, agent id or identity provider in the graph")
        edges = _edges_of_paths(view, [source], options)
        scope = f"paths from {source}"
    elif paths_only:
        from queries.scan import path_sources

        edges = _edges_of_paths(view, path_sources(view, options), options)
        scope = "paths to admin"
    else:
        edges = list(view.edges)
        scope = "whole graph"
    admins = view.admin_set(options.include_conditional)
    uids = {e["source"] for e in edges} | {e["target"] for e in edges}
    if source is not None:
        uids.add(source)
    elif not paths_only:
        uids |= set(view.principals) | set(view.agents)
    nodes = []
    for uid in sorted(uids):
        p = view.principals.get(uid) or {}
        parsed = parse_arn(uid)
        nodes.append(
            {
                "id": uid,
                "kind": node_kind(uid, view),
                "label": label(uid),
                "account": str(p.get("account_id") or (parsed.account if parsed else "") or ""),
                "admin": uid in admins,
                "owner": view.owners.get(uid) or "",
            }
        )
    out_edges = [
        {
            "source": e["source"],
            "target": e["target"],
            "relationship": e["relationship"],
            "technique": e["technique"],
            "conditional": bool(e.get("conditional")),
            "potential": bool(e.get("potential")),
            "grants_admin": bool(e.get("grants_admin")),
            "statements": [str(s) for s in e.get("statements") or []],
        }
        for e in sorted(edges, key=lambda e: (e["source"], e["target"], e["technique"]))
    ]
    return {"scope": scope, "nodes": nodes, "edges": out_edges}

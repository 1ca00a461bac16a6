"""BloodHound OpenGraph JSON, so teams on BloodHound CE can load agentpath's graph next to their AD data.

OpenGraph's rules: node `kinds` hold 1-3 names (the first picks the icon); properties are primitives or
homogeneous arrays of primitives, with lower-case names; edge kinds match `^[A-Za-z0-9_]+$`. Names are
prefixed `AP` so they never collide with another collector's kinds, and parallel steps between two
identities (several techniques) become one edge listing its techniques.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SOURCE_KIND = "AgentPath"
NODE_KINDS = {
    "user": "APUser",
    "role": "APRole",
    "agent": "APAgent",
    "provider": "APIdentityProvider",
    "service": "APServicePrincipal",
    "external": "APExternal",
    "group": "APGroup",
}
EDGE_KINDS = {
    "CAN_ASSUME": "APCanAssume",
    "CAN_ESCALATE_TO": "APCanEscalateTo",
    "RUNS_AS": "APRunsAs",
    "DELEGATES_TO": "APDelegatesTo",
}


def _edge_kind(relationship: str) -> str:
    return EDGE_KINDS.get(relationship) or "AP" + "".join(p.title() for p in relationship.lower().split("_"))


def to_opengraph(graph: Mapping[str, Any]) -> dict[str, Any]:
    nodes = []
    for n in graph["nodes"]:
        kinds = [NODE_KINDS.get(n["kind"], "APExternal"), SOURCE_KIND]
        if n.get("admin"):
            kinds.append("APAdmin")
        props: dict[str, Any] = {
            "name": n["label"],
            "arn": n["id"],
            "account": n.get("account", ""),
            "is_admin": bool(n.get("admin")),
            "owner": n.get("owner") or "UNOWNED",
        }
        nodes.append({"id": n["id"], "kinds": kinds, "properties": props})
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for e in graph["edges"]:
        key = (e["source"], e["target"], _edge_kind(e["relationship"]))
        m = merged.setdefault(
            key,
            {
                "techniques": [],
                "statements": [],
                "conditional": True,
                "potential": True,
                "grants_admin": False,
            },
        )
        m["techniques"].append(e["technique"])
        m["statements"] += [s for s in e.get("statements", []) if s not in m["statements"]]
        m["conditional"] = m["conditional"] and bool(e.get("conditional"))  # one unconditional way suffices
        m["potential"] = m["potential"] and bool(e.get("potential"))
        m["grants_admin"] = m["grants_admin"] or bool(e.get("grants_admin"))
    edges = [
        {
            "kind": kind,
            "start": {"value": src, "match_by": "id"},
            "end": {"value": dst, "match_by": "id"},
            "properties": props,
        }
        for (src, dst, kind), props in sorted(merged.items())
    ]
    return {"metadata": {"source_kind": SOURCE_KIND}, "graph": {"nodes": nodes, "edges": edges}}


def to_opengraph_text(graph: Mapping[str, Any]) -> str:
    return json.dumps(to_opengraph(graph), indent=2) + "\n"

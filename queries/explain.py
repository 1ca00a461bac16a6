"""`agentpath explain`: why each step of a path is possible, down to the statement.

The graph keeps each edge's evidence in summary; an explanation re-derives the snapshot the store holds so
that every required action of every step is shown with its own decision: the statements (policy ARN or inline
name, index or Sid) that allow it, the guardrails it passed (boundary, SCPs, session policies) and the
conditions that must hold.
"""

from __future__ import annotations

from typing import Any

from graph_model.derive import EscalationEdge, derive
from graph_model.paths import PathOptions
from graph_model.snapshot import Snapshot
from queries.api import GraphView, path_report


def _action_evidence(edge: EscalationEdge) -> list[dict[str, Any]]:
    return [
        {
            "action": d.action,
            "resource": d.resource,
            "decision": d.decision,
            "conditional": d.conditional,
            "statements": [s.as_dict() for s in d.statements],
            "checks_passed": list(d.checks),
            "conditions": list(d.conditions),
        }
        for d in edge.decisions
    ]


def explain(
    snapshot: Snapshot, view: GraphView, source: str, to: str = "admin", options: PathOptions | None = None
) -> dict[str, Any]:
    report = path_report(view, source, to, options or PathOptions())
    out: dict[str, Any] = {
        "source": source,
        "to": to,
        "source_is_admin": report["source_is_admin"],
        "reachable": bool(report["paths"]),
        "target": None,
        "hops": 0,
        "steps": [],
    }
    if not report["paths"]:
        return out
    path = report["paths"][0]
    out.update(target=path["target"], hops=path["hops"])
    edges = {(e.source, e.target, e.technique): e for e in derive(snapshot).edges}
    for step in path["steps"]:
        edge = edges.get((step["from"], step["to"], step["technique"]))
        item: dict[str, Any] = {
            "from": step["from"],
            "to": step["to"],
            "technique": step["technique"],
            "owner": step.get("owner"),
            "conditional": bool(step.get("conditional")),
            "potential": bool(step.get("potential")),
            "grants_admin": bool(step.get("grants_admin")),
            "via": step.get("via") or None,
        }
        if edge is None:
            # Agent steps (runs-as, delegation) come from the manifest and agent platforms, not from policy.
            item.update(
                category=step.get("category", "agent"),
                actions=[],
                evidence=f"agent layer: {step.get('via') or step['technique']}",
            )
        else:
            item.update(
                category=edge.category, actions=_action_evidence(edge), conditions=list(edge.conditions)
            )
        out["steps"].append(item)
    return out

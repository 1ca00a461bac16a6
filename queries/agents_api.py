"""The Python API of the accountability layer: delegation chains, owners, findings and evidence trails.

Every answer starts from named queries (so the embedded store and Neo4j answer alike); the little logic on top
(walking delegation chains, the finding rules, path reachability) is pure Python over the rows.
"""

from __future__ import annotations

import json
from typing import Any

from graph_model.delegation import chains
from graph_model.findings import FindingInputs, Reach, all_findings
from graph_model.paths import PathOptions
from queries.api import GraphView, NotFound, all_paths_to_admin, load_view
from queries.library import run_named
from queries.store.base import GraphStore


class UnknownAgent(NotFound):
    """The name is neither an agent id nor an alias of one (Bedrock agent id, resource name, platform ARN)."""


class UnknownEvent(NotFound):
    pass


def _none(value: Any) -> Any:
    """Stores keep "" for an absent text property (a null would delete it); the JSON contracts say null."""
    return None if value == "" else value


def resolve_agent(store: GraphStore, name: str) -> str:
    rows = run_named(store, "agents")
    ids = {r["id"] for r in rows}
    if name in ids:
        return name
    hits = [r["id"] for r in rows if name in (r.get("aliases") or []) or name == r.get("platform_arn")]
    if len(hits) == 1:
        return str(hits[0])
    if len(hits) > 1:
        raise UnknownAgent(f"{name}: ambiguous, it names agents {', '.join(sorted(hits))}")
    raise UnknownAgent(f"{name}: not an agent id in the store (known: {', '.join(sorted(ids)) or 'none'})")


def delegation_report(store: GraphStore, source: str) -> dict[str, Any]:
    """The `delegation --from` contract: every maximal chain from the agent, each link with its mechanism."""
    agent = resolve_agent(store, source)
    edges = [{"from": r["source"], "to": r["target"], "mechanism": r["mechanism"]}
             for r in run_named(store, "delegation_edges")]
    return {"source": agent, "chains": chains(edges, agent)}


def owners_report(store: GraphStore) -> list[dict[str, Any]]:
    """The `owners` contract: every user, role and agent with its owner, the source, and the team."""
    return [{"identity": r["identity"], "owner": _none(r.get("owner")), "source": r.get("source") or "none",
             "team": _none(r.get("team"))} for r in run_named(store, "owners")]


def reach_to_admin(view: GraphView, options: PathOptions | None = None) -> dict[str, Reach]:
    """Every principal and agent that is, or reaches, administrator-equivalent, with its shortest route."""
    out: dict[str, Reach] = {}
    for report in all_paths_to_admin(view, options or PathOptions()):
        source = report["source"]
        if report["source_is_admin"]:
            out[source] = Reach(source, True)
            continue
        path = report["paths"][0]
        steps = path["steps"]
        route = " -> ".join([source] + [f"[{s['technique']}] {s['to']}" for s in steps])
        out[source] = Reach(source, False, route, path["hops"], any(s.get("conditional") for s in steps))
    return out


def findings_report(store: GraphStore, options: PathOptions | None = None, *, view: GraphView | None = None
                    ) -> list[dict[str, Any]]:
    """The `findings` contract: [{kind, subject, severity, detail, frameworks}], most severe first.

    A caller that already holds the graph view (the UI caches one per ingest run) passes it to avoid
    reading the whole graph a second time."""
    view = view if view is not None else load_view(store)
    owners = [dict(r, owner=_none(r.get("owner"))) for r in run_named(store, "owners")]
    inputs = FindingInputs(
        owners=owners,
        reach=reach_to_admin(view, options),
        agents=run_named(store, "agents"),
        agent_identities=run_named(store, "agent_identities"),
        break_glass_identities=[r for r in run_named(store, "break_glass_identities") if r.get("tagged")],
        events=run_named(store, "privilege_events"),
    )
    return all_findings(inputs)


def trail_report(store: GraphStore, event_id: str) -> dict[str, Any]:
    """The `trail` contract: the four evidence layers of one privilege event and its classification."""
    rows = run_named(store, "privilege_event_trail", {"event_id": event_id})
    if not rows:
        raise UnknownEvent(f"{event_id}: no privilege event with this id in the store "
                           f"(`agentpath query privilege_events` lists them)")
    row = rows[0]
    return {"event_id": row["event_id"],
            "task_approval": json.loads(row["task_approval"]),
            "identity_proof": json.loads(row["identity_proof"]),
            "privilege_event": json.loads(row["privilege_event"]), "oversight": json.loads(row["oversight"]),
            "classification": row["classification"]}


def events_report(store: GraphStore) -> list[dict[str, Any]]:
    return [{k: _none(v) for k, v in r.items()} for r in run_named(store, "privilege_events")]

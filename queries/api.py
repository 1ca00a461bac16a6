"""The Python API over a store: what the CLI, the UI and reports call.

Answers come from the named queries (so both stores give the same ones); policy questions (`check`) are
re-evaluated from the raw inputs the store keeps, with the same pure evaluator the ingest used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph_model.evaluation import Evaluator
from graph_model.paths import PathOptions, admin_distances, index_edges, shortest_paths
from graph_model.snapshot import Snapshot
from queries.library import run_named
from queries.store.base import GraphStore


class NotFound(ValueError):
    """Something the user named is not in the store (a source, agent, event, query, or any data at all).
    A ValueError, so the CLI reports it as bad input; internal KeyErrors stay tracebacks."""


class EmptyStore(NotFound):
    pass


class UnknownSource(NotFound):
    """The path source is neither a known principal ARN nor a known agent id."""


@dataclass
class GraphView:
    """The parts of the graph path search needs, read once per command."""

    edges: list[dict[str, Any]]
    principals: dict[str, dict[str, Any]]
    owners: dict[str, str | None]
    agents: dict[str, dict[str, Any]]

    @property
    def admins(self) -> set[str]:
        return {arn for arn, p in self.principals.items() if p.get("is_admin")}

    def admin_set(self, include_conditional: bool) -> set[str]:
        return {
            arn
            for arn, p in self.principals.items()
            if p.get("is_admin") or (include_conditional and p.get("admin_conditional"))
        }


def _decode_edge(row: dict[str, Any]) -> dict[str, Any]:
    edge = dict(row)
    conditions = edge.get("conditions")
    if isinstance(conditions, str):
        edge["conditions"] = json.loads(conditions) if conditions else []
    for key in ("conditional", "potential", "grants_admin"):
        edge[key] = bool(edge.get(key))
    edge["actions"] = list(edge.get("actions") or [])
    edge["statements"] = list(edge.get("statements") or [])
    return edge


def load_view(store: GraphStore) -> GraphView:
    edges = [_decode_edge(r) for r in run_named(store, "escalation_edges")]
    principals = {r["arn"]: r for r in run_named(store, "principals")}
    owners: dict[str, str | None] = {arn: (p.get("owner") or None) for arn, p in principals.items()}
    agents: dict[str, dict[str, Any]] = {}
    for row in run_named(store, "agent_edges"):
        agents.setdefault(row["agent"], {"owner": row.get("agent_owner") or None})
        owners[row["agent"]] = row.get("agent_owner") or None
        if row.get("target") is None:
            continue  # an agent with no identity and no delegate: a valid source with no paths
        edges.append(
            _decode_edge(
                {
                    "source": row["agent"],
                    "target": row["target"],
                    "relationship": row["relationship"],
                    "technique": row["technique"],
                    "category": "agent",
                    "actions": [],
                    "statements": [],
                    "conditional": False,
                    "conditions": "[]",
                    "potential": False,
                    "grants_admin": False,
                    "via": row.get("mechanism") or "",
                }
            )
        )
    for row in run_named(store, "agents"):  # what the agents layer knows of each agent (kind, flags, ...)
        agents.setdefault(row["id"], {}).update({k: v for k, v in row.items() if k not in ("id", "owner")})
    return GraphView(edges, principals, owners, agents)


def path_report(
    view: GraphView,
    source: str,
    to: str = "admin",
    options: PathOptions | None = None,
    *,
    index: dict[str, list[Any]] | None = None,
    admins: set[str] | None = None,
) -> dict[str, Any]:
    """The `paths --from` JSON contract."""
    options = options or PathOptions()
    if source not in view.principals and source not in view.agents:
        raise UnknownSource(f"{source}: not a principal ARN or agent id in the store")
    by_source = index if index is not None else index_edges(view.edges, options)
    admins = admins if admins is not None else view.admin_set(options.include_conditional)
    source_is_admin = source in admins
    if to == "admin" and source_is_admin:
        found = []  # already administrator-equivalent: no path is needed (and none is shown)
    else:
        found = shortest_paths(source, by_source, admins, options.max_hops, to=None if to == "admin" else to)
    return {
        "source": source,
        "source_is_admin": source_is_admin,
        "reaches_admin": source_is_admin or (bool(found) if to == "admin" else False),
        "paths": [
            {"target": p.target, "hops": p.hops, "steps": [s.as_dict(view.owners) for s in p.steps]}
            for p in found
        ],
    }


def all_paths_to_admin(view: GraphView, options: PathOptions | None = None) -> list[dict[str, Any]]:
    """Every principal (and agent) that reaches admin, each with its shortest path."""
    options = options or PathOptions()
    index = index_edges(view.edges, options)
    admins = view.admin_set(options.include_conditional)
    candidates = set(admin_distances(index, admins, options.max_hops))
    out = []
    for source in sorted((set(view.principals) | set(view.agents)) & candidates):
        report = path_report(view, source, "admin", options, index=index, admins=admins)
        if report["reaches_admin"]:
            # An administrator's shortest path to admin is no path at all.
            report["paths"] = [] if report["source_is_admin"] else report["paths"][:1]
            out.append(report)
    return out


def snapshot_from_store(store: GraphStore) -> Snapshot:
    from ingest.transform import build_snapshot

    source = store.source()
    if source is None:
        raise EmptyStore("the store is empty: run `agentpath ingest FILE...` first")
    return build_snapshot(source, "store")


def check(
    snapshot: Snapshot,
    principal: str,
    action: str,
    resource: str,
    context: Mapping[str, str | Sequence[str]] | None = None,
    resource_account: str | None = None,
) -> dict[str, Any]:
    """The `check` JSON contract: one request, evaluated like AWS would."""
    if ":" not in action or action.startswith(":") or action.endswith(":"):
        raise ValueError(f"--action {action!r}: expected SERVICE:Action, e.g. iam:PassRole")
    ev = Evaluator(snapshot)
    caller = ev.caller(principal)
    if caller.kind == "unknown" or (caller.kind in ("user", "role", "session") and caller.principal is None):
        raise UnknownSource(
            f"{principal}: no such principal in the store (a user, role, role session, "
            "identity provider or service principal)"
        )
    decision = ev.authorize(caller, action, resource, context or {}, resource_account=resource_account)
    out: dict[str, Any] = {
        "principal": principal,
        "action": action,
        "resource": resource,
        "decision": decision.decision if not (decision.allowed and decision.conditional) else "ImplicitDeny",
        "statements": [s.as_dict() for s in decision.statements],
        "checks": decision.checks,
    }
    if decision.allowed and decision.conditional:
        out["undecided"] = decision.conditions  # never guessed: reported as undecidable
    return out

"""Shortest escalation paths, computed over the edge list the store returns.

Breadth-first search over a few thousand edges is instant and gives identical answers on both stores
(variable-length Cypher differs between engines in how it treats repeated nodes), so the CLI and UI use this
and the Cypher library offers the same walk for people exploring in a console.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

STEP_FIELDS = (
    "technique",
    "category",
    "actions",
    "statements",
    "conditional",
    "conditions",
    "potential",
    "grants_admin",
    "relationship",
    "via",
)


@dataclass
class PathOptions:
    max_hops: int = 6
    include_conditional: bool = True
    include_potential: bool = True


@dataclass
class Step:
    source: str
    target: str
    edge: Mapping[str, Any]

    def as_dict(self, owners: Mapping[str, str | None]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "from": self.source,
            "to": self.target,
            "technique": self.edge["technique"],
            "actions": list(self.edge.get("actions") or []),
        }
        out["owner"] = owners.get(self.source)
        for key in (
            "category",
            "statements",
            "conditional",
            "conditions",
            "potential",
            "grants_admin",
            "via",
        ):
            if key in self.edge:
                out[key] = self.edge[key]
        return out


@dataclass
class EscalationPath:
    target: str
    steps: list[Step] = field(default_factory=list)

    @property
    def hops(self) -> int:
        return len(self.steps)


def index_edges(
    edges: Iterable[Mapping[str, Any]], options: PathOptions
) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for e in edges:
        if e.get("conditional") and not options.include_conditional:
            continue
        if e.get("potential") and not options.include_potential:
            continue
        out[e["source"]].append(e)
    for lst in out.values():
        # Certain steps before conditional, conditional before potential: among equally short paths the one
        # shown is the one most surely exploitable.
        lst.sort(
            key=lambda e: (bool(e.get("potential")), bool(e.get("conditional")), e["target"], e["technique"])
        )
    return out


def shortest_paths(
    source: str,
    by_source: Mapping[str, list[Mapping[str, Any]]],
    is_goal: Mapping[str, bool] | set[str],
    max_hops: int,
    *,
    to: str | None = None,
) -> list[EscalationPath]:
    """One shortest path to every goal reachable from `source` (goal = admin, or `to` when given).

    A step that leaves its target administrator-equivalent (`grants_admin`) ends a path there, and
    self-escalation is a one-step path from the principal to itself."""
    goals = set(is_goal) if not isinstance(is_goal, set) else is_goal
    found: dict[str, list[Step]] = {}
    parent: dict[str, list[Step]] = {source: []}
    queue: deque[str] = deque([source])
    while queue:
        node = queue.popleft()
        trail = parent[node]
        if len(trail) >= max_hops:
            continue
        if node != source and to is None and node in goals:
            continue  # an administrator reaches everything; no need to walk past it
        for e in by_source.get(node, []):
            step = Step(node, e["target"], e)
            new_trail = trail + [step]
            target = e["target"]
            reached = target == to if to is not None else (target in goals or bool(e.get("grants_admin")))
            if reached and target not in found:
                found[target] = new_trail
            if target not in parent:
                parent[target] = new_trail
                queue.append(target)
    return [
        EscalationPath(t, steps) for t, steps in sorted(found.items(), key=lambda kv: (len(kv[1]), kv[0]))
    ]


def admin_distances(
    by_source: Mapping[str, list[Mapping[str, Any]]], admins: set[str], max_hops: int
) -> dict[str, int]:
    """Hops to admin from every node that reaches it (admins at 0), by one reverse breadth-first walk.

    "Who reaches admin" for every principal by a forward search each is quadratic; one walk backwards from the
    admins is linear and gives the same set (a step that `grants_admin` counts as reaching admin, as in the
    forward search). Callers use it to run the forward search only where it will find something."""
    reverse: dict[str, list[str]] = defaultdict(list)
    dist: dict[str, int] = {a: 0 for a in admins}
    for source, edges in by_source.items():
        for e in edges:
            reverse[e["target"]].append(source)
            if e.get("grants_admin") and source not in dist:
                dist[source] = 1
    queue: deque[str] = deque(sorted(dist, key=lambda n: dist[n]))  # breadth-first needs distance order
    while queue:
        node = queue.popleft()
        if dist[node] >= max_hops:
            continue
        for pred in reverse.get(node, []):
            if pred not in dist:
                dist[pred] = dist[node] + 1
                queue.append(pred)
    return dist

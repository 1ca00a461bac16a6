"""The accountability layer of the graph: agents, delegation, owners, people, tasks and privilege events.

Called by the ingest pipeline after the IAM graph is built. Everything is computed here, from the snapshot,
with pure functions (discovery, delegation, owner resolution, CloudTrail parsing, evidence), and written as
plain node and relationship records, so both stores load the same thing and the named queries only read.
Nested evidence is stored as JSON text, like escalation evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph_model.accountability import Evidence, evidence
from graph_model.agents import BREAK_GLASS_TAG, Agent, AgentCatalog, discover
from graph_model.cloudtrail import IdentityIndex, KeyState, SessionIndex, access_keys, privilege_events
from graph_model.delegation import Delegation, delegations
from graph_model.derive import Derived
from graph_model.evaluation import Evaluator
from graph_model.model import GraphData, NodeRecord, RelRecord
from graph_model.owners import Ownership, resolve_owners
from graph_model.snapshot import Snapshot


@dataclass
class Accountability:
    """Everything the layer computed; `enrich` writes it into the graph, tests read it directly."""

    catalog: AgentCatalog
    delegations: list[Delegation]
    owners: dict[str, Ownership]
    keys: dict[str, KeyState]
    evidence: list[Evidence]
    break_glass_tagged: set[str]


def analyse_accountability(snapshot: Snapshot, evaluator: Evaluator | None = None) -> Accountability:
    catalog = discover(snapshot)
    index = IdentityIndex(snapshot)
    events = privilege_events(snapshot, index)
    ev = evaluator or Evaluator(snapshot)
    delegs = delegations(catalog, ev)
    owners = resolve_owners(snapshot, catalog, events)
    keys = access_keys(snapshot, events, snapshot.credential_report)
    sessions = SessionIndex(events)
    evid = [evidence(e, snapshot, catalog, owners, ev, sessions) for e in events]
    tagged = {p.arn for p in snapshot.principals.values()
              if str(p.tag(BREAK_GLASS_TAG) or "").strip().lower() == "true"}
    return Accountability(catalog, delegs, owners, keys, evid, tagged)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _agent_props(a: Agent, own: Ownership | None, catalog: AgentCatalog) -> dict[str, Any]:
    conflicts = [c.as_dict() for c in catalog.conflicts if c.agent == a.id]
    return {
        "id": a.id, "name": a.name, "kind": a.kind, "declared": a.declared,
        "platform_arn": a.platform_arns[0] if a.platform_arns else "", "platform_arns": list(a.platform_arns),
        "aliases": list(a.aliases), "sources": list(a.sources), "runs_as": sorted(a.runs_as),
        "owner": (own.owner if own else None) or "", "owner_source": own.source if own else "none",
        "owner_team": (own.team if own else None) or "", "owner_evidence": own.evidence if own else "",
        "sponsor_team": a.sponsor_team or "", "approver": a.approver or "",
            "monitored_by": list(a.monitored_by),
        "purpose": a.purpose or "", "allowed_actions": list(a.allowed_actions),
        "window_start": (a.window.start if a.window else None) or "",
        "window_end": (a.window.end if a.window else None) or "",
        "revocation": a.revocation or "", "revoked": a.revoked, "revoked_at": a.revoked_at or "",
        "vendor_hosted": a.vendor_hosted, "break_glass": a.break_glass,
        "workload_identities": list(a.workload_identities), "conflicts": _dumps(conflicts),
    }


def _event_props(e: Evidence) -> dict[str, Any]:
    ev = e.event
    return {
        "event_id": ev.event_id, "event_name": ev.event_name, "api": ev.api, "action": ev.action,
        "event_source": ev.event_source, "event_time": ev.event_time, "account_id": ev.account_id or "",
        "region": ev.region or "", "category": ev.category, "principal": ev.actor.principal or "",
        "actor_arn": ev.actor.arn or "", "identity_type": ev.actor.type,
            "session_name": ev.actor.session_name or "",
        "source_identity": ev.actor.source_identity or "", "access_key_type": ev.actor.key_type or "",
        "agents": list(e.agents), "targets": list(ev.targets), "policies": list(ev.policies),
        "succeeded": ev.succeeded, "error_code": ev.error_code or "", "classification": e.classification,
        "classification_reason": e.reason, "outside_window": e.outside_window, "out_of_scope": e.out_of_scope,
        "task": e.task or "",
        "task_approval": _dumps(e.layers["task_approval"]),
            "identity_proof": _dumps(e.layers["identity_proof"]),
        "privilege_event": _dumps(e.layers["privilege_event"]), "oversight": _dumps(e.layers["oversight"]),
    }


def _people(acc: Accountability) -> dict[str, dict[str, Any]]:
    """Every human the layer names: manifest people plus owners, approvers and monitors from any source."""
    people: dict[str, dict[str, Any]] = {}
    for pid, entry in acc.catalog.people.items():
        people[pid] = {"id": pid, "name": str(entry.get("name") or ""), "team": str(entry.get("team") or "")}
    named: list[str | None] = [o.owner for o in acc.owners.values()]
    for a in acc.catalog.agents.values():
        named += [a.approver, *a.monitored_by]
    for t in acc.catalog.tasks:
        named += [t.approved_by, t.requested_by]
    for who in named:
        if who and who not in people:
            people[who] = {"id": who, "name": "", "team": ""}
    return people


def _teams(acc: Accountability, people: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    teams = {tid: {"id": tid, "lead": str(t.get("lead") or "")} for tid, t in acc.catalog.teams.items()}
    for name in [p["team"] for p in people.values()] + [a.sponsor_team for a in acc.catalog.agents.values()]:
        if name and name not in teams:
            teams[name] = {"id": name, "lead": ""}
    return teams


def _rels(acc: Accountability, people: Iterable[dict[str, Any]], known: set[str]) -> list[RelRecord]:
    rels: list[RelRecord] = []
    catalog = acc.catalog
    for a in catalog.agents.values():
        for arn, sources in sorted(a.runs_as.items()):
            rels.append(RelRecord("RUNS_AS", a.id, arn, "",
                                  {"mechanism": ",".join(sources), "sources": sources}))
        if a.sponsor_team:
            rels.append(RelRecord("SPONSORED_BY", a.id, a.sponsor_team, "", {"source": "manifest"}))
        for m in a.monitored_by:
            rels.append(RelRecord("MONITORED_BY", a.id, m, "", {"source": "manifest"}))
        if a.approver:
            rels.append(RelRecord("APPROVED", a.approver, a.id, "scope", {"source": "manifest"}))
    for d in acc.delegations:
        rels.append(RelRecord("DELEGATES_TO", d.source, d.target, d.mechanism,
                              {"mechanism": d.mechanism, "mechanisms": list(d.mechanisms),
                               "evidence": d.evidence,
                               "sources": list(d.sources), "conditional": d.conditional}))
    for subject, own in acc.owners.items():
        if own.owner:
            rels.append(RelRecord("OWNED_BY", subject, own.owner, "",
                                  {"source": own.source, "evidence": own.evidence}))
    for p in people:
        if p["team"]:
            rels.append(RelRecord("MEMBER_OF_TEAM", p["id"], p["team"]))
    for t in catalog.tasks:
        agent = catalog.resolve(t.agent)
        if t.approved_by:
            rels.append(RelRecord("APPROVED", t.approved_by, t.id, "task", {"source": "manifest"}))
        if agent:
            rels.append(RelRecord("APPROVED", t.id, agent, "task", {"source": "manifest"}))
    for e in acc.evidence:
        ev = e.event
        if ev.actor.principal and ev.actor.principal in known:
            rels.append(RelRecord("PERFORMED", ev.actor.principal, ev.event_id, "",
                                  {"session_name": ev.actor.session_name or "",
                                   "source_identity": ev.actor.source_identity or "",
                                   "session_tags": _dumps(e.layers["identity_proof"]["session_tags"]),
                                   "access_key_type": ev.actor.key_type or ""}))
        for target in ev.targets + ev.policies:
            if target in known:
                rels.append(RelRecord("GRANTED", ev.event_id, target, target, {"category": ev.category}))
        if e.task and e.classification == "design":
            rels.append(RelRecord("COVERS", e.task, ev.event_id))
    return rels


def write(graph: GraphData, acc: Accountability) -> None:
    nodes = {n.uid: n for n in graph.nodes}
    identities = acc.catalog.identities()
    for arn, node in nodes.items():
        if node.label not in ("User", "Role"):
            continue
        own = acc.owners.get(arn)
        key = acc.keys.get(arn)
        tagged = arn in acc.break_glass_tagged
        node.props.update({
            "owner": (own.owner if own else None) or "", "owner_source": own.source if own else "none",
            "owner_team": (own.team if own else None) or "", "owner_evidence": own.evidence if own else "",
            "agents": identities.get(arn, []),
            "break_glass": tagged or any(acc.catalog.agents[a].break_glass for a in identities.get(arn, [])),
            "break_glass_tag": tagged,
            "access_keys_active": bool(key and key.active),
                           "access_key_evidence": key.evidence if key else "",
        })
    for a in sorted(acc.catalog.agents.values(), key=lambda a: a.id):
        graph.nodes.append(NodeRecord("Agent", a.id, _agent_props(a, acc.owners.get(a.id), acc.catalog)))
    people = _people(acc)
    for pid, props in sorted(people.items()):
        graph.nodes.append(NodeRecord("Person", pid, props))
    for tid, props in sorted(_teams(acc, people).items()):
        graph.nodes.append(NodeRecord("Team", tid, props))
    for t in acc.catalog.tasks:
        graph.nodes.append(NodeRecord("Task", t.id, {
            "id": t.id, "agent": acc.catalog.resolve(t.agent) or t.agent,
                                                     "requested_by": t.requested_by or "",
            "approved_by": t.approved_by or "", "reason": t.reason or "",
            "window_start": (t.window.start if t.window else None) or "",
            "window_end": (t.window.end if t.window else None) or "",
                                                     "allowed_actions": list(t.allowed_actions)}))
    for e in acc.evidence:
        graph.nodes.append(NodeRecord("PrivilegeEvent", e.event.event_id, _event_props(e)))
    known = {n.uid for n in graph.nodes}
    graph.relationships.extend(_rels(acc, people.values(), known))


def enrich(snapshot: Snapshot, derived: Derived, graph: GraphData) -> None:
    """Add agents, delegation, owners, people, tasks and privilege events to the IAM graph."""
    write(graph, analyse_accountability(snapshot, derived.evaluator))

"""The four layers of evidence behind a privilege event, and what kind of event it was.

For an auditor the question is never only "what happened" but "who asked for it, who did it, what
changed, and who was watching": task approval (the manifest task that covers the event), identity proof
(the role, session, source identity and key type CloudTrail recorded), the privilege event itself, and the
oversight trail (who monitors the agent; which SCPs, boundary and statements the evaluator finds for the
same request today).

Classification:
- `design`: inside an approved task's window and allowed actions (or refused by the controls, which is also
  the design working);
- `control-failure`: it happened although a declared control should have stopped it: the identity was revoked,
  a task window had already closed, or a break-glass identity was used outside its window;
- `misconfiguration`: no task covers it, no declared control forbade it, and a policy allowed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph_model.agents import Agent, AgentCatalog, Task, Window
from graph_model.arn import parse_arn
from graph_model.cloudtrail import PrivilegeEvent, SessionIndex, parse_time
from graph_model.evaluation import Evaluator, action_matches
from graph_model.owners import Ownership
from graph_model.snapshot import Snapshot

CLASSES = ("design", "misconfiguration", "control-failure")


def event_agents(event: PrivilegeEvent, catalog: AgentCatalog) -> list[str]:
    """Agents whose identity made the call, or whose role an agent platform assumed for them."""
    found = set(catalog.agents_of(event.actor.principal or ""))
    if len(found) > 1:
        # A shared role: when the session name or source identity names one of its agents, it was that one.
        names = (event.actor.session_name, event.actor.source_identity)
        named = {agent for n in names if n and (agent := catalog.resolve(n))}
        found = (named & found) or found
    if event.category == "assume":
        for target in event.targets:
            for agent_id in catalog.agents_of(target):
                # The platform starting an agent's session, or anyone entering a break-glass identity.
                if event.actor.type == "AWSService" or catalog.agents[agent_id].break_glass:
                    found.add(agent_id)
    return sorted(found)


def is_break_glass(identity: str | None, snapshot: Snapshot, catalog: AgentCatalog) -> bool:
    if not identity:
        return False
    p = snapshot.principals.get(identity)
    if p is not None and str(p.tag("agentpath:break-glass") or "").strip().lower() == "true":
        return True
    return any(catalog.agents[a].break_glass for a in catalog.agents_of(identity))


def platform_start(event: PrivilegeEvent) -> bool:
    """The agent platform assuming the agent's role starts a session; it is not an action the agent chose, so
    only the window applies to it, not the list of allowed actions."""
    return event.actor.type == "AWSService" and event.category == "assume"


def in_scope(action: str, allowed: Iterable[str]) -> bool:
    """No declared action list means the approval did not restrict actions."""
    patterns = list(allowed)
    return not patterns or any(action_matches(p, action) for p in patterns)


@dataclass(frozen=True)
class Approval:
    """A window of approved work: a manifest task, or an agent's own standing window when it has no tasks."""

    task: Task | None
    agent: Agent
    window: Window | None
    approver: str | None
    requested_by: str | None
    reason: str | None
    allowed_actions: tuple[str, ...]


def approvals(agent: Agent, catalog: AgentCatalog) -> list[Approval]:
    tasks = [t for t in catalog.tasks if t.agent == agent.id or catalog.resolve(t.agent) == agent.id]
    if tasks:
        return [Approval(t, agent, t.window, t.approved_by, t.requested_by, t.reason,
                         t.allowed_actions or tuple(agent.allowed_actions)) for t in tasks]
    if agent.window is not None:
        return [Approval(None, agent, agent.window, agent.approver, None, agent.purpose,
                         tuple(agent.allowed_actions))]
    return []


@dataclass
class Coverage:
    covered: Approval | None = None  # in window and in scope
    in_window: Approval | None = None  # in window, action outside the approved scope
    closed: list[Approval] = field(default_factory=list)  # windows that had closed before the event
    any_approval: bool = False


def coverage(event: PrivilegeEvent, agents: list[str], catalog: AgentCatalog) -> Coverage:
    cov = Coverage()
    for agent_id in agents:
        for ap in approvals(catalog.agents[agent_id], catalog):
            cov.any_approval = True
            if ap.window is not None and ap.window.contains(event.event_time):
                if platform_start(event) or in_scope(event.action, ap.allowed_actions):
                    cov.covered = cov.covered or ap
                else:
                    cov.in_window = cov.in_window or ap
            elif ap.window is not None and ap.window.closed_before(event.event_time):
                cov.closed.append(ap)
    return cov


def _revoked(agents: list[str], catalog: AgentCatalog, when: str) -> str | None:
    t = parse_time(when)
    for agent_id in agents:
        a = catalog.agents[agent_id]
        if not a.revoked:
            continue
        at = parse_time(a.revoked_at)
        if at is None or (t is not None and at <= t):
            return agent_id
    return None


def classify(event: PrivilegeEvent, agents: list[str], cov: Coverage, break_glass: bool,
             catalog: AgentCatalog, decision: str | None) -> tuple[str, str]:
    """(classification, why)."""
    if not event.succeeded:
        return "design", f"the request failed ({event.error_code}): the controls refused it"
    revoked = _revoked(agents, catalog, event.event_time)
    if revoked:
        return "control-failure", f"agent {revoked} had been revoked"
    if cov.covered is not None:
        agent_window = f"the standing window of agent {cov.covered.agent.id}"
        label = cov.covered.task.id if cov.covered.task else agent_window
        return "design", f"inside {label}: its window and allowed actions"
    if break_glass:
        return "control-failure", "a break-glass identity was used outside an approved window"
    if cov.closed and cov.in_window is None:
        ids = ", ".join(ap.task.id if ap.task else f"agent {ap.agent.id} window" for ap in cov.closed)
        return "control-failure", f"after the task window closed ({ids})"
    allowed = "a policy allowed it" if decision in (None, "Allow") else \
        f"today's policies answer {decision}, so the grant that allowed it has since changed"
    if cov.in_window is not None:
        label = cov.in_window.task.id if cov.in_window.task else f"agent {cov.in_window.agent.id}'s window"
        return "misconfiguration", (f"inside {label} but {event.action} is not among its allowed actions; "
                                    f"{allowed}")
    return "misconfiguration", f"no task covers it; {allowed}"


def _approval_layer(agents: list[str], cov: Coverage) -> dict[str, Any]:
    ap = cov.covered or cov.in_window
    layer: dict[str, Any] = {
        "covered": cov.covered is not None,
        "task": ap.task.id if ap and ap.task else None,
        "agent": ap.agent.id if ap else (agents[0] if agents else None),
        "agents": agents,
        "window": ap.window.as_dict() if ap and ap.window else None,
        "requested_by": ap.requested_by if ap else None,
        "approver": ap.approver if ap else None,
        "reason": ap.reason if ap else None,
        "allowed_actions": list(ap.allowed_actions) if ap else [],
        "in_window": ap is not None,
        "action_in_scope": cov.covered is not None,
    }
    if ap is None and cov.closed:
        last = cov.closed[-1]
        layer["closed_task"] = last.task.id if last.task else None
        layer["closed_window"] = last.window.as_dict() if last.window else None
    return layer


def _guardrails(ev: Evaluator, principal: str | None) -> list[dict[str, Any]]:
    snap = ev.snapshot
    out: list[dict[str, Any]] = []
    p = snap.principals.get(principal or "")
    if p is None:
        return out
    org = snap.organization
    if org is not None and p.account_id != org.management_account_id and not p.service_linked:
        chain = org.member_accounts.get(p.account_id, [])
        for pol in org.policies:
            if pol.kind == "SCP" and set(pol.targets) & set(chain):
                out.append({"kind": "SCP", "name": pol.name,
                            "targets": sorted(set(pol.targets) & set(chain))})
    if p.boundary_arn:
        out.append({"kind": "permissions-boundary", "name": p.boundary_arn})
    for s in ev.identity_statements(p):
        if not s.is_allow:
            out.append({"kind": "deny-statement", "name": s.ref.label()})
    return out


def _resource_for(event: PrivilegeEvent) -> str:
    if event.category == "passrole":
        return "*"
    if event.created:
        return event.created
    if event.targets:
        return event.targets[0]
    return event.policies[0] if event.policies and parse_arn(event.policies[0].split("#")[0]) else "*"


def _oversight(event: PrivilegeEvent, agents: list[str], catalog: AgentCatalog, ev: Evaluator,
               break_glass: bool) -> dict[str, Any]:
    monitors = sorted({m for a in agents for m in catalog.agents[a].monitored_by})
    approvers = sorted({x for a in agents if (x := catalog.agents[a].approver)})
    layer: dict[str, Any] = {"monitored_by": monitors, "approvers": approvers, "break_glass": break_glass,
                             "revoked": any(catalog.agents[a].revoked for a in agents),
                             "guardrails": _guardrails(ev, event.actor.principal)}
    principal = event.actor.principal
    if principal in ev.snapshot.principals:
        caller = ev.caller(principal or "")
        resource = _resource_for(event)
        d = ev.authorize(caller, event.action, resource, open_world=True)
        checks = [{"action": event.action, "resource": resource, "decision": d.decision,
                   "conditional": d.conditional, "statements": [s.label() for s in d.statements],
                   "checks": list(d.checks)}]
        for role in event.passed_roles:
            pr = ev.authorize(caller, "iam:PassRole", role, {"iam:PassedToService": event.event_source},
                              open_world=True)
            checks.append({"action": "iam:PassRole", "resource": role, "decision": pr.decision,
                           "conditional": pr.conditional, "statements": [s.label() for s in pr.statements],
                           "checks": list(pr.checks)})
        layer["evaluated"] = checks
        layer["decision"] = "ExplicitDeny" if any(c["decision"] == "ExplicitDeny" for c in checks) else \
            "Allow" if all(c["decision"] == "Allow" for c in checks) else "ImplicitDeny"
    else:
        layer["evaluated"] = []
        layer["decision"] = None
        layer["note"] = "the calling identity is not in the IAM snapshot: no policy was re-evaluated"
    return layer


def _identity_layer(event: PrivilegeEvent, agents: list[str], sessions: SessionIndex,
                    owners: dict[str, Ownership]) -> dict[str, Any]:
    actor = event.actor
    layer = actor.as_dict()
    layer["role"] = actor.principal if actor.type == "AssumedRole" else None
    layer["agents"] = agents
    origin = sessions.origin(actor)
    layer["session_tags"] = dict(origin.session_tags) if origin else {}
    layer["session_origin_event"] = origin.event_id if origin else None
    trace = sessions.human_behind(actor)
    layer["human"] = trace.human
    layer["human_via"] = trace.via if trace.human else None
    owner = owners.get(actor.principal or "")
    layer["owner"] = owner.owner if owner else None
    layer["owner_source"] = owner.source if owner else None
    return layer


def _event_layer(event: PrivilegeEvent) -> dict[str, Any]:
    return {"event_name": event.event_name, "api": event.api, "action": event.action,
            "event_source": event.event_source, "event_time": event.event_time,
            "account_id": event.account_id,
            "region": event.region, "category": event.category, "targets": event.targets,
            "policies": event.policies, "passed_roles": event.passed_roles, "created": event.created,
            "new_session": event.new_session, "source_identity_set": event.new_source_identity,
            "session_tags_set": event.session_tags, "succeeded": event.succeeded,
            "error_code": event.error_code,
            "request": event.request}


@dataclass
class Evidence:
    event: PrivilegeEvent
    agents: list[str]
    classification: str
    reason: str
    outside_window: bool  # a call by an agent's identity that no approval window covers
    out_of_scope: bool  # a call by an agent's identity inside a window but outside its allowed actions
    task: str | None
    layers: dict[str, dict[str, Any]]

    def trail(self) -> dict[str, Any]:
        """The `trail` JSON contract."""
        return {"event_id": self.event.event_id, "task_approval": self.layers["task_approval"],
                "identity_proof": self.layers["identity_proof"],
                "privilege_event": self.layers["privilege_event"],
                "oversight": self.layers["oversight"], "classification": self.classification}


def evidence(event: PrivilegeEvent, snapshot: Snapshot, catalog: AgentCatalog, owners: dict[str, Ownership],
             ev: Evaluator, sessions: SessionIndex) -> Evidence:
    agents = event_agents(event, catalog)
    cov = coverage(event, agents, catalog)
    bg = is_break_glass(event.actor.principal, snapshot, catalog) or any(
        is_break_glass(t, snapshot, catalog) for t in event.targets if event.category == "assume")
    oversight = _oversight(event, agents, catalog, ev, bg)
    cls, why = classify(event, agents, cov, bg, catalog, oversight.get("decision"))
    oversight["verdict"] = why
    layers = {"task_approval": _approval_layer(agents, cov),
              "identity_proof": _identity_layer(event, agents, sessions, owners),
              "privilege_event": _event_layer(event), "oversight": oversight}
    in_window = cov.covered is not None or cov.in_window is not None
    task = cov.covered or cov.in_window
    # The window findings are about calls an agent's own identity made; the platform starting a session, or a
    # human entering a break-glass role, is classified above but is not the agent acting.
    acted = bool(catalog.agents_of(event.actor.principal or ""))
    return Evidence(event, agents, cls, why, acted and not in_window,
                    acted and cov.covered is None and cov.in_window is not None,
                    task.task.id if task and task.task else None, layers)

"""Accountability findings: pure functions from what the graph holds to what a human must look at.

Each rule reads plain rows (the same rows the named queries return from either store), so the rules are
testable without a database and both stores give the same findings. Severity and framework references come
from `graph_model/frameworks/mappings.yaml`, never from code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph_model.frameworks import finding_refs, finding_severity

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
KINDS = ("unowned-escalation", "break-glass-unbounded", "vendor-hosted-escalation", "outside-task-window",
         "outside-task-scope", "agent-long-lived-keys", "agent-conflict")


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    detail: str
    severity: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject,
                "severity": self.severity or finding_severity(self.kind),
                "detail": self.detail, "frameworks": finding_refs(self.kind)}


@dataclass(frozen=True)
class Reach:
    """How a subject reaches administrator: already is, or by the shortest path (`route` is readable text)."""

    subject: str
    is_admin: bool
    route: str = ""
    hops: int = 0
    conditional: bool = False


@dataclass
class FindingInputs:
    owners: Sequence[Mapping[str, Any]] = field(default_factory=list)  # identity, owner, source
    reach: dict[str, Reach] = field(default_factory=dict)
    agents: Sequence[Mapping[str, Any]] = field(default_factory=list)  # the `agents` query rows
    agent_identities: Sequence[Mapping[str, Any]] = field(default_factory=list)  # the `agent_identities` rows
    break_glass_identities: Sequence[Mapping[str, Any]] = field(default_factory=list)
    events: Sequence[Mapping[str, Any]] = field(default_factory=list)  # the `privilege_events` rows


def _reach_text(r: Reach) -> str:
    if r.is_admin:
        return "is administrator-equivalent"
    cond = " (only when its conditions hold)" if r.conditional else ""
    return f"reaches admin in {r.hops} step{'s' if r.hops != 1 else ''}{cond}: {r.route}"


def unowned_escalation(owners: Iterable[Mapping[str, Any]], reach: Mapping[str, Reach]) -> list[Finding]:
    out = []
    for row in owners:
        subject = str(row["identity"])
        if row.get("owner") or subject not in reach:
            continue
        r = reach[subject]
        what = "agent" if row.get("is_agent") else "identity"
        out.append(Finding("unowned-escalation", subject,
                           f"no accountable human for this {what} (no manifest owner, owner tag, CloudTrail "
                           f"creator or account owner) and it {_reach_text(r)}"))
    return out


def _bounded(agent: Mapping[str, Any]) -> tuple[bool, str]:
    missing = []
    if not (agent.get("window_start") and agent.get("window_end")):
        missing.append("a time window")
    if not (agent.get("approver") or agent.get("monitored_by")):
        missing.append("a reviewer")
    return not missing, " and ".join(missing)


def break_glass_unbounded(agents: Iterable[Mapping[str, Any]], agent_identities: Iterable[Mapping[str, Any]],
                          tagged: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """Break-glass access is acceptable only pre-approved, time-boxed and reviewed: report every break-glass
    agent, and every identity it runs as, that lacks a window or a reviewer; and every identity tagged
    `agentpath:break-glass=true` that no bounded agent covers."""
    by_id = {str(a["id"]): a for a in agents}
    runs_as: dict[str, list[str]] = {}
    for row in agent_identities:
        runs_as.setdefault(str(row["identity"]), []).append(str(row["agent"]))
    out: list[Finding] = []
    reported: set[str] = set()
    for agent_id, a in sorted(by_id.items()):
        if not a.get("break_glass"):
            continue
        ok, missing = _bounded(a)
        if ok:
            continue
        out.append(Finding("break-glass-unbounded", agent_id, f"break-glass agent without {missing}"))
        reported.add(agent_id)
        for identity, owners in sorted(runs_as.items()):
            if agent_id in owners and identity not in reported:
                out.append(Finding("break-glass-unbounded", identity,
                                   f"break-glass identity of agent {agent_id}, which lacks {missing}"))
                reported.add(identity)
    for row in tagged:
        identity = str(row["identity"])
        if identity in reported:
            continue
        covering = [by_id[a] for a in runs_as.get(identity, []) if a in by_id]
        if any(_bounded(a)[0] for a in covering):
            continue
        out.append(Finding("break-glass-unbounded", identity,
                           "tagged agentpath:break-glass=true but no agent declares a time window and a "
                           "reviewer for it"))
        reported.add(identity)
    return out


def vendor_hosted_escalation(agents: Iterable[Mapping[str, Any]],
                             reach: Mapping[str, Reach]) -> list[Finding]:
    out = []
    for a in agents:
        agent_id = str(a["id"])
        if a.get("vendor_hosted") and agent_id in reach:
            out.append(Finding("vendor-hosted-escalation", agent_id,
                               f"its inference runs at a vendor, outside your account's controls, and it "
                               f"{_reach_text(reach[agent_id])}"))
    return out


def event_findings(events: Iterable[Mapping[str, Any]]) -> list[Finding]:
    out = []
    for e in events:
        agents = ", ".join(e.get("agents") or [])
        who = e.get("principal") or e.get("actor_arn")
        what = (f"{e.get('event_name')} at {e.get('event_time')} by {who} "
                f"(agent {agents})")
        failed = "" if e.get("succeeded", True) else f"; the call failed ({e.get('error_code')})"
        if e.get("outside_window"):
            out.append(Finding("outside-task-window", str(e["event_id"]),
                               f"{what}: no approved task window covers it; classified "
                               f"{e.get('classification')}{failed}"))
        elif e.get("out_of_scope"):
            out.append(Finding("outside-task-scope", str(e["event_id"]),
                               f"{what}: inside task {e.get('task') or '(standing window)'} but not among "
                               "its "
                               f"allowed actions; classified {e.get('classification')}{failed}"))
    return out


def long_lived_keys(agent_identities: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """An agent that is an IAM user with an active long-term access key: a secret that never expires.

    GAAD carries no key state, so `access_keys_active` (set at ingest by `cloudtrail.access_keys`) comes from
    the bundle's `credential_report` rows (`access_key_1_active`/`access_key_2_active`, authoritative when
    the user is listed) or else from CloudTrail: a CreateAccessKey with no later DeleteAccessKey or
    UpdateAccessKey to Inactive, or a call signed with the user's AKIA key. The evidence is in the detail."""
    by_identity: dict[str, list[Mapping[str, Any]]] = {}
    for row in agent_identities:
        if row.get("kind") == "user" and row.get("access_keys_active"):
            by_identity.setdefault(str(row["identity"]), []).append(row)
    out = []
    for identity, rows in sorted(by_identity.items()):
        agents = ", ".join(sorted(str(r["agent"]) for r in rows))
        out.append(Finding("agent-long-lived-keys", identity,
                           f"IAM user behind agent {agents} holds an active long-term access key "
                           f"({rows[0].get('access_key_evidence')}); agents should use short-lived role "
                           "sessions"))
    return out


def conflict_findings(agents: Iterable[Mapping[str, Any]]) -> list[Finding]:
    out = []
    for a in agents:
        raw = a.get("conflicts") or "[]"
        for c in json.loads(raw) if isinstance(raw, str) else raw:
            out.append(Finding("agent-conflict", str(a["id"]), f"{c.get('kind')}: {c.get('detail')}"))
    return out


def all_findings(inputs: FindingInputs) -> list[dict[str, Any]]:
    found = (unowned_escalation(inputs.owners, inputs.reach)
             + break_glass_unbounded(inputs.agents, inputs.agent_identities, inputs.break_glass_identities)
             + vendor_hosted_escalation(inputs.agents, inputs.reach)
             + event_findings(inputs.events)
             + long_lived_keys(inputs.agent_identities)
             + conflict_findings(inputs.agents))
    out = [f.as_dict() for f in dict.fromkeys(found)]
    return sorted(out, key=lambda f: (SEVERITY_ORDER.get(f["severity"], 9), f["kind"], f["subject"],
                                      f["detail"]))

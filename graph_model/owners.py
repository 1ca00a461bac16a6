"""The accountable human for every identity and agent, always with where the claim came from.

Resolution order (the first that answers wins): the agents manifest; owner tags (`owner`, `agentpath:owner`,
keys compared case-insensitively); the creator seen in CloudTrail (the caller of `CreateRole`/`CreateUser`,
followed through assumed-role sessions to the human behind them: the session's source identity, an e-mail
session name such as an IAM Identity Center session, or the AssumeRole call that made the session; when the
creator is an IAM identity with no human in sight, that identity's own owner answers); the account's declared
owner; otherwise none, which the findings report as unowned.

An agent and the identities it runs as answer to the same human: a manifest owner of an agent owns its
`runs_as` identities, and an agent with no declared owner takes the owner of the identity it runs as.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_model.agents import AgentCatalog
from graph_model.cloudtrail import PrivilegeEvent, SessionIndex
from graph_model.snapshot import Snapshot

SOURCES = ("manifest", "tag", "cloudtrail-creator", "account", "none")
OWNER_TAGS = ("owner", "agentpath:owner")
RANK = {s: i for i, s in enumerate(SOURCES)}


@dataclass(frozen=True)
class Ownership:
    subject: str  # an identity ARN or an agent id
    owner: str | None
    source: str  # one of SOURCES
    team: str | None = None
    evidence: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"identity": self.subject, "owner": self.owner, "source": self.source, "team": self.team}


NONE = "none"


def creators(events: list[PrivilegeEvent]) -> dict[str, PrivilegeEvent]:
    """Created identity ARN -> the latest successful CreateRole/CreateUser that made it (a role deleted and
    made again answers to whoever made it last)."""
    out: dict[str, PrivilegeEvent] = {}
    for e in events:
        if e.created and e.succeeded and e.api in ("CreateRole", "CreateUser", "CreateServiceLinkedRole"):
            prev = out.get(e.created)
            if prev is None or (e.event_time, e.event_id) >= (prev.event_time, prev.event_id):
                out[e.created] = e
    return out


class OwnerResolver:
    def __init__(self, snapshot: Snapshot, catalog: AgentCatalog, events: list[PrivilegeEvent]) -> None:
        self.snap = snapshot
        self.catalog = catalog
        self.sessions = SessionIndex(events)
        self.created_by = creators(events)
        self._by_name = {(p.kind, p.account_id, p.name): p.arn for p in snapshot.principals.values()}
        self._memo: dict[str, Ownership] = {}
        self._busy: set[str] = set()

    # --- teams ----------------------------------------------------------------------------------------------
    def person_team(self, owner: str | None) -> str | None:
        if not owner:
            return None
        person = self.catalog.people.get(owner) or next(
            (p for k, p in self.catalog.people.items() if k.lower() == owner.lower()), None)
        team = person.get("team") if person else None
        return str(team) if team else None

    def _identity_team(self, arn: str, owner: str | None) -> str | None:
        p = self.snap.principals.get(arn)
        for agent_id in self.catalog.agents_of(arn):
            agent = self.catalog.agents[agent_id]
            if agent.declared and agent.owner and agent.owner == owner and agent.sponsor_team:
                return agent.sponsor_team
        return self.person_team(owner) or (p.tag("team") if p else None)

    # --- identities -----------------------------------------------------------------------------------------
    def _manifest_owner(self, arn: str) -> tuple[str | None, str]:
        declared = [self.catalog.agents[a] for a in self.catalog.agents_of(arn)]
        owners = sorted({(a.owner, a.id) for a in declared if a.declared and a.owner})
        if not owners:
            return None, ""
        distinct = sorted({o for o, _ in owners})
        if len(distinct) > 1:
            for _, agent_id in owners:
                self.catalog.conflict("owner-mismatch", agent_id,
                                      f"{arn} is run by agents with different manifest owners: "
                                      f"{', '.join(f'{a} ({o})' for o, a in owners)}", "manifest")
        owner, agent_id = owners[0]
        return owner, f"manifest owner of agent {agent_id}"

    def _tag_owner(self, arn: str) -> str | None:
        p = self.snap.principals.get(arn)
        if p is None:
            return None
        for key in OWNER_TAGS:
            value = p.tag(key)
            if value:
                return value.strip()
        return None

    def _creator_owner(self, arn: str) -> tuple[str | None, str]:
        event = self.created_by.get(arn)
        if event is None:
            return None, ""
        trace = self.sessions.human_behind(event.actor)
        if trace.human:
            return trace.human, f"created by {event.actor.arn} in event {event.event_id} ({trace.via})"
        if trace.identity and trace.identity != arn:
            behind = self.identity(trace.identity)
            if behind.owner and behind.source in ("manifest", "tag", "cloudtrail-creator"):
                return behind.owner, (f"created by {trace.identity} in event {event.event_id}, "
                                      f"whose owner is {behind.owner} ({behind.source})")
        return None, ""

    def identity(self, arn: str) -> Ownership:
        if arn in self._memo:
            return self._memo[arn]
        if arn in self._busy:
            return Ownership(arn, None, NONE)  # a creation cycle: no answer through this route
        self._busy.add(arn)
        try:
            result = self._resolve_identity(arn)
        finally:
            self._busy.discard(arn)
        self._memo[arn] = result
        return result

    def _resolve_identity(self, arn: str) -> Ownership:
        owner, evidence = self._manifest_owner(arn)
        tag = self._tag_owner(arn)
        if owner:
            if tag and tag.lower() != owner.lower():
                for agent_id in self.catalog.agents_of(arn):
                    self.catalog.conflict("owner-mismatch", agent_id,
                                          f"the manifest says {owner} owns it, the owner tag on {arn} "
                                          f"says {tag}",
                                          "manifest", "tag")
            return Ownership(arn, owner, "manifest", self._identity_team(arn, owner), evidence)
        if tag:
            return Ownership(arn, tag, "tag", self._identity_team(arn, tag), f"owner tag on {arn}")
        owner, evidence = self._creator_owner(arn)
        if owner:
            return Ownership(arn, owner, "cloudtrail-creator", self._identity_team(arn, owner), evidence)
        p = self.snap.principals.get(arn)
        account = self.snap.accounts.get(p.account_id) if p else None
        if account and account.owner:
            return Ownership(arn, account.owner, "account", self._identity_team(arn, account.owner),
                             f"declared owner of account {account.account_id}")
        return Ownership(arn, None, NONE, p.tag("team") if p else None, "no source names an owner")

    # --- agents ---------------------------------------------------------------------------------------------
    def agent(self, agent_id: str) -> Ownership:
        agent = self.catalog.agents[agent_id]
        team = agent.sponsor_team
        if agent.owner:
            return Ownership(agent_id, agent.owner, "manifest", team or self.person_team(agent.owner),
                             "owner in the agents manifest")
        candidates = [self.identity(arn) for arn in sorted(agent.runs_as)]
        tag = agent.tag("owner") or agent.tag("agentpath:owner")
        if tag:
            candidates.append(Ownership(agent_id, tag.strip(), "tag", None,
                                        "owner tag on the agent's resource"))
        known = sorted((c for c in candidates if c.owner), key=lambda c: RANK[c.source])
        if known:
            best = known[0]
            others = {c.owner for c in known if RANK[c.source] == RANK[best.source]} - {best.owner}
            if others:
                self.catalog.conflict("owner-mismatch", agent_id,
                                      f"its identities answer to different owners: "
                                      f"{', '.join(sorted({str(c.owner) for c in known}))}", best.source)
            return Ownership(agent_id, best.owner, best.source,
                             team or best.team or self.person_team(best.owner),
                             f"owner of the identity it runs as: {best.evidence}")
        return Ownership(agent_id, None, NONE, team, "no source names an owner")


def resolve_owners(snapshot: Snapshot, catalog: AgentCatalog,
                   events: list[PrivilegeEvent]) -> dict[str, Ownership]:
    """Owners of every user, role and agent; disagreements between sources go to `catalog.conflicts`."""
    resolver = OwnerResolver(snapshot, catalog, events)
    out: dict[str, Ownership] = {}
    for p in sorted(snapshot.principals.values(), key=lambda p: p.arn):
        if p.kind in ("user", "role"):
            out[p.arn] = resolver.identity(p.arn)
    for agent_id in sorted(catalog.agents):
        out[agent_id] = resolver.agent(agent_id)
    return out

"""Agents as first-class subjects: what the manifest declares merged with what the bundle and IAM reveal.

Three sources describe agents and none is complete: the manifest (intent, owners, scope), the platform
inventory in `agent_resources` (what actually runs with which role), and IAM alone (roles that Bedrock
may assume, `agentpath:agent` tags). They are merged on stable keys (platform ARN, agent id, tag value);
where they disagree the disagreement is kept as a `Conflict` for a human to settle, never resolved
silently, and both claims stay in the graph with their sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph_model.arn import parse_arn
from graph_model.cloudtrail import IdentityIndex, parse_time
from graph_model.snapshot import Principal, Snapshot
from graph_model.tags import tag_map as _tags
from graph_model.tags import tag_value as _tag

AGENT_KINDS = ("bedrock-agent", "agentcore-runtime", "lambda", "ecs-task", "ec2", "external")
AGENT_SERVICES = {
    "bedrock.amazonaws.com": "bedrock-agent",
    "bedrock-agentcore.amazonaws.com": "agentcore-runtime",
}
AGENT_TAG = "agentpath:agent"
BREAK_GLASS_TAG = "agentpath:break-glass"


@dataclass(frozen=True)
class Window:
    start: str | None
    end: str | None

    def contains(self, when: str) -> bool:
        """Inclusive on both ends; an open end is unbounded; an unreadable time is never inside."""
        t = parse_time(when)
        if t is None:
            return False
        start, end = parse_time(self.start), parse_time(self.end)
        return (start is None or start <= t) and (end is None or t <= end)

    def closed_before(self, when: str) -> bool:
        t, end = parse_time(when), parse_time(self.end)
        return t is not None and end is not None and end < t

    def as_dict(self) -> dict[str, str | None]:
        return {"start": self.start, "end": self.end}


def window_of(raw: Any) -> Window | None:
    if not isinstance(raw, Mapping):
        return None
    start, end = _text(raw.get("start")), _text(raw.get("end"))
    return Window(start, end) if start or end else None


def _text(value: Any) -> str | None:
    """Manifest scalars as text (YAML turns unquoted timestamps into datetimes)."""
    if value is None or value == "":
        return None
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text.replace("+00:00", "Z")
    return str(value)


def _people(value: Any) -> list[str]:
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return []


def _bool(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes", "1"))


@dataclass
class Agent:
    id: str
    name: str
    kind: str
    declared: bool = False  # named in the manifest
    platform_arns: list[str] = field(default_factory=list)
    runs_as: dict[str, list[str]] = field(default_factory=dict)  # identity ARN -> the sources that say so
    sources: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # Bedrock agent ids, resource names, platform ARNs
    owner: str | None = None  # the manifest's accountable human
    sponsor_team: str | None = None
    approver: str | None = None
    monitored_by: list[str] = field(default_factory=list)
    purpose: str | None = None
    allowed_actions: list[str] = field(default_factory=list)
    window: Window | None = None
    revocation: str | None = None
    revoked: bool = False
    revoked_at: str | None = None
    vendor_hosted: bool = False
    break_glass: bool = False
    delegates_to: list[tuple[str, str]] = field(default_factory=list)  # declared (agent, mechanism)
    workload_identities: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)  # tags on the platform resource

    def add_source(self, source: str) -> None:
        if source not in self.sources:
            self.sources.append(source)

    def add_runs_as(self, arn: str, source: str) -> None:
        found = self.runs_as.setdefault(arn, [])
        if source not in found:
            found.append(source)

    def add_alias(self, *values: str | None) -> None:
        for v in values:
            if v and v != self.id and v not in self.aliases:
                self.aliases.append(v)

    def tag(self, key: str) -> str | None:
        wanted = key.lower()
        return next((v for k, v in self.tags.items() if k.lower() == wanted), None)


@dataclass(frozen=True)
class Conflict:
    """Two sources disagree about an agent; reported as a finding, never settled by the tool."""

    kind: str  # kind-mismatch | runs-as-mismatch | platform-mismatch | identity-claimed | owner-mismatch ...
    agent: str
    detail: str
    sources: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "agent": self.agent, "detail": self.detail, "sources": list(self.sources)}


@dataclass(frozen=True)
class Task:
    """An approved unit of agent work (manifest `tasks`)."""

    id: str
    agent: str
    requested_by: str | None
    approved_by: str | None
    reason: str | None
    window: Window | None
    allowed_actions: tuple[str, ...] = ()


@dataclass
class AgentCatalog:
    agents: dict[str, Agent] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    people: dict[str, dict[str, Any]] = field(default_factory=dict)  # e-mail -> manifest entry
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (supervisor, collaborator, alias ARN) from Bedrock's collaborator inventory
    collaborators: list[tuple[str, str, str]] = field(default_factory=list)
    #: Lookups built by `freeze()` once discovery is done; while it runs, answers are computed afresh.
    _by_identity: dict[str, list[str]] | None = field(default=None, repr=False)
    _by_alias: dict[str, str | None] | None = field(default=None, repr=False)

    def freeze(self) -> None:
        """Discovery is over: index identities and aliases so per-event lookups stay O(1) on big estates."""
        self._by_identity = self.identities()
        by_alias: dict[str, str | None] = {}
        for a in self.agents.values():
            for name in set(a.aliases) | set(a.platform_arns):
                by_alias[name] = None if name in by_alias and by_alias[name] != a.id else a.id
        self._by_alias = by_alias

    def agents_of(self, identity: str) -> list[str]:
        if self._by_identity is not None:
            return list(self._by_identity.get(identity, []))
        return sorted(a.id for a in self.agents.values() if identity in a.runs_as)

    def identities(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for a in self.agents.values():
            for arn in a.runs_as:
                out.setdefault(arn, []).append(a.id)
        return {k: sorted(v) for k, v in out.items()}

    def resolve(self, name: str) -> str | None:
        """An agent id, or any alias of one (Bedrock agent id, resource name, platform ARN)."""
        if name in self.agents:
            return name
        if self._by_alias is not None:
            return self._by_alias.get(name)
        hits = [a.id for a in self.agents.values() if name in a.aliases or name in a.platform_arns]
        return hits[0] if len(hits) == 1 else None

    def conflict(self, kind: str, agent: str, detail: str, *sources: str) -> None:
        c = Conflict(kind, agent, detail, tuple(sources))
        if c not in self.conflicts:
            self.conflicts.append(c)


def _kind_from_arn(arn: str | None) -> str | None:
    parsed = parse_arn(arn or "")
    if parsed is None:
        return None
    if parsed.service == "bedrock" and parsed.resource_type in ("agent", "agent-alias"):
        return "bedrock-agent"
    if parsed.service == "bedrock-agentcore":
        return "agentcore-runtime" if parsed.resource_type == "runtime" else "external"
    if parsed.service == "lambda":
        return "lambda"
    if parsed.service == "ecs":
        return "ecs-task"
    if parsed.service == "ec2":
        return "ec2"
    return None


def bedrock_agent_id(arn: str | None) -> str | None:
    """`...:agent/AG1` and `...:agent-alias/AG1/ALIAS` -> `AG1`."""
    parsed = parse_arn(arn or "")
    if parsed is None or parsed.service != "bedrock":
        return None
    parts = parsed.resource.split("/")
    if parts[0] in ("agent", "agent-alias") and len(parts) >= 2:
        return parts[1]
    return None


# --- the manifest -------------------------------------------------------------------------------------------
def _from_manifest(manifest: Mapping[str, Any], catalog: AgentCatalog) -> None:
    for person in manifest.get("people", []) or []:
        catalog.people[str(person["id"])] = dict(person)
    for team in manifest.get("teams", []) or []:
        catalog.teams[str(team["id"])] = dict(team)
    for raw in manifest.get("agents", []) or []:
        agent_id = str(raw["id"])
        platform = _text(raw.get("platform_arn"))
        kind = str(raw.get("kind") or _kind_from_arn(platform) or "external")
        agent = Agent(agent_id, str(raw.get("name") or agent_id), kind, declared=True)
        agent.add_source("manifest")
        if platform:
            agent.platform_arns.append(platform)
            agent.add_alias(bedrock_agent_id(platform))
        for arn in raw.get("runs_as", []) or []:
            agent.add_runs_as(str(arn), "manifest")
        agent.owner = _text(raw.get("owner"))
        agent.sponsor_team = _text(raw.get("sponsor_team"))
        agent.approver = _text(raw.get("approver"))
        agent.monitored_by = _people(raw.get("monitored_by"))
        agent.purpose = _text(raw.get("purpose"))
        agent.allowed_actions = [str(a) for a in raw.get("allowed_actions", []) or []]
        agent.window = window_of(raw.get("task_window"))
        agent.revocation = _text(raw.get("revocation"))
        revoked = raw.get("revoked")
        agent.revoked = (
            _bool(revoked)
            or str(raw.get("status", "")).lower() == "revoked"
            or (revoked is not None and not isinstance(revoked, bool) and parse_time(revoked) is not None)
        )
        agent.revoked_at = _text(raw.get("revoked_at")) or (_text(revoked) if parse_time(revoked) else None)
        agent.vendor_hosted = _bool(raw.get("vendor_hosted"))
        agent.break_glass = _bool(raw.get("break_glass"))
        for item in raw.get("delegates_to", []) or []:
            if isinstance(item, str):
                agent.delegates_to.append((item, "declared"))
            elif isinstance(item, Mapping) and item.get("agent"):
                agent.delegates_to.append((str(item["agent"]), str(item.get("mechanism") or "declared")))
        if agent_id in catalog.agents:
            catalog.conflict(
                "duplicate-id", agent_id, "the manifest declares this agent id twice", "manifest"
            )
        catalog.agents[agent_id] = agent
    for raw in manifest.get("tasks", []) or []:
        actions = tuple(str(a) for a in raw.get("allowed_actions", []) or [])
        catalog.tasks.append(
            Task(
                str(raw["id"]),
                str(raw.get("agent") or ""),
                _text(raw.get("requested_by")),
                _text(raw.get("approved_by")),
                _text(raw.get("reason")),
                window_of(raw.get("window")),
                actions,
            )
        )


# --- platform inventory -------------------------------------------------------------------------------------
class _Merger:
    """Finds the agent a discovered resource belongs to, or creates it, and records disagreements."""

    def __init__(self, catalog: AgentCatalog, index: IdentityIndex) -> None:
        self.catalog = catalog
        self.index = index  # role ARNs as the export spells them (with their paths)

    def by_platform(self, arns: Iterable[str | None]) -> Agent | None:
        wanted = {a for a in arns if a}
        bedrock_ids = {b for a in wanted if (b := bedrock_agent_id(a))}
        for agent in self.catalog.agents.values():
            if wanted & set(agent.platform_arns):
                return agent
            if bedrock_ids and bedrock_ids & {bedrock_agent_id(a) for a in agent.platform_arns}:
                return agent
        return None

    def find(self, arns: Iterable[str | None], names: Iterable[str | None]) -> Agent | None:
        hit = self.by_platform(arns)
        if hit is not None:
            return hit
        for name in names:
            if name and name in self.catalog.agents:
                return self.catalog.agents[name]
        return None

    def free_id(self, *candidates: str | None) -> str:
        for c in candidates:
            if c and c not in self.catalog.agents:
                return c
        base = next(c for c in candidates if c)
        n = 2
        while f"{base}-{n}" in self.catalog.agents:
            n += 1
        return f"{base}-{n}"

    def merge(
        self,
        *,
        source: str,
        kind: str,
        platform: str | None,
        names: list[str | None],
        role: str | None,
        new_id: list[str | None],
        extra_arns: Iterable[str | None] = (),
    ) -> Agent:
        role = self.index.canonical(role) if role else None
        agent = self.find([platform, *extra_arns], names)
        if agent is None:
            agent = Agent(self.free_id(*new_id), next((n for n in names if n), "") or "", kind)
            self.catalog.agents[agent.id] = agent
        elif agent.declared:
            if agent.kind != kind and not (agent.kind == "external" and not agent.platform_arns):
                self.catalog.conflict(
                    "kind-mismatch",
                    agent.id,
                    f"the manifest says kind {agent.kind}; {source} {platform} says {kind}",
                    "manifest",
                    source,
                )
            if (
                platform
                and agent.platform_arns
                and platform not in agent.platform_arns
                and bedrock_agent_id(platform) not in {bedrock_agent_id(a) for a in agent.platform_arns}
            ):
                self.catalog.conflict(
                    "platform-mismatch",
                    agent.id,
                    f"the manifest names platform {', '.join(agent.platform_arns)}; "
                    f"{source} {platform} also claims this agent",
                    "manifest",
                    source,
                )
            declared_roles = [a for a, s in agent.runs_as.items() if "manifest" in s]
            if role and declared_roles and role not in declared_roles:
                where = f"{source} {platform}" if platform else source
                self.catalog.conflict(
                    "runs-as-mismatch",
                    agent.id,
                    f"the manifest says it runs as {', '.join(declared_roles)}; {where} runs as {role}",
                    "manifest",
                    source,
                )
        agent.add_source(source)
        if platform and platform not in agent.platform_arns:
            agent.platform_arns.append(platform)
        agent.add_alias(*names, platform, *extra_arns)
        if role:
            agent.add_runs_as(role, source)
        return agent


def _unwrap(item: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """`GetAgent` returns `{"agent": {...}}`; inventories often store the inner object. Accept both."""
    inner = item.get(key)
    return inner if isinstance(inner, Mapping) else item


def _from_resources(res: Mapping[str, Any], snapshot: Snapshot, catalog: AgentCatalog) -> None:
    m = _Merger(catalog, IdentityIndex(snapshot))
    for item in res.get("bedrock_agents", []) or []:
        a = _unwrap(item, "agent")
        arn, agent_id, name = a.get("agentArn"), a.get("agentId"), a.get("agentName")
        if not (arn or agent_id):
            continue
        tags = _tags(a.get("tags") or item.get("tags"))
        agent = m.merge(
            source="bedrock-agent",
            kind="bedrock-agent",
            platform=arn,
            names=[_tag(tags, AGENT_TAG), name, agent_id],
            role=a.get("agentResourceRoleArn"),
            new_id=[_tag(tags, AGENT_TAG), name, agent_id],
        )
        agent.add_alias(agent_id)
        agent.tags.update(tags)
    for item in res.get("agentcore_runtimes", []) or []:
        a = _unwrap(item, "agentRuntime")
        arn, rid, name = a.get("agentRuntimeArn"), a.get("agentRuntimeId"), a.get("agentRuntimeName")
        if not (arn or rid):
            continue
        workload = (a.get("workloadIdentityDetails") or {}).get("workloadIdentityArn")
        # AgentCore names a runtime's workload identity after the runtime: a name when the inventory has none.
        workload_name = str(workload).rsplit("/", 1)[-1] if workload else None
        tags = _tags(a.get("tags") or item.get("tags"))
        names = [_tag(tags, AGENT_TAG), name, workload_name, rid]
        agent = m.merge(
            source="agentcore-runtime",
            kind="agentcore-runtime",
            platform=arn,
            names=names,
            role=a.get("roleArn"),
            new_id=names,
            extra_arns=[workload],
        )
        if workload and workload not in agent.workload_identities:
            agent.workload_identities.append(workload)
        agent.tags.update(tags)
    for item in res.get("workload_identities", []) or []:
        a = _unwrap(item, "workloadIdentity")
        arn, name = a.get("workloadIdentityArn"), a.get("name")
        if not arn:
            continue
        owner = next((ag for ag in catalog.agents.values() if arn in ag.workload_identities), None)
        if owner is None:
            owner = m.merge(
                source="agentcore-workload-identity",
                kind="external",
                platform=arn,
                names=[name],
                role=None,
                new_id=[name, arn.rsplit("/", 1)[-1]],
            )
        if arn not in owner.workload_identities:
            owner.workload_identities.append(arn)
    for item in res.get("lambda_functions", []) or []:
        f = _unwrap(item, "Configuration")
        arn, name, role = f.get("FunctionArn"), f.get("FunctionName"), f.get("Role")
        tags = _tags(item.get("Tags") or f.get("Tags"))
        tagged = _tag(tags, AGENT_TAG)
        if m.by_platform([arn]) is None and not tagged:
            continue  # an ordinary function, not an agent
        agent = m.merge(
            source="lambda",
            kind="lambda",
            platform=arn,
            names=[tagged, name],
            role=role,
            new_id=[tagged, name],
        )
        agent.tags.update(tags)
    for item in res.get("ecs_task_definitions", []) or []:
        t = _unwrap(item, "taskDefinition")
        arn, role = t.get("taskDefinitionArn"), t.get("taskRoleArn")
        tags = _tags(item.get("tags") or t.get("tags"))
        tagged = _tag(tags, AGENT_TAG)
        if m.by_platform([arn]) is None and not tagged:
            continue
        agent = m.merge(
            source="ecs-task",
            kind="ecs-task",
            platform=arn,
            names=[tagged, t.get("family")],
            role=role,
            new_id=[tagged, t.get("family")],
        )
        agent.tags.update(tags)
    for item in res.get("ec2_instances", []) or []:
        instance_id = item.get("InstanceId")
        tags = _tags(item.get("Tags"))
        tagged = _tag(tags, AGENT_TAG)
        account = item.get("OwnerId") or ""
        region = item.get("Region", "")
        arn = item.get("InstanceArn") or (
            f"arn:aws:ec2:{region}:{account}:instance/{instance_id}" if instance_id else None
        )
        if m.by_platform([arn]) is None and not tagged:
            continue
        profile = (item.get("IamInstanceProfile") or {}).get("Arn")
        roles = [p.arn for p in snapshot.roles() if profile and profile in p.instance_profile_arns]
        agent = m.merge(
            source="ec2",
            kind="ec2",
            platform=arn,
            names=[tagged, instance_id],
            role=roles[0] if roles else None,
            new_id=[tagged, instance_id],
        )
        agent.tags.update(tags)
    _collaborators(res, catalog, m)


def _collaborators(res: Mapping[str, Any], catalog: AgentCatalog, m: _Merger) -> None:
    """Supervisor -> collaborator links: the supervisor by Bedrock agent id, the collaborator by the agent id
    inside its alias ARN, else by its collaborator name when an agent of that id is known (manifest or
    inventory). A collaborator nothing describes still becomes an agent (its role unknown), so the delegation
    is not lost."""
    for item in res.get("bedrock_agent_collaborators", []) or []:
        c = _unwrap(item, "agentCollaborator")
        supervisor_id = c.get("agentId")
        alias = (c.get("agentDescriptor") or {}).get("aliasArn")
        target_id = bedrock_agent_id(alias)
        if not supervisor_id or not target_id:
            continue
        supervisor = catalog.resolve(str(supervisor_id)) or _by_bedrock_id(catalog, str(supervisor_id))
        if supervisor is None:
            region_account = ":".join(str(alias).split(":")[:5])
            sup = m.merge(
                source="bedrock-collaborator",
                kind="bedrock-agent",
                platform=f"{region_account}:agent/{supervisor_id}",
                names=[str(supervisor_id)],
                role=None,
                new_id=[str(supervisor_id)],
            )
            supervisor = sup.id
        name = c.get("collaboratorName")
        target = _by_bedrock_id(catalog, target_id) or (name if name in catalog.agents else None)
        if target is None:
            region_account = ":".join(str(alias).split(":")[:5])
            agent = m.merge(
                source="bedrock-collaborator",
                kind="bedrock-agent",
                platform=f"{region_account}:agent/{target_id}",
                names=[target_id],
                role=None,
                new_id=[name, target_id],
            )
            target = agent.id
        catalog.agents[target].add_alias(alias)
        link = (supervisor, target, str(alias))
        if link not in catalog.collaborators:
            catalog.collaborators.append(link)


def _by_bedrock_id(catalog: AgentCatalog, bedrock_id: str) -> str | None:
    for agent in catalog.agents.values():
        if bedrock_id in agent.aliases or bedrock_id in {bedrock_agent_id(a) for a in agent.platform_arns}:
            return agent.id
    return None


# --- IAM alone ----------------------------------------------------------------------------------------------
def trusted_agent_service(role: Principal) -> str | None:
    """The agent platform a role's trust policy admits (Bedrock Agents or AgentCore), if any."""
    if role.trust_policy is None:
        return None
    for stmt in role.trust_policy.statements:
        if not stmt.is_allow or not stmt.principals:
            continue
        for service in stmt.principals.get("Service", ()):
            if service in AGENT_SERVICES:
                return service
    return None


def _from_iam(snapshot: Snapshot, catalog: AgentCatalog) -> None:
    m = _Merger(catalog, IdentityIndex(snapshot))
    declared_by_identity = {
        arn: [a.id for a in catalog.agents.values() if "manifest" in a.runs_as.get(arn, [])]
        for arn in snapshot.principals
    }
    for p in sorted(snapshot.principals.values(), key=lambda p: p.arn):
        if p.kind == "group":
            continue
        tagged = p.tag(AGENT_TAG)
        if not tagged:
            continue
        agent = catalog.agents.get(tagged)
        if agent is None:
            service = trusted_agent_service(p) if p.kind == "role" else None
            agent = Agent(tagged, tagged, AGENT_SERVICES[service] if service else "external")
            catalog.agents[tagged] = agent
        agent.add_source("iam-tag")
        agent.add_runs_as(p.arn, "tag")
        others = [a for a in declared_by_identity.get(p.arn, []) if a != tagged]
        if others:
            catalog.conflict(
                "identity-claimed",
                tagged,
                f"{p.arn} is tagged {AGENT_TAG}={tagged} but the manifest lists it under {', '.join(others)}",
                "tag",
                "manifest",
            )
        elif (
            agent.declared
            and any("manifest" in s for s in agent.runs_as.values())
            and "manifest" not in agent.runs_as[p.arn]
        ):
            catalog.conflict(
                "runs-as-mismatch",
                tagged,
                f"{p.arn} is tagged {AGENT_TAG}={tagged} but the manifest does not list it in runs_as",
                "tag",
                "manifest",
            )
    claimed = set(catalog.identities())
    for role in sorted(snapshot.roles(), key=lambda r: r.arn):
        if role.arn in claimed or role.service_linked:
            continue
        service = trusted_agent_service(role)
        if service is None:
            continue
        agent = m.merge(
            source="iam-trust",
            kind=AGENT_SERVICES[service],
            platform=None,
            names=[],
            role=role.arn,
            new_id=[role.name, f"{role.name}@{role.account_id}"],
        )
        agent.name = role.name


def _check_references(snapshot: Snapshot, catalog: AgentCatalog) -> None:
    loaded_accounts = set(snapshot.accounts)
    accounts_with_identities = {p.account_id for p in snapshot.principals.values()}
    for agent in catalog.agents.values():
        for arn in agent.runs_as:
            parsed = parse_arn(arn)
            acct = parsed.account if parsed else None
            if arn not in snapshot.principals and acct in loaded_accounts & accounts_with_identities:
                catalog.conflict(
                    "missing-identity",
                    agent.id,
                    f"runs as {arn}, which the IAM export of account {acct} does not hold",
                    *agent.runs_as[arn],
                )
        for target, _ in agent.delegates_to:
            if catalog.resolve(target) is None:
                catalog.conflict(
                    "unknown-delegate", agent.id, f"declares delegation to unknown agent {target}", "manifest"
                )
    for task in catalog.tasks:
        if catalog.resolve(task.agent) is None:
            catalog.conflict(
                "unknown-agent",
                task.agent or task.id,
                f"task {task.id} names agent {task.agent or '(none)'}, which no source knows",
                "manifest",
            )


def _canonical_identities(snapshot: Snapshot, catalog: AgentCatalog) -> None:
    """A manifest often writes `role/name` where the export has `role/path/name`: same account and name is
    the same role (role names are unique per account), so use the export's ARN."""
    index = IdentityIndex(snapshot)
    for agent in catalog.agents.values():
        fixed: dict[str, list[str]] = {}
        for arn, sources in agent.runs_as.items():
            target = fixed.setdefault(index.canonical(arn) or arn, [])
            target.extend(s for s in sources if s not in target)
        agent.runs_as = fixed


def discover(snapshot: Snapshot) -> AgentCatalog:
    """Every agent the three sources know, merged; disagreements are in `conflicts`."""
    catalog = AgentCatalog()
    if snapshot.agents_manifest:
        _from_manifest(snapshot.agents_manifest, catalog)
        _canonical_identities(snapshot, catalog)
    _from_resources(snapshot.agent_resources or {}, snapshot, catalog)
    _canonical_identities(snapshot, catalog)
    _from_iam(snapshot, catalog)
    _check_references(snapshot, catalog)
    catalog.freeze()
    return catalog

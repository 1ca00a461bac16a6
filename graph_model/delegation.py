"""Delegation between agents: which agent can hand work to which, and by what mechanism.

A delegating agent inherits the reach of its delegates (a supervisor that can invoke a sub-agent can get
whatever the sub-agent's role can do), so delegation edges are path steps like role assumption. Four
mechanisms, each with its evidence: a Bedrock supervisor's collaborator, an invoke permission the policy
evaluator grants (an agent's identity may call another agent's function, alias or runtime), a declaration in
the manifest, and two agents sharing one identity (each can act as the other).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graph_model.agents import Agent, AgentCatalog, bedrock_agent_id
from graph_model.arn import parse_arn
from graph_model.evaluation import Evaluator, _match_actions

#: When several mechanisms connect the same two agents, the link reports the most specific one first: what the
#: platform itself records, then what a human declared, then what IAM permits, then a shared identity.
MECHANISMS = ("bedrock-collaborator", "declared", "invoke-permission", "shared-role")
#: Every Bedrock agent has this built-in test alias, so an invoke grant can be probed without knowing aliases.
TEST_ALIAS = "TSTALIASID"


@dataclass(frozen=True)
class Delegation:
    source: str
    target: str
    mechanism: str
    evidence: str
    sources: tuple[str, ...] = ()
    conditional: bool = False
    mechanisms: tuple[str, ...] = ()  # every mechanism seen for this link, primary first

    def key(self) -> tuple[str, str]:
        return (self.source, self.target)


def _rank(mechanism: str) -> int:
    # A custom name in the manifest ranks as a declaration.
    return MECHANISMS.index(mechanism) if mechanism in MECHANISMS else 1


def invoke_targets(agent: Agent) -> list[tuple[str, str]]:
    """(action, resource ARN) pairs that invoke this agent on its platform."""
    out: list[tuple[str, str]] = []
    for arn in agent.platform_arns + [a for a in agent.aliases if a.startswith("arn:")]:
        parsed = parse_arn(arn)
        if parsed is None:
            continue
        if parsed.service == "lambda" and parsed.resource.startswith("function:"):
            out.append(("lambda:InvokeFunction", arn))
        elif parsed.service == "bedrock" and parsed.resource_type == "agent-alias":
            out.append(("bedrock:InvokeAgent", arn))
        elif parsed.service == "bedrock" and parsed.resource_type == "agent":
            prefix = arn.rsplit(":", 1)[0]
            out.append(("bedrock:InvokeAgent", f"{prefix}:agent-alias/{bedrock_agent_id(arn)}/{TEST_ALIAS}"))
        elif parsed.service == "bedrock-agentcore" and parsed.resource_type == "runtime":
            out.append(("bedrock-agentcore:InvokeAgentRuntime", arn))
    return list(dict.fromkeys(out))


def _invoke_permissions(catalog: AgentCatalog, ev: Evaluator) -> list[Delegation]:
    out: list[Delegation] = []
    agents = sorted(catalog.agents.values(), key=lambda a: a.id)
    targets = {a.id: invoke_targets(a) for a in agents}
    actions = {action for pairs in targets.values() for action, _ in pairs}
    for source in agents:
        for identity in sorted(source.runs_as):
            principal = ev.snapshot.principals.get(identity)
            if principal is None:
                continue
            caller = ev.caller(identity)
            # Cheap and never wrong in the "no" case: no Allow statement names the action, and no resource
            # policy could grant it instead.
            statements = [s for s in ev.identity_statements(principal) if s.is_allow]
            may = {a for a in actions if any(_match_actions(s, a) for s in statements)}
            for target in agents:
                if target.id == source.id or identity in target.runs_as:
                    continue
                for action, resource in targets[target.id]:
                    if action not in may and resource not in ev.snapshot.resource_policies:
                        continue
                    d = ev.authorize(caller, action, resource, open_world=True)
                    if d.allowed:
                        cited = ", ".join(s.label() for s in d.statements) or "a resource policy"
                        out.append(Delegation(source.id, target.id, "invoke-permission",
                                              f"{identity} may {action} on {resource} ({cited})",
                                              ("iam",), d.conditional))
                        break
    return out


def _shared_roles(catalog: AgentCatalog) -> list[Delegation]:
    out: list[Delegation] = []
    for identity, agent_ids in sorted(catalog.identities().items()):
        for a in agent_ids:
            for b in agent_ids:
                if a != b:
                    out.append(Delegation(a, b, "shared-role", f"both run as {identity}", ("iam",)))
    return out


def delegations(catalog: AgentCatalog, ev: Evaluator) -> list[Delegation]:
    """One delegation link per (source, target); every mechanism that supports it is kept in `mechanisms`
    and the most specific one (see MECHANISMS) is its `mechanism`."""
    found: list[Delegation] = []
    for supervisor, collaborator, alias in catalog.collaborators:
        found.append(Delegation(supervisor, collaborator, "bedrock-collaborator",
                                f"Bedrock collaborator through alias {alias}", ("agent_resources",)))
    for agent in catalog.agents.values():
        for target_name, mechanism in agent.delegates_to:
            target = catalog.resolve(target_name)
            if target is not None and target != agent.id:
                found.append(Delegation(agent.id, target, mechanism, "declared in the agents manifest",
                                        ("manifest",)))
    found += _invoke_permissions(catalog, ev)
    found += _shared_roles(catalog)
    grouped: dict[tuple[str, str], list[Delegation]] = {}
    for d in found:
        grouped.setdefault(d.key(), []).append(d)
    out = []
    for (source, target), items in sorted(grouped.items()):
        items.sort(key=lambda d: _rank(d.mechanism))
        mechanisms = tuple(dict.fromkeys(d.mechanism for d in items))
        sources = tuple(dict.fromkeys(s for d in items for s in d.sources))
        evidence = "; ".join(dict.fromkeys(f"{d.mechanism}: {d.evidence}" for d in items))
        conditional = all(d.conditional for d in items)
        out.append(Delegation(source, target, items[0].mechanism, evidence, sources, conditional, mechanisms))
    return out


def chains(edges: Iterable[Mapping[str, Any]], source: str, max_depth: int = 8) -> list[list[dict[str, str]]]:
    """Every maximal delegation chain from `source`: simple paths (no agent twice) that cannot be extended.

    Each link names its (primary) mechanism; `delegations` keeps one link per pair of agents."""
    by_source: dict[str, list[dict[str, str]]] = {}
    for e in edges:
        link = {"from": str(e["from"]), "to": str(e["to"]), "mechanism": str(e["mechanism"])}
        by_source.setdefault(link["from"], []).append(link)
    for links in by_source.values():
        links.sort(key=lambda x: (x["to"], x["mechanism"]))
    out: list[list[dict[str, str]]] = []

    def walk(node: str, trail: list[dict[str, str]], seen: set[str]) -> None:
        links = by_source.get(node, []) if len(trail) < max_depth else []
        nexts = [link for link in links if link["to"] not in seen]
        if not nexts:
            if trail:
                out.append(list(trail))
            return
        for link in nexts:
            walk(link["to"], trail + [link], seen | {link["to"]})

    walk(source, [], {source})
    return sorted(out, key=lambda c: (len(c), [(x["to"], x["mechanism"]) for x in c]))

"""Turn a snapshot into escalation edges: who can assume, pass, create or modify what.

Each edge names its technique and the statements that allow each action, so an analyst can check every step
against the policy text. The loops prefilter on "could any Allow statement match this action at all", which
keeps large accounts fast without changing any answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph_model.conditions import Tri
from graph_model.evaluation import (
    ADMIN_PROBE_ACTION,
    TRUE,
    Caller,
    Decision,
    Evaluator,
    _match_actions,
    admin_decision,
    allow_outcome,
)
from graph_model.policy import StatementRef
from graph_model.snapshot import Principal, Snapshot
from graph_model.techniques.loader import RequiredAction, Technique, catalogue

REGION = "us-east-1"
ASSUME_TECHNIQUE = "sts-001"


@dataclass
class EscalationEdge:
    source: str
    target: str
    relationship: str  # CAN_ASSUME | CAN_ESCALATE_TO
    technique: str
    category: str
    actions: list[str]
    statements: list[StatementRef]
    conditional: bool = False
    conditions: list[dict[str, Any]] = field(default_factory=list)
    potential: bool = False
    grants_admin: bool = False
    checks: list[str] = field(default_factory=list)
    via: str | None = None  # the resource used (policy ARN, group, function ...)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.source, self.target, self.relationship, self.technique)


@dataclass
class Derived:
    edges: list[EscalationEdge]
    admin: dict[str, Decision]  # principal ARN -> admin decision (Allow, possibly conditional)

    def is_admin(self, arn: str, include_conditional: bool = True) -> bool:
        d = self.admin.get(arn)
        return bool(d and d.allowed and (include_conditional or not d.conditional))


class _Deriver:
    def __init__(self, snapshot: Snapshot, techniques: Iterable[Technique]) -> None:
        self.snap = snapshot
        self.ev = Evaluator(snapshot)
        self.techniques = list(techniques)
        self.actors = [p for p in snapshot.principals.values() if p.kind in ("user", "role") and not p.service_linked]
        self.callers = {p.arn: self.ev.caller(p.arn) for p in self.actors}
        self._may: dict[tuple[str, str], bool] = {}
        self.roles_trusting: dict[str, list[Principal]] = defaultdict(list)
        for role in snapshot.roles():
            if role.service_linked or role.trust_policy is None:
                continue
            for stmt in role.trust_policy.statements:
                if stmt.is_allow and stmt.principals:
                    for service in stmt.principals.get("Service", ()):
                        if role not in self.roles_trusting[service]:
                            self.roles_trusting[service].append(role)

    def may_allow(self, p: Principal, action: str) -> bool:
        """Could any identity Allow statement match the action? Cheap, and never wrong in the "no" case."""
        key = (p.arn, action)
        hit = self._may.get(key)
        if hit is None:
            hit = any(s.is_allow and _match_actions(s, action) for s in self.ev.identity_statements(p))
            self._may[key] = hit
        return hit

    def boundary_permits_admin(self, p: Principal) -> bool:
        doc = self.ev.boundary_document(p)
        if doc is None:
            return True
        ctx = self.ev.context_for(self.callers.get(p.arn) or self.ev.caller(p.arn), {}, True)
        return allow_outcome(doc.statements, ADMIN_PROBE_ACTION, "*", ctx).tri is Tri.TRUE

    def check(self, caller: Caller, ra: RequiredAction, resource: str, extra: dict[str, str] | None = None) -> Decision:
        context = {**ra.context, **(extra or {})}
        return self.ev.authorize(caller, ra.action, resource, context, open_world=True)

    # --- role assumption --------------------------------------------------------------------------------
    def assume_edges(self) -> list[EscalationEdge]:
        edges = []
        by_account: dict[str, list[Principal]] = defaultdict(list)
        for p in self.actors:
            by_account[p.account_id].append(p)
        unique = {p.unique_id: p for p in self.actors if p.unique_id}
        for role in self.snap.roles():
            if role.service_linked or role.trust_policy is None:
                continue  # service-linked roles are never hops for IAM principals
            candidates: dict[str, Principal] = {}
            for stmt in role.trust_policy.statements:
                if not stmt.is_allow:
                    continue
                block = stmt.principals or ({"*": ("*",)} if stmt.not_principals else {})
                values = block.get("AWS", ()) + (("*",) if "*" in block else ())
                for value in values:
                    if value == "*":
                        for p in self.actors:
                            candidates[p.arn] = p
                    elif value in self.snap.principals:
                        candidates[value] = self.snap.principals[value]
                    elif value in unique:
                        candidates[unique[value].arn] = unique[value]
                    else:
                        acct = value.split(":")[4] if value.startswith("arn:") else value
                        if value.startswith("arn:") and not value.endswith(":root"):
                            continue  # a named principal that is not in the snapshot
                        for p in by_account.get(acct, []):
                            if self.may_allow(p, "sts:AssumeRole"):
                                candidates[p.arn] = p
            for arn, p in sorted(candidates.items()):
                if arn == role.arn or p.kind not in ("user", "role") or p.service_linked:
                    continue
                d = self.ev.authorize(self.callers.get(arn) or self.ev.caller(arn), "sts:AssumeRole", role.arn,
                                      open_world=True)
                if d.allowed:
                    edges.append(EscalationEdge(arn, role.arn, "CAN_ASSUME", ASSUME_TECHNIQUE, "principal-access",
                                                ["sts:AssumeRole"], d.statements, d.conditional, d.conditions,
                                                checks=d.checks))
        return edges

    def trust_entry_edges(self) -> list[EscalationEdge]:
        """Service principals and identity providers that a role trusts: where outside identities enter."""
        edges = []
        for role in self.snap.roles():
            if role.service_linked or role.trust_policy is None:
                continue
            for stmt in role.trust_policy.statements:
                if not stmt.is_allow or not stmt.principals:
                    continue
                for service in stmt.principals.get("Service", ()):
                    d = self.ev.authorize(self.ev.caller(service), "sts:AssumeRole", role.arn, open_world=True)
                    if d.allowed:
                        edges.append(EscalationEdge(service, role.arn, "CAN_ASSUME", ASSUME_TECHNIQUE,
                                                    "principal-access", ["sts:AssumeRole"], d.statements,
                                                    d.conditional, d.conditions))
                for provider in stmt.principals.get("Federated", ()):
                    action = "sts:AssumeRoleWithSAML" if "saml-provider" in provider else "sts:AssumeRoleWithWebIdentity"
                    d = self.ev.authorize(self.ev.caller(provider), action, role.arn, open_world=True)
                    if d.allowed:
                        edges.append(EscalationEdge(provider, role.arn, "CAN_ASSUME", ASSUME_TECHNIQUE,
                                                    "principal-access", [action], d.statements, d.conditional,
                                                    d.conditions))
        return list({e.key: e for e in edges}.values())

    # --- catalogue techniques -----------------------------------------------------------------------------
    def technique_edges(self, admins: set[str]) -> list[EscalationEdge]:
        edges: list[EscalationEdge] = []
        for p in self.actors:
            if p.arn in admins:
                continue  # an administrator gains nothing by escalating; its edges would only add noise
            caller = self.callers[p.arn]
            for t in self.techniques:
                if p.kind not in t.principal_types:
                    continue
                if not all(self.may_allow(p, ra.action) for ra in t.actions):
                    continue
                edges.extend(self._apply(t, p, caller))
        return edges

    def _all_allowed(
        self, t: Technique, caller: Caller, resources: dict[str, str], extra: dict[str, str] | None = None
    ) -> list[Decision] | None:
        decisions = []
        for ra in t.actions:
            resource = resources.get(ra.applies_to)
            if resource is None:
                return None
            d = self.check(caller, ra, resource, extra if ra.applies_to == "passed-role" else None)
            if not d.allowed:
                return None
            decisions.append(d)
        return decisions

    def _edge(self, t: Technique, source: str, target: str, decisions: list[Decision], *, grants_admin: bool,
              potential: bool = False, via: str | None = None) -> EscalationEdge:
        statements = list(dict.fromkeys(s for d in decisions for s in d.statements))
        conditions = [c for d in decisions for c in d.conditions]
        checks = list(dict.fromkeys(c for d in decisions for c in d.checks))
        return EscalationEdge(source, target, "CAN_ESCALATE_TO", t.id, t.category, [a.action for a in t.actions],
                              statements, any(d.conditional for d in decisions), conditions, potential,
                              grants_admin, checks, via)

    def _templated(self, ra_resource: str | None, account: str) -> str:
        return (ra_resource or "*").replace("{account}", account).replace("{region}", REGION)

    def _base_resources(self, t: Technique, p: Principal) -> dict[str, str]:
        res: dict[str, str] = {"self": p.arn}
        for ra in t.actions:
            if ra.applies_to in ("new", "existing"):
                res[ra.applies_to] = self._templated(ra.resource, p.account_id)
        return res

    def _apply(self, t: Technique, p: Principal, caller: Caller) -> list[EscalationEdge]:
        if t.yields == "self":
            return self._apply_self(t, p, caller)
        if t.yields in ("target-user", "target-role"):
            return self._apply_target(t, p, caller)
        if t.yields == "passed-role":
            return self._apply_passrole(t, p, caller)
        if t.yields == "existing-role":
            return self._apply_existing(t, p, caller)
        return []

    def _own_customer_policies(self, p: Principal) -> list[str]:
        holders = [p] + (self.snap.groups_of(p) if p.kind == "user" else [])
        arns = [a for h in holders for a in h.managed_policy_arns]
        return [a for a in dict.fromkeys(arns) if a in self.snap.policies and not self.snap.policies[a].aws_managed]

    def _group_is_admin(self, group: Principal) -> bool:
        stmts = self.ev.identity_statements(group)
        ctx = self.ev.context_for(self.ev.caller(group.arn), {}, True)
        return allow_outcome(stmts, ADMIN_PROBE_ACTION, "*", ctx).tri is Tri.TRUE

    def _has_dormant_admin_version(self, policy_arn: str) -> bool:
        pol = self.snap.policies[policy_arn]
        for vid, doc in pol.versions.items():
            if vid == pol.default_version_id:
                continue
            ctx = self.ev.context_for(self.ev.caller(policy_arn), {}, True)
            if allow_outcome(doc.statements, ADMIN_PROBE_ACTION, "*", ctx).tri is Tri.TRUE:
                return True
        return False

    def _apply_self(self, t: Technique, p: Principal, caller: Caller) -> list[EscalationEdge]:
        if not self.boundary_permits_admin(p):
            return []  # anything it writes into its own policies is still capped by its boundary
        base = self._base_resources(t, p)
        bindings = {ra.applies_to for ra in t.actions}
        options: list[tuple[dict[str, str], str | None]] = [(base, None)]
        if "self-group" in bindings:
            options = [({**base, "self-group": g.arn}, g.arn) for g in self.snap.groups_of(p)]
        elif "self-policy" in bindings:
            policies = self._own_customer_policies(p)
            if t.prerequisite == "dormant-admin-version":
                policies = [a for a in policies if self._has_dormant_admin_version(a)]
            options = [({**base, "self-policy": a}, a) for a in policies]
        elif "any-group" in bindings:
            groups = [g for g in self.snap.principals.values() if g.kind == "group" and g.account_id == p.account_id]
            if t.prerequisite == "admin-group":
                groups = [g for g in groups if self._group_is_admin(g)]
            options = [({**base, "any-group": g.arn}, g.arn) for g in groups]
        for resources, via in options:
            decisions = self._all_allowed(t, caller, resources)
            if decisions is not None:
                return [self._edge(t, p.arn, p.arn, decisions, grants_admin=True, via=via)]
        return []

    def _apply_target(self, t: Technique, p: Principal, caller: Caller) -> list[EscalationEdge]:
        kind = "user" if t.yields == "target-user" else "role"
        edges = []
        for target in self.snap.principals.values():
            if target.kind != kind or target.account_id != p.account_id or target.arn == p.arn or target.service_linked:
                continue
            base = {**self._base_resources(t, p), "target": target.arn}
            options: list[tuple[dict[str, str], str | None]] = [(base, None)]
            if any(ra.applies_to == "target-policy" for ra in t.actions):
                options = [({**base, "target-policy": a}, a) for a in self._own_customer_policies(target)]
            for resources, via in options:
                decisions = self._all_allowed(t, caller, resources)
                if decisions is None:
                    continue
                if any(ra.action.lower() == "sts:assumerole" for ra in t.actions):
                    pass  # sts:AssumeRole was evaluated with the role's trust policy by the evaluator
                grants = t.grants_admin and self.boundary_permits_admin(target)
                edges.append(self._edge(t, p.arn, target.arn, decisions, grants_admin=grants, via=via))
                break
        return edges

    def _apply_passrole(self, t: Technique, p: Principal, caller: Caller) -> list[EscalationEdge]:
        assert t.service is not None
        base = self._base_resources(t, p)
        new_decisions = []
        for ra in t.actions:
            if ra.applies_to == "new":
                d = self.check(caller, ra, base["new"] if ra.resource is None else self._templated(ra.resource, p.account_id))
                if not d.allowed:
                    return []
                new_decisions.append(d)
        edges = []
        pass_actions = [ra for ra in t.actions if ra.applies_to == "passed-role"]
        for role in self.roles_trusting.get(t.service, []):
            if role.account_id != p.account_id or role.arn == p.arn:
                continue  # PassRole only reaches roles of the caller's own account (EC51)
            decisions = list(new_decisions)
            for ra in pass_actions:
                d = self.check(caller, ra, role.arn, {"iam:PassedToService": t.service})
                if not d.allowed:
                    break
                decisions.append(d)
            else:
                edges.append(self._edge(t, p.arn, role.arn, decisions, grants_admin=False))
        return edges

    def _listed_resources(self, service: str) -> list[tuple[str, str]]:
        """(resource ARN, role ARN) pairs the snapshot knows for a service."""
        if service == "lambda.amazonaws.com":
            return [(f["FunctionArn"], f["Role"]) for f in self.snap.agent_resources.get("lambda_functions", [])
                    if isinstance(f, dict) and f.get("FunctionArn") and f.get("Role")]
        return []

    def _apply_existing(self, t: Technique, p: Principal, caller: Caller) -> list[EscalationEdge]:
        assert t.service is not None
        edges = []
        listed = self._listed_resources(t.service)
        for resource_arn, role_arn in listed:
            if role_arn not in self.snap.principals or role_arn == p.arn:
                continue
            decisions = self._all_allowed(t, caller, {"existing": resource_arn})
            if decisions is not None:
                edges.append(self._edge(t, p.arn, role_arn, decisions, grants_admin=False, via=resource_arn))
        known_roles = {r for _, r in listed}
        probe = self._templated(next(ra.resource for ra in t.actions if ra.applies_to == "existing"), p.account_id)
        decisions = self._all_allowed(t, caller, {"existing": probe})
        if decisions is None:
            decisions = self._pattern_grants(t, p, caller, probe)
        if decisions is None:
            return edges
        for role in self.roles_trusting.get(t.service, []):
            if role.account_id == p.account_id and role.arn != p.arn and role.arn not in known_roles:
                edges.append(self._edge(t, p.arn, role.arn, decisions, grants_admin=False, potential=True))
        return edges

    def _pattern_grants(self, t: Technique, p: Principal, caller: Caller, probe: str) -> list[Decision] | None:
        """A grant on specific existing resources (e.g. one function) still lets the caller take them over:
        evaluate on the resource patterns its own statements name for this service."""
        from graph_model.conditions import glob_match

        service_prefix = probe.rsplit(":", 2)[0].split(":")[2]
        family = probe.replace("agentpath-existing", "*").replace(REGION, "*")
        patterns = []
        for s in self.ev.identity_statements(p):
            for r in s.resources or ():
                if s.is_allow and r.startswith(f"arn:aws:{service_prefix}:") and glob_match(family, r.replace("*", "x")):
                    patterns.append(r)
        for pattern in dict.fromkeys(patterns):
            decisions = self._all_allowed(t, caller, {"existing": pattern})
            if decisions is not None:
                return decisions
        return None


def derive(snapshot: Snapshot, techniques: Iterable[Technique] | None = None) -> Derived:
    d = _Deriver(snapshot, techniques if techniques is not None else catalogue())
    admin = {}
    for p in d.actors:
        decision = admin_decision(d.ev, d.callers[p.arn])
        if decision.allowed:
            admin[p.arn] = decision
    certain = {arn for arn, dec in admin.items() if not dec.conditional}
    edges = d.assume_edges() + d.trust_entry_edges() + d.technique_edges(certain)
    unique = {e.key: e for e in edges}
    return Derived(edges=sorted(unique.values(), key=lambda e: e.key), admin=admin)


__all__ = ["Derived", "EscalationEdge", "derive", "TRUE"]

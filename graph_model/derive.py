"""Turn a snapshot into escalation edges: who can assume, pass, create or modify what.

Each edge names its technique and the statements that allow each action, so an analyst can check every step
against the policy text. Techniques are data (graph_model/techniques); this module interprets their binding
kinds generically and never special-cases a technique id.

Performance: the loops prefilter on "could any Allow statement match this action at all" (`may_allow`), which
keeps large accounts fast without changing any answer, and memoise every evaluator call, because many
techniques ask the same question (PassRole of one role to one service, CreateFunction on the same new ARN).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from graph_model.conditions import Tri, glob_match
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
from graph_model.policy import PolicyDocument, Statement, StatementRef
from graph_model.snapshot import Principal, Snapshot
from graph_model.techniques.loader import RequiredAction, ResourceKind, Technique, catalogue, resource_kinds

REGION = "us-east-1"
ASSUME_TECHNIQUE = "sts-001"
PROBE_NAME = "agentpath-existing"  # stands for "some existing resource of this kind" in ARN templates
PROBE_ID = "agentpath0id"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.]+)\}")


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
    #: one decision per required action, for `agentpath explain` (kept in memory, not in the graph)
    decisions: list[Decision] = field(default_factory=list, repr=False, compare=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.source, self.target, self.relationship, self.technique)


@dataclass
class Derived:
    edges: list[EscalationEdge]
    admin: dict[str, Decision]  # principal ARN -> admin decision (Allow, possibly conditional)
    #: the evaluator that decided them, with its caches warm, for later layers (agents' invoke permissions)
    evaluator: Evaluator | None = field(default=None, repr=False, compare=False)

    def is_admin(self, arn: str, include_conditional: bool = True) -> bool:
        d = self.admin.get(arn)
        return bool(d and d.allowed and (include_conditional or not d.conditional))


@dataclass
class _Found:
    """One way the technique's actions are all allowed: the decisions, the resource used, and whether it rests
    on a resource the snapshot does not list."""

    decisions: list[Decision]
    via: str | None = None
    potential: bool = False
    extra_actions: tuple[str, ...] = ()


class _WhatIf(Evaluator):
    """The snapshot as it would be after the caller changes its own IAM state: joined a group, or removed its
    permissions boundary. Techniques such as AddUserToGroup or DeleteUserPermissionsBoundary do not escalate
    by themselves; they enable the caller's other permissions, so the engine asks the same questions again in
    this hypothetical state instead of coding each combination."""

    def __init__(self, snapshot: Snapshot, base: Evaluator) -> None:
        super().__init__(snapshot)
        self.base = base
        self.subject: str | None = None
        self.extra_groups: tuple[Principal, ...] = ()
        self.unbounded = False

    def identity_statements(self, principal: Principal) -> tuple[Statement, ...]:
        stmts = self.base.identity_statements(principal)
        if principal.arn != self.subject or not self.extra_groups:
            return stmts
        return stmts + tuple(s for g in self.extra_groups for s in self.base.identity_statements(g))

    def boundary_document(self, principal: Principal) -> PolicyDocument | None:
        if principal.arn == self.subject and self.unbounded:
            return None
        return self.base.boundary_document(principal)


class _Deriver:
    def __init__(
        self,
        snapshot: Snapshot,
        techniques: Iterable[Technique],
        kinds: Mapping[str, ResourceKind] | None = None,
    ) -> None:
        self.snap = snapshot
        self.base_ev = Evaluator(snapshot)
        self.ev: Evaluator = self.base_ev
        self._whatif: _WhatIf | None = None
        self._state = ""  # memo namespace: "" for the real snapshot, else the hypothetical state
        self.techniques = list(techniques)
        self.kinds = dict(kinds if kinds is not None else resource_kinds())
        self.assume_technique = next(
            (t.id for t in self.techniques if t.yields == "trusted-role"), ASSUME_TECHNIQUE
        )
        self.actors = [
            p for p in snapshot.principals.values() if p.kind in ("user", "role") and not p.service_linked
        ]
        self.callers = {p.arn: self.ev.caller(p.arn) for p in self.actors}
        self._catalogue_actions = frozenset(ra.action.lower() for t in self.techniques for ra in t.actions)
        self._actions_by_service: dict[str, list[str]] = defaultdict(list)
        for a in sorted(self._catalogue_actions):
            self._actions_by_service[a.split(":")[0]].append(a)
        self._may_sets: dict[tuple[str, str], frozenset[str]] = {}
        self._resource_patterns: dict[tuple[str, str, str], tuple[str, ...]] = {}
        self._checks: dict[tuple[Any, ...], Decision] = {}
        self._service_trust: dict[tuple[str, str], Decision] = {}
        self._role_allows: dict[tuple[str, tuple[str, ...]], list[Decision] | None] = {}
        self._listed_cache: dict[str, list[tuple[str, str]]] = {}
        self.roles_trusting: dict[str, list[Principal]] = defaultdict(list)
        for role in snapshot.roles():
            if role.service_linked or role.trust_policy is None:
                continue
            for stmt in role.trust_policy.statements:
                if stmt.is_allow and stmt.principals:
                    for service in stmt.principals.get("Service", ()):
                        if role not in self.roles_trusting[service]:
                            self.roles_trusting[service].append(role)
        self.role_by_instance_profile = {ip: r for r in snapshot.roles() for ip in r.instance_profile_arns}
        self.by_account_kind: dict[tuple[str, str], list[Principal]] = defaultdict(list)
        for p in snapshot.principals.values():
            if not p.service_linked:
                self.by_account_kind[(p.account_id, p.kind)].append(p)

    # --- evaluator access (memoised, hypothetical-state aware) ---------------------------------------------
    def _allowed_actions(self, p: Principal) -> frozenset[str]:
        """The catalogue actions (lower case) some identity Allow statement of `p` could match, computed once
        per principal: a statement is only tested against actions of the services its patterns name."""
        key = (self._state, p.arn)
        hit = self._may_sets.get(key)
        if hit is None:
            found: set[str] = set()
            for s in self.ev.identity_statements(p):
                if not s.is_allow:
                    continue
                if s.actions is None or any(
                    ":" not in a or "*" in a.split(":")[0] or "?" in a.split(":")[0] for a in s.actions
                ):
                    candidates: Iterable[str] = self._catalogue_actions
                else:
                    by_service = self._actions_by_service
                    candidates = [c for a in s.actions for c in by_service.get(a.split(":")[0].lower(), ())]
                found.update(c for c in candidates if c not in found and _match_actions(s, c))
            hit = frozenset(found)
            self._may_sets[key] = hit
        return hit

    def may_allow(self, p: Principal, action: str) -> bool:
        """Could any identity Allow statement match the action? Cheap, and never wrong in the "no" case."""
        lowered = action.lower()
        if lowered in self._catalogue_actions:
            return lowered in self._allowed_actions(p)
        return any(s.is_allow and _match_actions(s, action) for s in self.ev.identity_statements(p))

    def _identity_may(self, p: Principal, action: str, resource: str) -> bool:
        """Could an identity Allow statement match the action on this resource (conditions aside)? Used only
        where no resource policy could grant instead, to skip evaluator calls that must deny."""
        key = (self._state, p.arn, action)
        patterns = self._resource_patterns.get(key)
        if patterns is None:
            collected: list[str] = []
            for s in self.ev.identity_statements(p):
                if not s.is_allow or not _match_actions(s, action):
                    continue
                if s.resources is None or any("${" in r for r in s.resources):
                    collected = ["*"]  # NotResource or policy variables: let the evaluator decide
                    break
                collected.extend(s.resources)
            patterns = tuple(dict.fromkeys(collected))
            self._resource_patterns[key] = patterns
        return any(glob_match(r, resource) for r in patterns)

    def authorize(self, caller: Caller, action: str, resource: str, context: Mapping[str, str]) -> Decision:
        key = (self._state, caller.arn, action, resource, tuple(sorted(context.items())))
        d = self._checks.get(key)
        if d is None:
            p = caller.principal
            if (
                p is not None
                and not self._identity_may(p, action, resource)
                and not self.ev.resource_policy(action, resource)[1]
            ):
                d = Decision("ImplicitDeny")  # no identity statement names it and no resource policy exists
            else:
                d = self.ev.authorize(caller, action, resource, dict(context), open_world=True)
            self._checks[key] = d
        return d

    def check(
        self, caller: Caller, ra: RequiredAction, resource: str, extra: dict[str, str] | None = None
    ) -> Decision:
        return self.authorize(caller, ra.action, resource, {**ra.context, **(extra or {})})

    def boundary_permits_admin(self, p: Principal) -> bool:
        doc = self.ev.boundary_document(p)
        if doc is None:
            return True
        ctx = self.ev.context_for(self.callers.get(p.arn) or self.ev.caller(p.arn), {}, True)
        return allow_outcome(doc.statements, ADMIN_PROBE_ACTION, "*", ctx).tri is Tri.TRUE

    @contextmanager
    def what_if(
        self, p: Principal, *, join: tuple[Principal, ...] = (), unbounded: bool = False
    ) -> Iterator[None]:
        """Evaluate as if `p` had joined `join` and/or lost its boundary; restores the real snapshot after."""
        if self._whatif is None:
            self._whatif = _WhatIf(self.snap, self.base_ev)
        w = self._whatif
        saved = (self.ev, self._state, w.subject, w.extra_groups, w.unbounded)
        w.subject, w.extra_groups, w.unbounded = p.arn, join, unbounded
        self.ev = w
        self._state = f"{p.arn}|{','.join(g.arn for g in join)}|{int(unbounded)}"
        try:
            yield
        finally:
            self.ev, self._state, w.subject, w.extra_groups, w.unbounded = saved

    def _groups_of(self, p: Principal) -> list[Principal]:
        groups = self.snap.groups_of(p) if p.kind == "user" else []
        if self.ev is self._whatif and self._whatif.subject == p.arn:
            groups = groups + [g for g in self._whatif.extra_groups if g not in groups]
        return groups

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
                caller = self.callers.get(arn) or self.ev.caller(arn)
                d = self.ev.authorize(caller, "sts:AssumeRole", role.arn, open_world=True)
                if d.allowed:
                    edges.append(self._assume_edge(arn, role.arn, d))
        return edges

    def _assume_edge(self, source: str, role: str, d: Decision) -> EscalationEdge:
        """A CAN_ASSUME edge from the decision that allowed the assume-role call (it names the action)."""
        return EscalationEdge(
            source,
            role,
            "CAN_ASSUME",
            self.assume_technique,
            "principal-access",
            [d.action],
            d.statements,
            d.conditional,
            d.conditions,
            checks=d.checks,
            decisions=[d],
        )

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
                    d = self.ev.authorize(
                        self.ev.caller(service), "sts:AssumeRole", role.arn, open_world=True
                    )
                    if d.allowed:
                        edges.append(self._assume_edge(service, role.arn, d))
                for provider in stmt.principals.get("Federated", ()):
                    saml = "saml-provider" in provider
                    action = "sts:AssumeRoleWithSAML" if saml else "sts:AssumeRoleWithWebIdentity"
                    d = self.ev.authorize(self.ev.caller(provider), action, role.arn, open_world=True)
                    if d.allowed:
                        edges.append(self._assume_edge(provider, role.arn, d))
        return list({e.key: e for e in edges}.values())

    # --- catalogue techniques -----------------------------------------------------------------------------
    def applicable(self, t: Technique, p: Principal) -> bool:
        """The cheap gate before any evaluator call: principal type, and some Allow names every action."""
        if t.yields == "trusted-role" or p.kind not in t.principal_types:
            return False
        if t.lifts_boundary and not p.boundary_arn:
            return False  # nothing to lift
        return all(self.may_allow(p, ra.action) for ra in t.actions)

    def technique_edges(self, admins: set[str]) -> list[EscalationEdge]:
        edges: list[EscalationEdge] = []
        for p in self.actors:
            if p.arn in admins:
                continue  # an administrator gains nothing by escalating; its edges would only add noise
            caller = self.callers[p.arn]
            for t in self.techniques:
                if self.applicable(t, p):
                    edges.extend(self._apply(t, p, caller))
        return edges

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

    def _all_allowed(
        self,
        t: Technique,
        caller: Caller,
        resources: Mapping[str, str],
        extra: dict[str, str] | None = None,
        skip: tuple[str, ...] = (),
    ) -> list[Decision] | None:
        """Every action of the technique (but those bound to `skip`) allowed on its bound resource."""
        decisions = []
        for ra in t.actions:
            if ra.applies_to in skip:
                continue
            resource = resources.get(ra.applies_to)
            if resource is None:
                return None
            if ra.resource and ra.applies_to in ("new", "any"):
                resource = self._templated(ra.resource, caller.account_id or "")
            d = self.check(caller, ra, resource, extra if ra.applies_to == "passed-role" else None)
            if not d.allowed:
                return None
            decisions.append(d)
        return decisions

    def _edge(
        self,
        t: Technique,
        source: str,
        target: str,
        decisions: list[Decision],
        *,
        grants_admin: bool,
        potential: bool = False,
        via: str | None = None,
        extra_actions: tuple[str, ...] = (),
    ) -> EscalationEdge:
        statements = list(dict.fromkeys(s for d in decisions for s in d.statements))
        conditions = [c for d in decisions for c in d.conditions]
        checks = list(dict.fromkeys(c for d in decisions for c in d.checks))
        actions = list(dict.fromkeys([a.action for a in t.actions] + list(extra_actions)))
        return EscalationEdge(
            source,
            target,
            "CAN_ESCALATE_TO",
            t.id,
            t.category,
            actions,
            statements,
            any(d.conditional for d in decisions),
            conditions,
            potential,
            grants_admin,
            checks,
            via,
            decisions=list(decisions),
        )

    def _templated(
        self,
        template: str | None,
        account: str,
        *,
        item: Mapping[str, Any] | None = None,
        family: bool = False,
    ) -> str:
        """Fill {account}, {region}, {name}, {id} and, for a listed item, {Field.Path} from the item. With
        `family`, region, name and id become `*`: the pattern every resource of the kind matches."""

        def fill(m: re.Match[str]) -> str:
            key = m.group(1)
            if key == "account":
                return account
            if family and key in ("region", "name", "id"):
                return "*"
            if key == "region":
                return REGION
            if key == "name":
                return PROBE_NAME
            if key == "id" and item is None:
                return PROBE_ID
            value = _dig(item or {}, key)
            return str(value) if value is not None else m.group(0)

        return _PLACEHOLDER.sub(fill, template or "*")

    def _base_resources(self, t: Technique, p: Principal) -> dict[str, str]:
        res: dict[str, str] = {"self": p.arn, "any": "*"}
        for ra in t.actions:
            if ra.applies_to in ("new", "any") and ra.resource:
                res.setdefault(ra.applies_to, self._templated(ra.resource, p.account_id))
        return res

    # --- yields: self -------------------------------------------------------------------------------------
    def _own_customer_policies(self, p: Principal) -> list[str]:
        holders = [p] + self._groups_of(p)
        arns = [a for h in holders for a in h.managed_policy_arns]
        policies = self.snap.policies
        return [a for a in dict.fromkeys(arns) if a in policies and not policies[a].aws_managed]

    def _dormant_admin_version(self, policy_arn: str) -> Tri:
        """TRUE: a listed non-default version allows everything. UNKNOWN: the snapshot lists no other version,
        so one may exist that it does not show (exports often keep the default only). FALSE: the other
        versions are listed and none allows everything."""
        pol = self.snap.policies[policy_arn]
        others = [doc for vid, doc in pol.versions.items() if vid != pol.default_version_id]
        if not others:
            return Tri.UNKNOWN
        ctx = self.ev.context_for(self.ev.caller(policy_arn), {}, True)
        for doc in others:
            if allow_outcome(doc.statements, ADMIN_PROBE_ACTION, "*", ctx).tri is Tri.TRUE:
                return Tri.TRUE
        return Tri.FALSE

    def _self_options(self, t: Technique, p: Principal) -> list[tuple[dict[str, str], str | None, bool]]:
        """(resources, via, potential) for each resource a self technique could act on."""
        base = self._base_resources(t, p)
        bindings = {ra.applies_to for ra in t.actions}
        if "self-group" in bindings:
            return [({**base, "self-group": g.arn}, g.arn, False) for g in self._groups_of(p)]
        if "self-policy" in bindings:
            out = []
            for a in self._own_customer_policies(p):
                if t.prerequisite == "dormant-admin-version":
                    dormant = self._dormant_admin_version(a)
                    if dormant is Tri.FALSE:
                        continue
                    out.append(({**base, "self-policy": a}, a, dormant is Tri.UNKNOWN))
                else:
                    out.append(({**base, "self-policy": a}, a, False))
            return sorted(out, key=lambda o: o[2])  # certain before potential
        return [(base, None, False)]

    def _apply_self(self, t: Technique, p: Principal, caller: Caller) -> list[EscalationEdge]:
        if t.lifts_boundary:
            return self._apply_lift_boundary(t, p, caller)
        if t.prerequisite == "escalating-group":
            return self._apply_join_group(t, p, caller)
        if not self.boundary_permits_admin(p):
            return []  # anything it writes into its own policies is still capped by its boundary
        for resources, via, potential in self._self_options(t, p):
            decisions = self._all_allowed(t, caller, resources)
            if decisions is not None:
                return [
                    self._edge(t, p.arn, p.arn, decisions, grants_admin=True, via=via, potential=potential)
                ]
        return []

    def _self_escalation(self, p: Principal, caller: Caller) -> _Found | None:
        """In the current (usually hypothetical) state: is `p` admin, or can it make itself admin with a plain
        self technique of the catalogue? Techniques that change state themselves are not chained again."""
        d = admin_decision(self.ev, caller)
        if d.allowed:
            return _Found([d], "administrator")
        found: _Found | None = None
        for t in self.techniques:
            chains_itself = t.lifts_boundary or t.prerequisite == "escalating-group"
            if t.yields != "self" or chains_itself or not t.grants_admin:
                continue
            if not self.applicable(t, p):
                continue
            for e in self._apply_self(t, p, caller):
                candidate = _Found(
                    [Decision("Allow", e.conditional, e.statements, e.conditions, e.checks)],
                    t.id,
                    e.potential,
                    tuple(e.actions),
                )
                if not e.potential:
                    return candidate
                found = found or candidate
        return found

    def _chained_edge(
        self, t: Technique, p: Principal, first: list[Decision], then: _Found, via: str | None
    ) -> EscalationEdge:
        label = f"{via} then {then.via}" if via else f"then {then.via}"
        return self._edge(
            t,
            p.arn,
            p.arn,
            first + then.decisions,
            grants_admin=True,
            potential=then.potential,
            via=label,
            extra_actions=then.extra_actions,
        )

    def _apply_lift_boundary(self, t: Technique, p: Principal, caller: Caller) -> list[EscalationEdge]:
        if self.boundary_permits_admin(p):
            return []  # the boundary caps nothing that matters here; lifting it gains nothing
        decisions = self._all_allowed(t, caller, self._base_resources(t, p))
        if decisions is None:
            return []  # evaluated under the real boundary: it must allow its own removal
        with self.what_if(p, unbounded=True):
            then = self._self_escalation(p, caller)
        return [self._chained_edge(t, p, decisions, then, None)] if then else []

    def _apply_join_group(self, t: Technique, p: Principal, caller: Caller) -> list[EscalationEdge]:
        joined = {g.arn for g in self.snap.groups_of(p)}
        best: EscalationEdge | None = None
        for g in self.by_account_kind.get((p.account_id, "group"), []):
            if g.arn in joined:
                continue
            if not any(s.is_allow for s in self.base_ev.identity_statements(g)):
                continue  # a group that allows nothing cannot help
            decisions = self._all_allowed(t, caller, {**self._base_resources(t, p), "any-group": g.arn})
            if decisions is None:
                continue
            with self.what_if(p, join=(g,)):
                then = self._self_escalation(p, caller)
            if then is None:
                continue
            edge = self._chained_edge(t, p, decisions, then, g.arn)
            if not edge.potential:
                return [edge]
            best = best or edge
        return [best] if best else []

    # --- yields: another principal ------------------------------------------------------------------------
    def _apply_target(self, t: Technique, p: Principal, caller: Caller) -> list[EscalationEdge]:
        kind = "user" if t.yields == "target-user" else "role"
        edges = []
        for target in self.by_account_kind.get((p.account_id, kind), []):
            if target.arn == p.arn:
                continue
            base = {**self._base_resources(t, p), "target": target.arn}
            options: list[tuple[dict[str, str], str | None]] = [(base, None)]
            if any(ra.applies_to == "target-policy" for ra in t.actions):
                options = [({**base, "target-policy": a}, a) for a in self._own_customer_policies(target)]
            for resources, via in options:
                decisions = self._all_allowed(t, caller, resources)
                if decisions is None:
                    continue
                grants = t.grants_admin and self.boundary_permits_admin(target)
                edges.append(self._edge(t, p.arn, target.arn, decisions, grants_admin=grants, via=via))
                break
        return edges

    # --- roles a service runs as ----------------------------------------------------------------------------
    def _role_qualifies(self, role: Principal, p: Principal, requires: tuple[str, ...]) -> bool:
        if role.account_id != p.account_id or role.arn == p.arn:
            return False  # PassRole only reaches roles of the caller's own account (EC51)
        # EC2 runs a role only through an instance profile
        return not ("instance-profile" in requires and not role.instance_profile_arns)

    def _service_admits(self, service: str, role: Principal) -> Decision:
        """May the service assume the role (its trust policy, Deny statements and conditions included)?"""
        key = (service, role.arn)
        d = self._service_trust.get(key)
        if d is None:
            d = self.base_ev.authorize(
                self.base_ev.caller(service),
                "sts:AssumeRole",
                role.arn,
                {"aws:SourceAccount": role.account_id},
                open_world=True,
            )
            self._service_trust[key] = d
        return d

    def _role_can(self, role: Principal, actions: tuple[str, ...]) -> list[Decision] | None:
        """The yielded role's own permissions a technique relies on (e.g. the SSM agent registering)."""
        if not actions:
            return []
        key = (role.arn, actions)
        if key not in self._role_allows:
            caller = self.callers.get(role.arn) or self.base_ev.caller(role.arn)
            decisions = [self.base_ev.authorize(caller, action, "*", open_world=True) for action in actions]
            self._role_allows[key] = decisions if all(d.allowed for d in decisions) else None
        return self._role_allows[key]

    def _roles_for(
        self, services: tuple[str, ...], p: Principal, requires: tuple[str, ...], must_allow: tuple[str, ...]
    ) -> list[tuple[Principal, str, list[Decision]]]:
        """(role, the service it trusts, supporting decisions) for roles a service could run as for `p`."""
        out: list[tuple[Principal, str, list[Decision]]] = []
        seen: set[str] = set()
        for service in services:
            for role in self.roles_trusting.get(service, []):
                if role.arn in seen or not self._role_qualifies(role, p, requires):
                    continue
                trust = self._service_admits(service, role)
                if not trust.allowed:
                    continue
                own = self._role_can(role, must_allow)
                if own is None:
                    continue
                seen.add(role.arn)
                out.append((role, service, [trust] + own))
        return out

    def _listed(self, kind: ResourceKind) -> list[tuple[str, str]]:
        """(resource ARN, role ARN) for the resources of a kind the snapshot lists."""
        cached = self._listed_cache.get(kind.kind)
        if cached is not None:
            return cached
        out: list[tuple[str, str]] = []
        listing = kind.listed
        items = self.snap.agent_resources.get(listing.collection, []) if listing else []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or listing is None:
                continue
            role_arn = _dig(item, listing.role) if listing.role else None
            if role_arn is None and listing.instance_profile:
                role = self.role_by_instance_profile.get(str(_dig(item, listing.instance_profile)))
                role_arn = role.arn if role else None
            if not isinstance(role_arn, str):
                continue
            account = str(item.get("OwnerId") or role_arn.split(":")[4])
            arn = self._templated(listing.arn, account, item=item)
            if "{" not in arn:
                out.append((arn, role_arn))
        self._listed_cache[kind.kind] = out
        return out

    def _existing_grant(
        self, t: Technique, p: Principal, caller: Caller, base: dict[str, str], skip: tuple[str, ...] = ()
    ) -> _Found | None:
        """The technique's actions on *some* existing resource of its kind that the snapshot does not list:
        first a probe name, then the resource patterns the caller's own statements name (a grant on one
        function still lets it take that function over). A pattern naming exactly a listed resource is left
        to the listing, which knows that resource's role."""
        assert t.existing is not None
        kind = self.kinds[t.existing]
        probe = self._templated(kind.arn, p.account_id)
        decisions = self._all_allowed(t, caller, {**base, "existing": probe}, skip=skip)
        if decisions is not None:
            return _Found(decisions, f"an existing {kind.kind} the snapshot does not list", True)
        if not any(ra.applies_to == "existing" for ra in t.actions):
            return None
        listed = {arn for arn, _ in self._listed(kind)}
        family = self._templated(kind.arn, p.account_id, family=True)
        service_prefix = family.split(":")[2]
        patterns = [
            r
            for s in self.ev.identity_statements(p)
            if s.is_allow
            for r in s.resources or ()
            if r.startswith(f"arn:aws:{service_prefix}:")
            and r not in listed
            and glob_match(family, r.replace("*", "x"))
        ]
        for pattern in dict.fromkeys(patterns):
            decisions = self._all_allowed(t, caller, {**base, "existing": pattern}, skip=skip)
            if decisions is not None:
                return _Found(decisions, pattern, True)
        return None

    def _listed_grant(
        self, t: Technique, p: Principal, caller: Caller, base: dict[str, str]
    ) -> _Found | None:
        """A listed resource of the technique's kind in the caller's account that it may act on: the
        prerequisite is met for certain."""
        assert t.existing is not None
        for resource_arn, role_arn in self._listed(self.kinds[t.existing]):
            if role_arn.split(":")[4] != p.account_id:
                continue
            resources = {**base, "existing": resource_arn}
            decisions = self._all_allowed(t, caller, resources, skip=("passed-role",))
            if decisions is not None:
                return _Found(decisions, resource_arn)
        return None

    def _apply_passrole(self, t: Technique, p: Principal, caller: Caller) -> list[EscalationEdge]:
        base = self._base_resources(t, p)
        # Everything but PassRole is the same for every role: evaluate it once.
        if t.existing is not None:
            found = self._listed_grant(t, p, caller, base) or self._existing_grant(
                t, p, caller, base, skip=("passed-role",)
            )
        else:
            decisions = self._all_allowed(t, caller, base, skip=("passed-role",))
            found = _Found(decisions) if decisions is not None else None
        if found is None:
            return []
        edges = []
        pass_actions = [ra for ra in t.actions if ra.applies_to == "passed-role"]
        for role, service, support in self._roles_for(t.services, p, t.role_requires, t.role_must_allow):
            decisions = list(found.decisions)
            for ra in pass_actions:
                d = self.check(caller, ra, role.arn, {"iam:PassedToService": service})
                if not d.allowed:
                    break
                decisions.append(d)
            else:
                edges.append(
                    self._edge(
                        t,
                        p.arn,
                        role.arn,
                        decisions + support,
                        grants_admin=False,
                        potential=found.potential,
                        via=found.via,
                    )
                )
        return edges

    def _apply_existing(self, t: Technique, p: Principal, caller: Caller) -> list[EscalationEdge]:
        assert t.existing is not None
        kind = self.kinds[t.existing]
        services = t.services or kind.services
        requires = tuple(dict.fromkeys(t.role_requires + kind.role_requires))
        base = self._base_resources(t, p)
        edges = []
        certain: set[str] = set()
        for resource_arn, role_arn in self._listed(kind):
            role = self.snap.principals.get(role_arn)
            if role is None or role.arn == p.arn or role.account_id != p.account_id:
                continue
            own = self._role_can(role, t.role_must_allow)
            decisions = self._all_allowed(t, caller, {**base, "existing": resource_arn})
            if decisions is not None and own is not None:
                certain.add(role_arn)
                edges.append(
                    self._edge(t, p.arn, role_arn, decisions + own, grants_admin=False, via=resource_arn)
                )
        found = self._existing_grant(t, p, caller, base)
        if found is None:
            return edges
        # An unlisted resource may run as any role its service can assume, a listed resource's role included.
        for role, _service, support in self._roles_for(services, p, requires, t.role_must_allow):
            if role.arn not in certain:
                edges.append(
                    self._edge(
                        t,
                        p.arn,
                        role.arn,
                        found.decisions + support,
                        grants_admin=False,
                        potential=True,
                        via=found.via,
                    )
                )
        return edges


def _dig(item: Mapping[str, Any], path: str) -> Any:
    """`IamInstanceProfile.Arn` -> item["IamInstanceProfile"]["Arn"], None when absent."""
    value: Any = item
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def derive(snapshot: Snapshot, techniques: Iterable[Technique] | None = None) -> Derived:
    d = _Deriver(snapshot, techniques if techniques is not None else catalogue())
    admin = {}
    for p in d.actors:
        decision = admin_decision(d.ev, d.callers[p.arn])
        if decision.allowed:
            admin[p.arn] = decision
    certain = {arn for arn, dec in admin.items() if not dec.conditional}
    edges = d.assume_edges() + d.trust_entry_edges() + d.technique_edges(certain)
    unique: dict[tuple[str, str, str, str], EscalationEdge] = {}
    for e in edges:
        kept = unique.get(e.key)
        if kept is None or (kept.potential and not e.potential):
            unique[e.key] = e  # a certain edge wins over a potential one of the same technique
    return Derived(edges=sorted(unique.values(), key=lambda e: e.key), admin=admin, evaluator=d.ev)


__all__ = ["ADMIN_POLICY", "Derived", "EscalationEdge", "derive", "TRUE"]

"""The IAM policy evaluator: a request in, a decision and the statements that decided it out.

It follows AWS's documented evaluation order (explicit deny anywhere; SCPs and RCPs level by level; resource
policies, with the same-account user/role distinction; permissions boundaries; session policies) and keeps
three-valued answers: in *open-world* mode (graph derivation) a condition on a request key nobody knows in
advance (MFA, source IP, ExternalId, ...) makes the answer *conditional*, and the conditions that must hold
travel with it instead of being guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

from graph_model.arn import account_of, is_service_linked_role, parse_arn, session_role_arn
from graph_model.conditions import (
    RequestContext,
    Tri,
    evaluate_condition_block,
    glob_match,
    match_policy_pattern,
)
from graph_model.policy import PolicyDocument, Statement, StatementRef
from graph_model.snapshot import Principal, ResourcePolicy, Session, Snapshot

DecisionName = Literal["Allow", "ImplicitDeny", "ExplicitDeny"]
CallerKind = Literal["user", "role", "session", "federated", "service", "unknown"]

ASSUME_ACTIONS = ("sts:assumerole", "sts:assumerolewithwebidentity", "sts:assumerolewithsaml")
TRUST_ACTIONS = ASSUME_ACTIONS + ("sts:tagsession", "sts:setsourceidentity", "sts:setcontext")


@dataclass(frozen=True)
class Caller:
    """Who makes the request: a user, a role (a session with no session policy), a named session, a
    federated identity provider, or a service principal."""

    arn: str
    kind: CallerKind
    account_id: str | None
    principal: Principal | None = None
    session: Session | None = None

    @property
    def principal_arn(self) -> str:
        """`aws:PrincipalArn`: for a role session it is the role's ARN."""
        return self.principal.arn if self.principal else self.arn


@dataclass(frozen=True)
class Outcome:
    tri: Tri
    conditions: tuple[dict[str, Any], ...] = ()
    statements: tuple[StatementRef, ...] = ()

    def __and__(self, other: Outcome) -> Outcome:
        if Tri.FALSE in (self.tri, other.tri):
            return FALSE
        tri = Tri.UNKNOWN if Tri.UNKNOWN in (self.tri, other.tri) else Tri.TRUE
        return Outcome(tri, self.conditions + other.conditions, self.statements + other.statements)

    def __or__(self, other: Outcome) -> Outcome:
        for o in (self, other):
            if o.tri is Tri.TRUE:
                return o
        if Tri.UNKNOWN in (self.tri, other.tri):
            first = self if self.tri is Tri.UNKNOWN else other
            return first
        return FALSE


TRUE = Outcome(Tri.TRUE)
FALSE = Outcome(Tri.FALSE)


@dataclass
class Decision:
    decision: DecisionName
    conditional: bool = False  # Allow only when `conditions` hold (open world), or undecidable (closed world)
    statements: list[StatementRef] = field(default_factory=list)  # the allowing (or the denying) statements
    conditions: list[dict[str, Any]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # guardrails that were evaluated and passed
    action: str = ""  # the request this answers, so an explanation can cite it
    resource: str = ""

    @property
    def allowed(self) -> bool:
        return self.decision == "Allow"

    def as_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "conditional": self.conditional,
            "statements": [s.as_dict() for s in self.statements],
            "conditions": self.conditions,
            "checks": self.checks,
        }


def _parse_time(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


@lru_cache(maxsize=200_000)
def action_matches(pattern: str, action: str) -> bool:
    """Actions compare case-insensitively (`IAM:PassRole` == `iam:passrole`)."""
    return glob_match(pattern.lower(), action.lower())


def _match_actions(stmt: Statement, action: str) -> bool:
    if stmt.actions is not None:
        return any(action_matches(p, action) for p in stmt.actions)
    if stmt.not_actions is not None:
        return not any(action_matches(p, action) for p in stmt.not_actions)
    return False


def _resource_pattern_match(pattern: str, resource: str, stmt: Statement, ctx: RequestContext) -> Tri:
    if "${" in pattern and stmt.version == "2012-10-17":
        return match_policy_pattern(pattern, resource, ctx, stmt.version)  # variable text matches literally
    return Tri.TRUE if glob_match(pattern, resource) else Tri.FALSE


def _match_resources(stmt: Statement, resource: str, ctx: RequestContext) -> Tri:
    if stmt.resources is not None:
        best = Tri.FALSE
        for p in stmt.resources:
            t = _resource_pattern_match(p, resource, stmt, ctx)
            if t is Tri.TRUE:
                return Tri.TRUE
            if t is Tri.UNKNOWN:
                best = Tri.UNKNOWN
        return best
    if stmt.not_resources is not None:
        results = [_resource_pattern_match(p, resource, stmt, ctx) for p in stmt.not_resources]
        if Tri.TRUE in results:
            return Tri.FALSE
        return Tri.UNKNOWN if Tri.UNKNOWN in results else Tri.TRUE
    return Tri.TRUE  # trust policies carry no Resource


def statement_applies(stmt: Statement, action: str, resource: str, ctx: RequestContext) -> Outcome:
    if not _match_actions(stmt, action):
        return FALSE
    res = _match_resources(stmt, resource, ctx)
    if res is Tri.FALSE:
        return FALSE
    cond = evaluate_condition_block(stmt.condition, ctx, stmt.version)
    if cond.outcome is Tri.FALSE:
        return FALSE
    conditions = tuple(cond.unresolved)
    if res is Tri.UNKNOWN:
        conditions += ({"operator": "PolicyVariable", "key": "resource", "values": [resource]},)
    tri = Tri.UNKNOWN if Tri.UNKNOWN in (res, cond.outcome) else Tri.TRUE
    return Outcome(tri, conditions, (stmt.ref,))


def allow_outcome(
    statements: Iterable[Statement], action: str, resource: str, ctx: RequestContext
) -> Outcome:
    """Some Allow statement applies. TRUE wins over UNKNOWN; every TRUE statement is cited."""
    trues: list[StatementRef] = []
    unknown: Outcome | None = None
    for stmt in statements:
        if not stmt.is_allow:
            continue
        o = statement_applies(stmt, action, resource, ctx)
        if o.tri is Tri.TRUE:
            trues.append(stmt.ref)
        elif o.tri is Tri.UNKNOWN and unknown is None:
            unknown = o
    if trues:
        return Outcome(Tri.TRUE, (), tuple(trues))
    return unknown or FALSE


def deny_outcome(statements: Iterable[Statement], action: str, resource: str, ctx: RequestContext) -> Outcome:
    """TRUE when some Deny certainly applies; UNKNOWN carries the negated conditions the Allow depends on."""
    conditions: list[dict[str, Any]] = []
    refs: list[StatementRef] = []
    for stmt in statements:
        if stmt.is_allow:
            continue
        o = statement_applies(stmt, action, resource, ctx)
        if o.tri is Tri.TRUE:
            return Outcome(Tri.TRUE, (), (stmt.ref,))
        if o.tri is Tri.UNKNOWN:
            conditions.extend({**c, "negated": True, "deny": stmt.ref.label()} for c in o.conditions)
            refs.append(stmt.ref)
    if refs:
        return Outcome(Tri.UNKNOWN, tuple(conditions), tuple(refs))
    return FALSE


GrantKind = Literal["named", "session", "account", "wildcard", "service", "federated"]

#: Services whose resources resource control policies cover (AWS Organizations user guide, RCPs).
RCP_SERVICES = frozenset(
    {"s3", "sts", "sqs", "secretsmanager", "kms", "ecr", "aoss", "cognito-identity", "logs", "dynamodb"}
)


class Evaluator:
    """Evaluates requests against one snapshot; caches what does not change between requests."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._identity: dict[str, tuple[Statement, ...]] = {}
        self._unique_ids = {p.unique_id: p for p in snapshot.principals.values() if p.unique_id}
        self._levels: dict[tuple[str | None, str], list[list[Statement]] | None] = {}
        self._roles_by_name = {(p.account_id, p.name): p for p in snapshot.roles()}
        self.analysis_time = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- who is calling -------------------------------------------------------------------------------
    def caller(self, arn: str) -> Caller:
        snap = self.snapshot
        if arn in snap.sessions:
            session = snap.sessions[arn]
            return Caller(arn, "session", account_of(arn), snap.principals.get(session.role_arn), session)
        if arn in snap.principals:
            p = snap.principals[arn]
            return Caller(arn, "user" if p.kind == "user" else "role", p.account_id, p)
        role_arn = session_role_arn(arn)
        if role_arn:
            role = self._role_by_name(role_arn)
            return Caller(arn, "session", account_of(arn), role)
        parsed = parse_arn(arn)
        if parsed and parsed.service == "iam" and parsed.resource_type in ("oidc-provider", "saml-provider"):
            return Caller(arn, "federated", parsed.account)
        if arn.endswith(".amazonaws.com") or arn.endswith(".amazonaws.com.cn"):
            return Caller(arn, "service", None)
        return Caller(arn, "unknown", account_of(arn))

    def _role_by_name(self, role_arn: str) -> Principal | None:
        """Session ARNs drop the role's path, so match on account and name."""
        parsed = parse_arn(role_arn)
        if parsed is None:
            return None
        return self._roles_by_name.get((parsed.account, parsed.name))

    # --- which statements apply -----------------------------------------------------------------------
    def identity_statements(self, principal: Principal) -> tuple[Statement, ...]:
        cached = self._identity.get(principal.arn)
        if cached is not None:
            return cached
        stmts: list[Statement] = []
        holders = [principal]
        if principal.kind == "user":
            holders += self.snapshot.groups_of(principal)
        for holder in holders:
            for inline in holder.inline_policies:
                stmts.extend(inline.document.statements)
            for arn in holder.managed_policy_arns:
                pol = self.snapshot.policies.get(arn)
                if pol is not None:
                    stmts.extend(pol.document.statements)
        result = tuple(stmts)
        self._identity[principal.arn] = result
        return result

    def boundary_document(self, principal: Principal) -> PolicyDocument | None:
        if not principal.boundary_arn:
            return None
        pol = self.snapshot.policies.get(principal.boundary_arn)
        # A boundary whose document the export lacks still caps the principal: treat it as allowing nothing
        # rather than silently widening access.
        return pol.document if pol else PolicyDocument(version=None)

    def _org_levels(self, account_id: str | None, kind: str) -> list[list[Statement]] | None:
        key = (account_id, kind)
        if key not in self._levels:
            self._levels[key] = self._compute_org_levels(account_id, kind)
        return self._levels[key]

    def _compute_org_levels(self, account_id: str | None, kind: str) -> list[list[Statement]] | None:
        org = self.snapshot.organization
        if org is None or account_id is None or account_id == org.management_account_id:
            return None
        chain = org.member_accounts.get(account_id)
        if not chain:
            return None
        levels = []
        for target in chain:
            attached = [p for p in org.policies if p.kind == kind and target in p.targets]
            if attached:
                levels.append([s for p in attached for s in p.document.statements])
            elif kind == "SCP" and any(p.kind == "SCP" for p in org.policies):
                levels.append([])  # SCPs are in use and nothing allows at this level: everything is capped
        return levels

    def scp_levels(self, caller: Caller) -> list[list[Statement]] | None:
        """SCPs never restrict the management account or service-linked roles."""
        if caller.principal is not None and is_service_linked_role(caller.principal.arn):
            return None
        if caller.kind not in ("user", "role", "session"):
            return None
        return self._org_levels(caller.account_id, "SCP")

    def rcp_levels(
        self, resource_account: str | None, action: str = "", caller: Caller | None = None
    ) -> list[list[Statement]] | None:
        """RCPs cap resources of the services that support them, and never calls by service-linked roles."""
        if action and action.split(":", 1)[0].lower() not in RCP_SERVICES:
            return None
        if (
            caller is not None
            and caller.principal is not None
            and is_service_linked_role(caller.principal.arn)
        ):
            return None
        return self._org_levels(resource_account, "RCP")

    def resource_policy(self, action: str, resource: str) -> tuple[PolicyDocument | None, bool]:
        """(document, exists). Role trust policies are the resource policy of the assume-role family."""
        if action.lower() in TRUST_ACTIONS:
            role = self.snapshot.principals.get(resource)
            if role is not None and role.kind == "role":
                return role.trust_policy, True
        rp = self._resource_record(resource)
        if rp is None:
            return None, False
        return rp.document, True

    def _resource_record(self, resource: str) -> ResourcePolicy | None:
        rp = self.snapshot.resource_policies.get(resource)
        if rp is None:
            # A bucket policy covers its objects.
            parsed = parse_arn(resource)
            if parsed and parsed.service == "s3" and "/" in parsed.resource:
                rp = self.snapshot.resource_policies.get(resource.split("/", 1)[0])
        return rp

    # --- request context ------------------------------------------------------------------------------
    def context_for(
        self, caller: Caller, given: Mapping[str, str | Sequence[str]], open_world: bool
    ) -> RequestContext:
        values: dict[str, str | list[str]] = {}
        known: set[str] = set()
        p = caller.principal
        if caller.kind in ("user", "role", "session") and p is not None:
            values["aws:PrincipalArn"] = p.arn
            values["aws:PrincipalAccount"] = p.account_id
            values["aws:PrincipalType"] = "User" if caller.kind == "user" else "AssumedRole"
            values["aws:PrincipalIsAWSService"] = "false"
            if caller.kind == "user":
                values["aws:username"] = p.name
                if p.unique_id:
                    values["aws:userid"] = p.unique_id
            else:
                known.add("aws:username")  # only IAM users have one (EC39)
            for k, v in p.tags.items():
                values[f"aws:PrincipalTag/{k}"] = v
            org = self.snapshot.organization
            if (
                org
                and org.org_id
                and (p.account_id in org.member_accounts or p.account_id == org.management_account_id)
            ):
                values["aws:PrincipalOrgID"] = org.org_id
            known.update({"aws:principalorgid", "aws:principaltag/"})
        if open_world:
            # An attacker acts now, with credentials issued now: time keys are known, not request-dependent.
            now = self.analysis_time
            values.update(
                {
                    "aws:CurrentTime": now,
                    "aws:TokenIssueTime": now,
                    "aws:EpochTime": str(int(_parse_time(now))),
                }
            )
        values.update({k: (list(v) if not isinstance(v, str) else v) for k, v in given.items()})
        ctx = RequestContext.of(values)
        if open_world:
            ctx = RequestContext(ctx.values, open_world=True, known_keys=frozenset(k.lower() for k in known))
        return ctx

    # --- the decision ---------------------------------------------------------------------------------
    def authorize(
        self,
        caller: Caller,
        action: str,
        resource: str,
        context: Mapping[str, str | Sequence[str]] | None = None,
        *,
        open_world: bool = False,
        resource_account: str | None = None,
        apply_org_policies: bool = True,
    ) -> Decision:
        decision = self._authorize(
            caller, action, resource, context, open_world, resource_account, apply_org_policies
        )
        decision.action, decision.resource = action, resource
        return decision

    def _authorize(
        self,
        caller: Caller,
        action: str,
        resource: str,
        context: Mapping[str, str | Sequence[str]] | None,
        open_world: bool,
        resource_account: str | None,
        apply_org_policies: bool,
    ) -> Decision:
        ctx = self.context_for(caller, context or {}, open_world)
        action_l = action.lower()
        if resource_account is None:
            resource_account = account_of(resource)
            if resource_account is None:
                # S3 ARNs carry no account: the snapshot's record of the bucket says whose it is.
                record = self._resource_record(resource) if resource.startswith("arn:") else None
                resource_account = record.account_id if record and record.account_id else None
            if resource_account is None:
                resource_account = caller.account_id  # `*` and unknown account-less ARNs: the caller's own
        same_account = resource_account == caller.account_id
        checks: list[str] = []

        principal = caller.principal
        identity: tuple[Statement, ...] = ()
        boundary: PolicyDocument | None = None
        session_stmts: list[Statement] | None = None
        if caller.kind in ("user", "role", "session") and principal is not None:
            identity = self.identity_statements(principal)
            boundary = self.boundary_document(principal)
            if caller.session is not None and caller.session.session_policies:
                session_stmts = [s for d in caller.session.session_policies for s in d.statements]

        scp = self.scp_levels(caller) if apply_org_policies else None
        rcp = self.rcp_levels(resource_account, action, caller) if apply_org_policies else None
        res_doc, res_exists = self.resource_policy(action, resource)
        res_stmts = res_doc.statements if res_doc else ()

        # 1. Explicit deny anywhere.
        deny_sets: list[Iterable[Statement]] = [identity]
        if boundary is not None:
            deny_sets.append(boundary.statements)
        if session_stmts:
            deny_sets.append(session_stmts)
        for org_levels in (scp or [], rcp or []):
            deny_sets.extend(org_levels)
        denies = [deny_outcome(s, action, resource, ctx) for s in deny_sets]
        res_deny = self._resource_deny(res_stmts, caller, action, resource, ctx)
        denies.append(res_deny)
        for d in denies:
            if d.tri is Tri.TRUE:
                return Decision("ExplicitDeny", statements=list(d.statements), checks=checks)
        checks.append("no explicit deny applies")
        deny_guard = TRUE
        for d in denies:
            if d.tri is Tri.UNKNOWN:
                deny_guard = deny_guard & Outcome(Tri.UNKNOWN, d.conditions)

        # 2. Organization guardrails: every level must allow.
        guard = TRUE
        for name, levels in (("SCP", scp), ("RCP", rcp)):
            if levels is None:
                continue
            for i, stmts in enumerate(levels):
                o = allow_outcome(stmts, action, resource, ctx)
                if o.tri is Tri.FALSE:
                    return Decision("ImplicitDeny", checks=checks + [f"{name} level {i} allows nothing here"])
                guard = guard & Outcome(o.tri, o.conditions)
            if levels:
                checks.append(f"{name}s allow at every level ({len(levels)})")

        # 3. Identity side, capped by boundary and session policies.
        id_allow = allow_outcome(identity, action, resource, ctx) if identity else FALSE
        cap = TRUE
        if boundary is not None:
            b = allow_outcome(boundary.statements, action, resource, ctx)
            cap = cap & Outcome(b.tri, b.conditions)
            if b.tri is not Tri.FALSE:
                checks.append(f"permissions boundary {principal.boundary_arn if principal else ''} allows")
        if session_stmts is not None:
            s = allow_outcome(session_stmts, action, resource, ctx)
            cap = cap & Outcome(s.tri, s.conditions)
            if s.tri is not Tri.FALSE:
                checks.append("session policy allows")

        # 4. Resource side.
        grant, grant_kind = self._resource_grant(res_stmts, caller, action, resource, ctx)
        is_trust = action_l in TRUST_ACTIONS and res_exists and resource in self.snapshot.principals

        if caller.kind in ("federated", "service"):
            final = grant if grant_kind in ("federated", "service", "wildcard") else FALSE
        elif is_trust:
            # A trust policy must admit the caller; naming the caller is enough on its own (EC17), naming its
            # account delegates to the caller's own policies; the boundary caps both (EC03).
            if grant.tri is Tri.FALSE:
                final = FALSE
            elif grant_kind in ("named", "wildcard") and same_account:
                final = grant & cap
            else:
                final = grant & id_allow & cap
        elif res_exists and same_account and grant.tri is not Tri.FALSE:
            if (grant_kind == "named" and caller.kind == "user") or grant_kind == "session":
                final = grant | (id_allow & cap)  # not limited by the boundary or session policy (EC05)
            elif grant_kind in ("named", "wildcard"):
                final = (grant & cap) | (id_allow & cap)
            else:
                final = id_allow & cap
        elif not same_account:
            if res_exists:
                final = grant & id_allow & cap
            else:
                final = FALSE if action_l in TRUST_ACTIONS else id_allow & cap
                if action_l in TRUST_ACTIONS:
                    checks.append("cross-account role not in the snapshot")
        else:
            final = id_allow & cap

        final = final & guard & deny_guard
        if final.tri is Tri.FALSE:
            return Decision("ImplicitDeny", checks=checks)
        statements = list(dict.fromkeys(final.statements))
        conditional = final.tri is Tri.UNKNOWN
        conditions = list(final.conditions)
        return Decision(
            "Allow", conditional=conditional, statements=statements, conditions=conditions, checks=checks
        )

    # --- resource policies: who they name ---------------------------------------------------------------
    def _principal_match(
        self, block: Mapping[str, tuple[str, ...]] | None, caller: Caller
    ) -> GrantKind | None:
        if block is None:
            return None
        if "*" in block or "*" in block.get("AWS", ()):
            return "wildcard"
        if caller.kind == "service":
            return "service" if caller.arn in block.get("Service", ()) else None
        if caller.kind == "federated":
            return "federated" if caller.arn in block.get("Federated", ()) else None
        p = caller.principal
        best: GrantKind | None = None
        for value in block.get("AWS", ()):
            if caller.kind == "session" and value == caller.arn:
                return "session"  # the session ARN itself: not capped by boundary or session policy
            if value in (caller.arn, caller.principal_arn):
                return "named"
            if p is not None and p.unique_id and value == p.unique_id:
                return "named"
            if value.startswith("AROA") or value.startswith("AIDA"):
                continue  # the unique ID of a deleted principal: nobody else matches it (EC23)
            if caller.account_id and value in (caller.account_id, f"arn:aws:iam::{caller.account_id}:root"):
                best = "account"
        return best

    def _resource_grant(
        self, stmts: Sequence[Statement], caller: Caller, action: str, resource: str, ctx: RequestContext
    ) -> tuple[Outcome, GrantKind | None]:
        best: tuple[Outcome, GrantKind | None] = (FALSE, None)
        rank = {"named": 0, "session": 0, "wildcard": 1, "service": 0, "federated": 0, "account": 2}
        for stmt in stmts:
            if not stmt.is_allow:
                continue
            if stmt.principals is not None:
                kind = self._principal_match(stmt.principals, caller)
            elif stmt.not_principals is not None:
                kind = None if self._principal_match(stmt.not_principals, caller) else "wildcard"
            else:
                kind = None
            if kind is None:
                continue
            o = statement_applies(stmt, action, resource, ctx)
            if o.tri is Tri.FALSE:
                continue
            current, current_kind = best
            better_tri = o.tri is Tri.TRUE and current.tri is not Tri.TRUE
            same_tri_better_kind = o.tri == current.tri and (
                current_kind is None or rank[kind] < rank[current_kind]
            )
            if current.tri is Tri.FALSE or better_tri or same_tri_better_kind:
                best = (o, kind)
        return best

    def _resource_deny(
        self, stmts: Sequence[Statement], caller: Caller, action: str, resource: str, ctx: RequestContext
    ) -> Outcome:
        matching = []
        for stmt in stmts:
            if stmt.is_allow:
                continue
            if stmt.principals is not None and self._principal_match(stmt.principals, caller) is None:
                continue
            if (
                stmt.not_principals is not None
                and self._principal_match(stmt.not_principals, caller) is not None
            ):
                continue
            matching.append(stmt)
        return deny_outcome(matching, action, resource, ctx)


# --- administrator equivalence ----------------------------------------------------------------------------
ADMIN_PROBE_ACTION = "agentpath-probe:AnyAction"


def admin_probes(account_id: str) -> list[tuple[str, str]]:
    """Sensitive actions an administrator can perform; a Deny on any of them means "not admin"."""
    return [
        ("iam:CreateUser", f"arn:aws:iam::{account_id}:user/agentpath-probe"),
        ("iam:PutRolePolicy", f"arn:aws:iam::{account_id}:role/agentpath-probe"),
        ("iam:AttachUserPolicy", f"arn:aws:iam::{account_id}:user/agentpath-probe"),
        ("iam:PassRole", f"arn:aws:iam::{account_id}:role/agentpath-probe"),
        ("sts:AssumeRole", f"arn:aws:iam::{account_id}:role/agentpath-probe"),
        ("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{account_id}:instance/*"),
        ("s3:GetObject", "arn:aws:s3:::agentpath-probe/object"),
        ("lambda:CreateFunction", f"arn:aws:lambda:us-east-1:{account_id}:function:agentpath-probe"),
        ("kms:Decrypt", f"arn:aws:kms:us-east-1:{account_id}:key/agentpath-probe"),
        (
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:us-east-1:{account_id}:secret:agentpath-probe",
        ),
        ("organizations:ListAccounts", "*"),
    ]


def admin_decision(ev: Evaluator, caller: Caller, *, open_world: bool = True) -> Decision:
    """Administrator-equivalent: allowed every action on every resource, as a principal holding
    AdministratorAccess with no boundary or session policy. SCPs/RCPs cap that reference principal equally,
    so they are left out here (the escalation steps themselves do face them)."""
    if caller.principal is None or caller.principal.kind == "group":
        return Decision("ImplicitDeny")
    account = caller.account_id or "000000000000"
    probe = ev.authorize(caller, ADMIN_PROBE_ACTION, "*", open_world=open_world, apply_org_policies=False)
    if not probe.allowed:
        return probe
    conditions = list(probe.conditions)
    for action, resource in admin_probes(account):
        d = ev.authorize(caller, action, resource, open_world=open_world, apply_org_policies=False)
        if not d.allowed:
            return d
        conditions.extend(d.conditions)
    return Decision(
        "Allow",
        conditional=probe.conditional or bool(conditions),
        statements=probe.statements,
        conditions=conditions,
        checks=probe.checks,
    )

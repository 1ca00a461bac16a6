"""CloudTrail records -> privilege events: who assumed, created, changed or passed which identity or policy.

Only the calls that change who can do what are kept (role assumption, identity and policy writes, access keys,
login profiles, PassRole-bearing calls); reads and data-plane calls are noise for accountability. Real
trails are messy: `lookup-events` wraps each record in a JSON string, some API names carry a version suffix
(`CreateFunction20150331`), fields are null or missing, so every accessor here is defensive and a strange
record is skipped rather than failing the ingest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from graph_model.arn import parse_arn, session_role_arn
from graph_model.snapshot import Principal, Snapshot
from graph_model.tags import tag_map

#: `CreateFunction20150331`, `UpdateFunctionConfiguration20150331v2`, `AddPermission20150331v2`.
API_VERSION_SUFFIX = re.compile(r"20\d{6}(v\d+)?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

ASSUME_APIS = {"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "AssumeRoot"}
CREDENTIAL_APIS = {"GetFederationToken"}  # mints credentials for the caller's permissions
IAM_ENTITIES = (
    "User",
    "Role",
    "Policy",
    "PolicyVersion",
    "AccessKey",
    "LoginProfile",
    "Group",
    "AssumeRolePolicy",
    "ServiceLinkedRole",
    "RoleDescription",
    "InstanceProfile",
    "SSHPublicKey",
    "ServiceSpecificCredential",
)
IAM_POLICY_APIS = {
    "AttachUserPolicy",
    "AttachRolePolicy",
    "AttachGroupPolicy",
    "DetachUserPolicy",
    "DetachRolePolicy",
    "DetachGroupPolicy",
    "PutUserPolicy",
    "PutRolePolicy",
    "PutGroupPolicy",
    "DeleteUserPolicy",
    "DeleteRolePolicy",
    "DeleteGroupPolicy",
    "PutUserPermissionsBoundary",
    "PutRolePermissionsBoundary",
    "DeleteUserPermissionsBoundary",
    "DeleteRolePermissionsBoundary",
    "SetDefaultPolicyVersion",
    "AddUserToGroup",
    "RemoveUserFromGroup",
    "AddRoleToInstanceProfile",
    "RemoveRoleFromInstanceProfile",
}
#: Request parameters that pass a role to a service (lower-cased); `iamInstanceProfile` passes one to EC2.
ROLE_PARAMETERS = {
    "role",
    "rolearn",
    "executionrolearn",
    "servicerole",
    "taskrolearn",
    "agentresourcerolearn",
    "servicerolearn",
    "iamrole",
    "jobrole",
}
INSTANCE_PROFILE_PARAMETERS = {"iaminstanceprofile"}


def normalize_api(event_name: str) -> str:
    """Strip CloudTrail's API-version suffix so `CreateFunction20150331` reads as `CreateFunction`."""
    return API_VERSION_SUFFIX.sub("", event_name or "")


def service_prefix(event_source: str) -> str:
    """`iam.amazonaws.com` -> `iam`: the prefix IAM actions use for that service."""
    return (event_source or "").split(".", 1)[0]


def is_email(text: str | None) -> bool:
    return bool(text) and bool(EMAIL.match(str(text)))


def parse_time(value: Any) -> datetime | None:
    """ISO-8601 text (with `Z`), YAML timestamps, or dates -> an aware UTC datetime; None when unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# --- records ------------------------------------------------------------------------------------------------
def expand_records(raw: Iterable[Any]) -> list[dict[str, Any]]:
    """Log-file records and `lookup-events` items (whose `CloudTrailEvent` is a JSON string) -> records,
    de-duplicated by event id (the same event arrives through several trails or pages)."""
    out: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        record: Any = item
        if isinstance(item.get("CloudTrailEvent"), str):
            try:
                record = json.loads(item["CloudTrailEvent"])
            except json.JSONDecodeError:
                continue
        elif isinstance(item.get("CloudTrailEvent"), dict):
            record = item["CloudTrailEvent"]
        if not isinstance(record, dict) or not isinstance(record.get("eventName"), str):
            continue
        key = str(record.get("eventID") or item.get("EventId") or f"record-{i}")
        out[key] = {**record, "eventID": key}
    return list(out.values())


@dataclass(frozen=True)
class Actor:
    """Who made a call, as CloudTrail's `userIdentity` says it (the identity proof of an event)."""

    type: str  # IAMUser | AssumedRole | Root | AWSService | FederatedUser | SAMLUser | WebIdentityUser | ...
    arn: str | None  # the caller ARN (a session ARN for assumed roles)
    principal: str | None  # the IAM user or role behind it (role ARN with its path when CloudTrail gives it)
    account_id: str | None
    session_name: str | None = None
    source_identity: str | None = None
    access_key_id: str | None = None
    mfa_authenticated: bool | None = None
    invoked_by: str | None = None
    user_name: str | None = None

    @property
    def key_type(self) -> str | None:
        """AKIA keys are long-term (an IAM user's), ASIA keys temporary (a session's)."""
        if not self.access_key_id:
            return None
        if self.access_key_id.startswith("AKIA"):
            return "long-term"
        if self.access_key_id.startswith("ASIA"):
            return "temporary"
        return "unknown"

    def as_dict(self) -> dict[str, Any]:
        return {
            "identity_type": self.type,
            "arn": self.arn,
            "principal": self.principal,
            "account_id": self.account_id,
            "session_name": self.session_name,
            "source_identity": self.source_identity,
            "access_key_id": self.access_key_id,
            "access_key_type": self.key_type,
            "mfa_authenticated": self.mfa_authenticated,
            "invoked_by": self.invoked_by,
            "user_name": self.user_name,
        }


class IdentityIndex:
    """Names in CloudTrail requests -> ARNs in the snapshot (role ARNs carry paths the request omits)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.by_name: dict[tuple[str, str, str], Principal] = {}
        self.by_profile: dict[str, list[str]] = {}
        self.by_unique: dict[str, Principal] = {}
        for p in snapshot.principals.values():
            self.by_name[(p.kind, p.account_id, p.name)] = p
            if p.unique_id:
                self.by_unique[p.unique_id] = p
            for profile in p.instance_profile_arns:
                self.by_profile.setdefault(profile, []).append(p.arn)
        self.known = set(snapshot.principals)

    def principal(
        self, kind: str, account: str | None, name: str | None, path: str | None = None
    ) -> str | None:
        if not account or not name:
            return None
        hit = self.by_name.get((kind, account, name))
        if hit is not None:
            return hit.arn
        clean_path = path if path and path.startswith("/") and path.endswith("/") else "/"
        return f"arn:aws:iam::{account}:{kind}{clean_path}{name}"

    def canonical(self, arn: str | None) -> str | None:
        """A role ARN without its path (as sessions name it) -> the snapshot's ARN for it."""
        parsed = parse_arn(arn or "")
        if parsed is None or arn is None:
            return arn
        if arn in self.known or parsed.service != "iam" or parsed.resource_type not in ("role", "user"):
            return arn
        return self.principal(parsed.resource_type, parsed.account, parsed.name) or arn

    def roles_of_profile(self, profile: str) -> list[str]:
        if profile in self.by_profile:
            return self.by_profile[profile]
        parsed = parse_arn(profile)
        if parsed and parsed.resource_type == "instance-profile":
            # Console-made instance profiles share the role's name: the best guess when the export lacks it.
            guess = self.by_name.get(("role", parsed.account, parsed.name))
            return [guess.arn] if guess else []
        return []


def actor_of(record: Mapping[str, Any], index: IdentityIndex) -> Actor:
    ui = _obj(record.get("userIdentity"))
    kind = _str(ui.get("type")) or "Unknown"
    arn = _str(ui.get("arn"))
    account = _str(ui.get("accountId")) or _str(record.get("recipientAccountId"))
    ctx = _obj(ui.get("sessionContext"))
    issuer = _obj(ctx.get("sessionIssuer"))
    attrs = _obj(ctx.get("attributes"))
    mfa_raw = attrs.get("mfaAuthenticated")
    mfa = None if mfa_raw is None else str(mfa_raw).lower() == "true"
    source_identity = _str(ctx.get("sourceIdentity")) or _str(ui.get("sourceIdentity"))
    principal: str | None = None
    session_name: str | None = None
    if kind == "AssumedRole":
        principal = _str(issuer.get("arn")) or session_role_arn(arn or "")
        principal = index.canonical(principal)
        if arn and "/" in arn:
            session_name = arn.rsplit("/", 1)[-1]
        elif ":" in str(ui.get("principalId", "")):
            session_name = str(ui["principalId"]).split(":", 1)[1]
    elif kind == "IAMUser":
        principal = index.canonical(arn) or index.principal("user", account, _str(ui.get("userName")))
    elif kind == "FederatedUser":
        principal = index.canonical(_str(issuer.get("arn")))
        session_name = arn.rsplit("/", 1)[-1] if arn else None
    elif kind == "Root":
        principal = arn or (f"arn:aws:iam::{account}:root" if account else None)
    elif kind == "AWSService":
        principal = _str(ui.get("invokedBy"))
    user_name = _str(ui.get("userName")) or _str(issuer.get("userName"))
    return Actor(
        kind,
        arn,
        principal,
        account,
        session_name,
        source_identity,
        _str(ui.get("accessKeyId")),
        mfa,
        _str(ui.get("invokedBy")),
        user_name,
    )


# --- which events matter --------------------------------------------------------------------------------
def _find_keys(value: Any, wanted: set[str], depth: int = 0) -> list[tuple[str, Any]]:
    """(key, value) pairs anywhere in a request whose lower-cased key is wanted (roles hide in nested
    configurations)."""
    found: list[tuple[str, Any]] = []
    if depth > 6:
        return found
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k).lower() in wanted:
                found.append((str(k), v))
            found.extend(_find_keys(v, wanted, depth + 1))
    elif isinstance(value, list):
        for v in value:
            found.extend(_find_keys(v, wanted, depth + 1))
    return found


def passed_roles(record: Mapping[str, Any], index: IdentityIndex) -> list[str]:
    """Roles a call hands to a service: role ARN parameters, and instance profiles (request or response)."""
    roles: list[str] = []
    for _, value in _find_keys(record.get("requestParameters"), ROLE_PARAMETERS):
        if isinstance(value, str) and parse_arn(value) and ":role/" in value:
            roles.append(index.canonical(value) or value)
    profiles = _find_keys(record.get("requestParameters"), INSTANCE_PROFILE_PARAMETERS)
    profiles += _find_keys(record.get("responseElements"), INSTANCE_PROFILE_PARAMETERS)
    for _, value in profiles:
        refs = [value] if isinstance(value, (str, dict)) else []
        for ref in refs:
            arn = ref if isinstance(ref, str) else _str(ref.get("arn")) or _str(ref.get("Arn"))
            name = _str(ref.get("name")) or _str(ref.get("Name")) if isinstance(ref, dict) else None
            if arn and parse_arn(arn):
                roles.extend(index.roles_of_profile(arn))
                if not index.roles_of_profile(arn):
                    roles.append(arn)  # keep the profile itself as the evidence
            elif name:
                account = _str(record.get("recipientAccountId"))
                roles.extend(index.roles_of_profile(f"arn:aws:iam::{account}:instance-profile/{name}"))
    return list(dict.fromkeys(roles))


def privilege_category(record: Mapping[str, Any], index: IdentityIndex) -> str | None:
    """assume | credential | create | delete | update | policy | passrole, or None for everything else."""
    api = normalize_api(str(record.get("eventName", "")))
    source = str(record.get("eventSource", ""))
    if source.startswith("sts.") and (api in ASSUME_APIS or api in CREDENTIAL_APIS):
        return "assume" if api in ASSUME_APIS else "credential"
    if source.startswith("iam."):
        if api in IAM_POLICY_APIS:
            return "policy"
        for verb in ("Create", "Delete", "Update"):
            if api.startswith(verb) and api[len(verb) :] in IAM_ENTITIES:
                return verb.lower()
        return None
    if passed_roles(record, index):
        return "passrole"
    return None


@dataclass
class PrivilegeEvent:
    """One privilege-changing call: the privilege-event layer of the evidence chain."""

    event_id: str
    event_name: str
    api: str
    action: str  # as IAM names it: `lambda:CreateFunction`
    event_source: str
    event_time: str
    account_id: str | None
    region: str | None
    category: str
    actor: Actor
    targets: list[str] = field(default_factory=list)  # identities assumed, created, changed or passed
    policies: list[str] = field(default_factory=list)  # policies attached, written or versioned
    passed_roles: list[str] = field(default_factory=list)
    created: str | None = None  # the ARN of a user or role this call created
    new_session: str | None = None  # AssumeRole*: the session ARN it returned
    new_access_key: str | None = None  # AssumeRole*: the temporary key; CreateAccessKey: the new key
    new_source_identity: str | None = None
    session_tags: dict[str, str] = field(default_factory=dict)
    key_status: str | None = None  # UpdateAccessKey: Active | Inactive
    error_code: str | None = None
    request: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.error_code is None

    @property
    def time(self) -> datetime | None:
        return parse_time(self.event_time)


#: Calls that act on the calling IAM user itself when they name no user.
SELF_USER_APIS = {
    "CreateAccessKey",
    "DeleteAccessKey",
    "UpdateAccessKey",
    "CreateLoginProfile",
    "UpdateLoginProfile",
    "DeleteLoginProfile",
    "UploadSSHPublicKey",
    "CreateServiceSpecificCredential",
}


def _user_target(
    api: str, req: Mapping[str, Any], actor: Actor, index: IdentityIndex, account: str | None
) -> str | None:
    name = _str(req.get("userName"))
    if name:
        return index.principal("user", account, name)
    if api in SELF_USER_APIS and actor.type == "IAMUser":
        return actor.principal
    return None


def _targets(
    api: str, record: Mapping[str, Any], actor: Actor, index: IdentityIndex
) -> tuple[list[str], list[str], str | None]:
    """(identities, policies, created ARN) the call acted on."""
    req = _obj(record.get("requestParameters"))
    resp = _obj(record.get("responseElements"))
    account = _str(record.get("recipientAccountId")) or actor.account_id
    identities: list[str] = []
    policies: list[str] = []
    created: str | None = None
    if api in ASSUME_APIS:
        role = _str(req.get("roleArn"))
        if role:
            identities.append(index.canonical(role) or role)
    role_name = _str(req.get("roleName"))
    if role_name:
        role_arn = index.principal("role", account, role_name, _str(req.get("path")))
        if api == "CreateRole":
            role_arn = _str(_obj(resp.get("role")).get("arn")) or role_arn
            created = role_arn
        if role_arn:
            identities.append(role_arn)
    if api == "CreateServiceLinkedRole":
        created = _str(_obj(resp.get("role")).get("arn"))
        if created:
            identities.append(created)
    user_arn = _user_target(api, req, actor, index, account)
    if api == "CreateUser":
        user_arn = _str(_obj(resp.get("user")).get("arn")) or user_arn
        created = user_arn
    if user_arn:
        identities.append(user_arn)
    group = _str(req.get("groupName"))
    if group and account:
        identities.append(f"arn:aws:iam::{account}:group/{group}")
    policy_arn = _str(req.get("policyArn"))
    if policy_arn:
        policies.append(policy_arn)
    if api == "CreatePolicy":
        made = _str(_obj(resp.get("policy")).get("arn"))
        if made is None and _str(req.get("policyName")) and account:
            made = f"arn:aws:iam::{account}:policy{_str(req.get('path')) or '/'}{req['policyName']}"
        if made:
            policies.append(made)
    boundary = _str(req.get("permissionsBoundary"))
    if boundary:
        policies.append(boundary)
    inline = _str(req.get("policyName"))
    if (
        inline
        and api.startswith(("Put", "DeleteUserPolicy", "DeleteRolePolicy", "DeleteGroupPolicy"))
        and api.endswith("Policy")
        and identities
    ):
        policies.append(f"{identities[-1]}#inline/{inline}")
    return list(dict.fromkeys(identities)), list(dict.fromkeys(policies)), created


def _session_tags(req: Mapping[str, Any]) -> dict[str, str]:
    tags = req.get("tags")
    return tag_map(tags) if isinstance(tags, list) else {}


def to_privilege_event(record: Mapping[str, Any], index: IdentityIndex) -> PrivilegeEvent | None:
    category = privilege_category(record, index)
    if category is None:
        return None
    event_name = str(record.get("eventName"))
    api = normalize_api(event_name)
    source = str(record.get("eventSource", ""))
    actor = actor_of(record, index)
    req = _obj(record.get("requestParameters"))
    resp = _obj(record.get("responseElements"))
    identities, policies, created = _targets(api, record, actor, index)
    service_call = category == "passrole" or not source.startswith(("iam.", "sts."))
    passed = passed_roles(record, index) if service_call else []
    creds = _obj(resp.get("credentials"))
    access_key = _obj(resp.get("accessKey"))
    return PrivilegeEvent(
        event_id=str(record.get("eventID")),
        event_name=event_name,
        api=api,
        action=f"{service_prefix(source)}:{api}",
        event_source=source,
        event_time=str(record.get("eventTime") or ""),
        account_id=_str(record.get("recipientAccountId")) or actor.account_id,
        region=_str(record.get("awsRegion")),
        category=category,
        actor=actor,
        targets=list(dict.fromkeys(identities + passed)),
        policies=policies,
        passed_roles=passed,
        created=created,
        new_session=_str(_obj(resp.get("assumedRoleUser")).get("arn")),
        new_access_key=_str(creds.get("accessKeyId")) or _str(access_key.get("accessKeyId")),
        new_source_identity=_str(req.get("sourceIdentity")) or _str(resp.get("sourceIdentity")),
        session_tags=_session_tags(req),
        key_status=_str(req.get("status")),
        error_code=_str(record.get("errorCode")),
        request={k: v for k, v in req.items() if isinstance(v, (str, int, bool))},
    )


def privilege_events(snapshot: Snapshot, index: IdentityIndex | None = None) -> list[PrivilegeEvent]:
    """Every privilege event in the snapshot's trail, oldest first (ties by id, so the order is stable)."""
    index = index or IdentityIndex(snapshot)
    found = (to_privilege_event(r, index) for r in expand_records(snapshot.cloudtrail))
    events = [e for e in found if e is not None]
    return sorted(events, key=lambda e: (e.event_time, e.event_id))


# --- sessions: from a call back to the human behind it ----------------------------------------------------
@dataclass(frozen=True)
class HumanTrace:
    """Who is behind a call: a human (e-mail or source identity) when the trail shows one, else the IAM
    identity whose own owner answers for it."""

    human: str | None
    via: str  # source-identity | sso-session | session-name | user-name | assume-role-chain | identity | none
    identity: str | None = None
    hops: tuple[str, ...] = ()


class SessionIndex:
    """AssumeRole results by session ARN and temporary key: lets a call made with a session be traced back to
    the AssumeRole call that created it, and so to the caller behind that."""

    def __init__(self, events: Iterable[PrivilegeEvent]) -> None:
        self.by_key: dict[str, PrivilegeEvent] = {}
        self.by_session: dict[str, PrivilegeEvent] = {}
        for e in events:
            if e.category != "assume" or not e.succeeded:
                continue
            if e.new_access_key:
                self.by_key[e.new_access_key] = e
            if e.new_session:
                self.by_session[e.new_session] = e

    def origin(self, actor: Actor) -> PrivilegeEvent | None:
        if actor.access_key_id and actor.access_key_id in self.by_key:
            return self.by_key[actor.access_key_id]
        if actor.arn and actor.arn in self.by_session:
            return self.by_session[actor.arn]
        return None

    def human_behind(self, actor: Actor, depth: int = 0) -> HumanTrace:
        if actor.source_identity:
            return HumanTrace(actor.source_identity, "source-identity", actor.principal)
        if actor.type == "AssumedRole":
            if is_email(actor.session_name):
                role_name = (actor.principal or "").rsplit("/", 1)[-1]
                via = "sso-session" if role_name.startswith("AWSReservedSSO_") else "session-name"
                return HumanTrace(actor.session_name, via, actor.principal)
            origin = self.origin(actor)
            if origin is not None and depth < 8:
                if origin.new_source_identity:
                    return HumanTrace(
                        origin.new_source_identity, "source-identity", actor.principal, (origin.event_id,)
                    )
                behind = self.human_behind(origin.actor, depth + 1)
                if behind.human or behind.identity:
                    return HumanTrace(
                        behind.human,
                        "assume-role-chain" if behind.human else behind.via,
                        behind.identity,
                        (origin.event_id,) + behind.hops,
                    )
            return HumanTrace(None, "identity", actor.principal)
        if actor.type in ("SAMLUser", "WebIdentityUser", "IdentityCenterUser") and is_email(actor.user_name):
            return HumanTrace(actor.user_name, "user-name", actor.principal)
        if actor.type == "IAMUser":
            if is_email(actor.user_name):
                return HumanTrace(actor.user_name, "user-name", actor.principal)
            return HumanTrace(None, "identity", actor.principal)
        if actor.type == "FederatedUser":
            return HumanTrace(None, "identity", actor.principal)
        return HumanTrace(None, "none", None)


# --- long-lived keys ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyState:
    """Whether an IAM user holds an active long-term access key, and what says so."""

    active: bool
    evidence: str
    keys: tuple[str, ...] = ()


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() == "true"


def keys_from_credential_report(rows: Iterable[Mapping[str, Any]]) -> dict[str, KeyState]:
    """IAM credential report rows (`arn`, `access_key_1_active`, `access_key_2_active`): the authoritative
    answer at collection time, so it wins over the trail when both speak about a user."""
    out: dict[str, KeyState] = {}
    for row in rows:
        arn = row.get("arn")
        if not isinstance(arn, str):
            continue
        active = [n for n in ("1", "2") if _truthy(row.get(f"access_key_{n}_active"))]
        out[arn] = KeyState(
            bool(active),
            "credential report"
            + (f": access key {' and '.join(active)} active" if active else ": no active access key"),
        )
    return out


def keys_from_trail(
    events: Iterable[PrivilegeEvent], records: Iterable[Mapping[str, Any]], index: IdentityIndex
) -> dict[str, KeyState]:
    """Keys CloudTrail shows: created (CreateAccessKey) or used (a call signed with an AKIA key) and not
    deleted or made inactive later. GAAD carries no key state, so without a credential report this is the
    only evidence; a key created before the trail starts and never used in it stays invisible."""
    state: dict[str, dict[str, tuple[str, bool, str]]] = {}  # user -> key -> (time, active, why)

    def note(user: str | None, key: str | None, when: str, active: bool, why: str) -> None:
        if not user or not key:
            return
        prev = state.setdefault(user, {}).get(key)
        if prev is None or when >= prev[0]:
            state[user][key] = (when, active, why)

    for e in events:
        if not e.succeeded:
            continue
        user = next((t for t in e.targets if ":user/" in t), None)
        if e.api == "CreateAccessKey":
            note(user, e.new_access_key, e.event_time, True, f"created in event {e.event_id}")
        elif e.api == "DeleteAccessKey":
            note(
                user,
                _str(e.request.get("accessKeyId")),
                e.event_time,
                False,
                f"deleted in event {e.event_id}",
            )
        elif e.api == "UpdateAccessKey":
            note(
                user,
                _str(e.request.get("accessKeyId")),
                e.event_time,
                (e.key_status or "") == "Active",
                f"set {e.key_status} in event {e.event_id}",
            )
    for r in records:
        ui = _obj(r.get("userIdentity"))
        key = _str(ui.get("accessKeyId"))
        if ui.get("type") == "IAMUser" and key and key.startswith("AKIA") and not r.get("errorCode"):
            user = index.canonical(_str(ui.get("arn")))
            if user and key not in state.get(user, {}):
                note(user, key, str(r.get("eventTime") or ""), True, f"used in event {r.get('eventID')}")
    out: dict[str, KeyState] = {}
    for user, keys in state.items():
        active = sorted(k for k, (_, on, _) in keys.items() if on)
        why = (
            "; ".join(f"{k} {keys[k][2]}" for k in active)
            if active
            else "every key seen was deleted or deactivated"
        )
        out[user] = KeyState(bool(active), f"CloudTrail: {why}", tuple(active))
    return out


def access_keys(
    snapshot: Snapshot, events: Iterable[PrivilegeEvent], credential_report: Iterable[Mapping[str, Any]] = ()
) -> dict[str, KeyState]:
    index = IdentityIndex(snapshot)
    out = keys_from_trail(list(events), expand_records(snapshot.cloudtrail), index)
    out.update(keys_from_credential_report(credential_report))
    return out

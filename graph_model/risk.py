"""Risk scores for escalation paths and findings, each with the reasons that produced it.

A score is a sum of points, clipped to 0..100, so anyone can recompute it from the factors listed next to it;
a ranking nobody can explain does not get acted on. The numbers live in `graph_model/risk.yaml` and are
repeated here (a test keeps the two in step):

What the path's end can do (target)
    admin 45, data-access 30 (reads s3/secrets/kms/dynamodb data on `*`), limited 15;
    cross-account +10 when a step crosses an account boundary.
How the path starts (start)
    vendor-hosted-agent 25, agent 20, external 20 (a federated OIDC/SAML provider), human 10 (IAM user or
    SSO role), workload 5 (any other role).
Hops
    1 hop +15, 2 hops +10, 3 hops +5, more +0.
Conditional / potential
    -10 when some step holds only under a request condition; -10 when some step needs a resource the
    snapshot does not list.
Ownership
    +10 when some step has no accountable human.
Exercised
    +15 when CloudTrail shows a step of the path done by its identity.

Severity thresholds: critical >= 80, high >= 60, medium >= 40, low below 40.

Examples: an agent one hop from admin scores 45 + 20 + 15 = 80 (critical) even when owned; an owned human
two hops from admin 45 + 10 + 10 = 65 (high); a role four conditional hops away 45 + 5 - 10 = 40 (medium).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from graph_model.arn import account_of, parse_arn, session_role_arn

MODEL_FILE = Path(__file__).with_name("risk.yaml")
SEVERITIES = ("critical", "high", "medium", "low")
TARGETS = ("admin", "data-access", "limited")
API_VERSION = re.compile(
    r"\d{8}(v\d+)?$"
)  # CloudTrail writes CreateFunction20150331 for lambda:CreateFunction
STARTS = ("vendor-hosted-agent", "agent", "external", "human", "workload")


@dataclass(frozen=True)
class RiskModel:
    thresholds: dict[str, int]
    target: dict[str, int]
    cross_account: int
    start: dict[str, int]
    hops: dict[str, int]
    conditional: int
    potential: int
    unowned: int
    exercised: int

    def severity(self, score: int) -> str:
        for level in SEVERITIES:
            if score >= self.thresholds[level]:
                return level
        return "low"

    def hop_points(self, hops: int) -> int:
        return self.hops.get(str(hops), self.hops.get("more", 0))


def parse_model(raw: Mapping[str, Any]) -> RiskModel:
    """Check the data file's shape so a typo fails loudly instead of silently scoring 0."""
    try:
        model = RiskModel(
            thresholds={k: int(raw["severity_thresholds"][k]) for k in SEVERITIES},
            target={k: int(raw["target"][k]) for k in TARGETS},
            cross_account=int(raw["cross_account"]),
            start={k: int(raw["start"][k]) for k in STARTS},
            hops={str(k): int(v) for k, v in raw["hops"].items()},
            conditional=int(raw["conditional"]),
            potential=int(raw["potential"]),
            unowned=int(raw["unowned"]),
            exercised=int(raw["exercised"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{MODEL_FILE.name}: missing or malformed field ({exc})") from exc
    ordered = [model.thresholds[k] for k in SEVERITIES]
    if ordered != sorted(ordered, reverse=True):
        raise ValueError(f"{MODEL_FILE.name}: severity thresholds must fall from critical to low")
    return model


@lru_cache(maxsize=1)
def load_model() -> RiskModel:
    return parse_model(yaml.safe_load(MODEL_FILE.read_text()))


@dataclass(frozen=True)
class Factor:
    name: str
    value: str
    points: int
    why: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "points": self.points, "why": self.why}


@dataclass(frozen=True)
class Risk:
    score: int
    severity: str
    factors: tuple[Factor, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "severity": self.severity,
            "factors": [f.as_dict() for f in self.factors],
        }


@dataclass(frozen=True)
class PathFacts:
    """Everything the score depends on, gathered elsewhere: scoring itself stays a pure sum."""

    target: str = "admin"  # admin | data-access | limited
    start: str = "workload"  # one of STARTS
    hops: int = 1
    cross_account: bool = False
    conditional_steps: int = 0
    potential_steps: int = 0
    unowned_steps: int = 0
    exercised_steps: int = 0


def score_path(facts: PathFacts, model: RiskModel | None = None) -> Risk:
    m = model or load_model()
    factors = [
        Factor("target", facts.target, m.target[facts.target], f"the path ends at {facts.target}"),
        Factor(
            "start", facts.start, m.start[facts.start], f"the path starts at {facts.start.replace('-', ' ')}"
        ),
        Factor("hops", str(facts.hops), m.hop_points(facts.hops), f"{facts.hops} step(s) to walk"),
    ]
    if facts.cross_account:
        factors.append(Factor("cross-account", "yes", m.cross_account, "a step crosses an account boundary"))
    if facts.conditional_steps:
        factors.append(
            Factor(
                "conditional",
                str(facts.conditional_steps),
                m.conditional,
                "some step holds only when a request condition holds",
            )
        )
    if facts.potential_steps:
        factors.append(
            Factor(
                "potential",
                str(facts.potential_steps),
                m.potential,
                "some step needs a resource the snapshot does not list",
            )
        )
    if facts.unowned_steps:
        factors.append(
            Factor(
                "unowned",
                str(facts.unowned_steps),
                m.unowned,
                f"{facts.unowned_steps} of {facts.hops} step(s) have no accountable human",
            )
        )
    if facts.exercised_steps:
        factors.append(
            Factor(
                "exercised",
                str(facts.exercised_steps),
                m.exercised,
                f"CloudTrail shows {facts.exercised_steps} step(s) done",
            )
        )
    score = max(0, min(100, sum(f.points for f in factors)))
    return Risk(score, m.severity(score), tuple(factors))


def score_given(severity: str, reason: str, model: RiskModel | None = None) -> Risk:
    """A finding that arrives with its own severity (e.g. from the findings layer): keep that severity and
    give it the score at the middle of its band, so sorting by score and by severity agree."""
    m = model or load_model()
    level = severity.lower() if severity and severity.lower() in SEVERITIES else "medium"
    upper = {
        "critical": 101,
        "high": m.thresholds["critical"],
        "medium": m.thresholds["high"],
        "low": m.thresholds["medium"],
    }[level]
    score = (m.thresholds[level] + upper - 1) // 2
    return Risk(score, level, (Factor("given", level, score, reason),))


def at_least(severity: str, floor: str) -> bool:
    """critical >= high >= medium >= low."""
    return SEVERITIES.index(severity) <= SEVERITIES.index(floor)


# --- gathering facts --------------------------------------------------------------------------------------
def start_kind(source: str, *, kind: str | None, agent: Mapping[str, Any] | None) -> str:
    """agent / vendor-hosted agent / external (federated provider) / human (user, SSO role) / workload."""
    if agent is not None:
        return "vendor-hosted-agent" if agent.get("vendor_hosted") else "agent"
    parsed = parse_arn(source)
    if parsed and parsed.service == "iam" and parsed.resource_type in ("oidc-provider", "saml-provider"):
        return "external"
    if kind == "user":
        return "human"
    if "/aws-reserved/sso.amazonaws.com/" in source or ":role/AWSReservedSSO_" in source:
        return "human"
    return "workload"


def crosses_account(steps: Sequence[Mapping[str, Any]]) -> bool:
    for s in steps:
        a, b = account_of(str(s.get("from", ""))), account_of(str(s.get("to", "")))
        if a and b and a != b:
            return True
    return False


def _records(raw: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    """CloudTrail log records, or lookup-events items carrying the record as a JSON string."""
    for item in raw:
        inner = item.get("CloudTrailEvent")
        if isinstance(inner, str):
            try:
                parsed = json.loads(inner)
            except json.JSONDecodeError:
                continue
            if isinstance(parsed, dict):
                yield parsed
        elif isinstance(item, Mapping):
            yield item


@dataclass
class ActivityIndex:
    """Which actor did which action (as `service:EventName`, lower case), and which roles it assumed."""

    actions: dict[str, set[str]] = field(default_factory=dict)
    assumed: dict[str, set[str]] = field(default_factory=dict)

    def did(self, actor: str, action: str, target: str | None = None) -> bool:
        keys = _actor_keys(actor)
        if action.lower() == "sts:assumerole" and target:
            return any(
                target in self.assumed.get(k, set()) or _name_key(target) in self.assumed.get(k, set())
                for k in keys
            )
        return any(action.lower() in self.actions.get(k, set()) for k in keys)


def _name_key(arn: str) -> str:
    """Session ARNs drop a role's path: compare roles by account and name."""
    parsed = parse_arn(arn)
    return f"{parsed.account}:{parsed.resource_type}/{parsed.name}" if parsed else arn


def _actor_keys(arn: str) -> set[str]:
    keys = {arn, _name_key(arn)}
    role = session_role_arn(arn)
    if role:
        keys |= {role, _name_key(role)}
    return keys


def activity_index(cloudtrail: Iterable[Mapping[str, Any]]) -> ActivityIndex:
    idx = ActivityIndex()
    for rec in _records(cloudtrail):
        ident = rec.get("userIdentity") or {}
        if not isinstance(ident, Mapping):
            continue
        actors = {str(ident["arn"])} if isinstance(ident.get("arn"), str) else set()
        issuer = (
            ((ident.get("sessionContext") or {}).get("sessionIssuer") or {})
            if isinstance(ident.get("sessionContext"), Mapping)
            else {}
        )
        if isinstance(issuer, Mapping) and isinstance(issuer.get("arn"), str):
            actors.add(issuer["arn"])
        source, name = rec.get("eventSource"), rec.get("eventName")
        if not actors or not isinstance(source, str) or not isinstance(name, str):
            continue
        if rec.get("errorCode"):
            continue  # a denied attempt shows intent, not an exercised step
        action = f"{source.split('.', 1)[0]}:{API_VERSION.sub('', name)}".lower()
        role_arn = (
            (rec.get("requestParameters") or {}).get("roleArn")
            if isinstance(rec.get("requestParameters"), Mapping)
            else None
        )
        for actor in actors:
            for key in _actor_keys(actor):
                idx.actions.setdefault(key, set()).add(action)
                if action.startswith("sts:assumerole") and isinstance(role_arn, str):
                    idx.assumed.setdefault(key, set()).update({role_arn, _name_key(role_arn)})
    return idx


def exercised_steps(steps: Sequence[Mapping[str, Any]], activity: ActivityIndex) -> int:
    """A step counts as exercised when its identity was seen doing one of the step's actions (for
    sts:AssumeRole: assuming that very role). iam:PassRole never appears in CloudTrail on its own, so
    pass-role techniques are recognised by their other action."""
    count = 0
    for s in steps:
        actor, target = str(s.get("from", "")), str(s.get("to", ""))
        if any(activity.did(actor, a, target) for a in s.get("actions") or []):
            count += 1
    return count


DATA_PROBES = (
    ("s3:GetObject", "arn:aws:s3:::agentpath-probe/object"),
    ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:{account}:secret:agentpath-probe"),
    ("kms:Decrypt", "arn:aws:kms:us-east-1:{account}:key/agentpath-probe"),
    ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:{account}:table/agentpath-probe"),
)


def target_capability(snapshot: Any, arn: str, admins: set[str]) -> str:
    """admin, data-access (any data-read probe on an unnamed resource is allowed), or limited."""
    if arn in admins:
        return "admin"
    from graph_model.evaluation import Evaluator

    principal = snapshot.principals.get(arn)
    if principal is None or principal.kind == "group":
        return "limited"
    ev = Evaluator(snapshot)
    caller = ev.caller(arn)
    for action, resource in DATA_PROBES:
        if ev.authorize(
            caller, action, resource.format(account=principal.account_id), open_world=True
        ).allowed:
            return "data-access"
    return "limited"

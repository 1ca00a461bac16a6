"""The scheduled scan: paths to admin, findings, delegation into escalation and unowned steps, as one report.

Everything here is pure: it reads a `GraphView` (from a store's named queries, or built in memory from the
same `GraphData` a store would hold, see `view_from_graph`) plus the snapshot for risk facts, and returns the
JSON report the writers in `ui/reports/` render. Finding ids hash what a finding *is* (kind, subject, target,
techniques) and never when it was seen, so a report can serve as the next run's baseline.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph_model.arn import account_of, parse_arn
from graph_model.frameworks import technique_refs
from graph_model.model import GraphData
from graph_model.paths import EscalationPath, PathOptions, admin_distances, index_edges, shortest_paths
from graph_model.risk import (
    ActivityIndex,
    PathFacts,
    Risk,
    activity_index,
    at_least,
    crosses_account,
    exercised_steps,
    score_given,
    score_path,
    start_kind,
)
from graph_model.snapshot import Snapshot
from queries.api import GraphView

REPORT_FORMAT = "agentpath-scan/1"
PATH_KIND = "path-to-admin"
DELEGATION_KIND = "delegation-into-escalation"
STATUSES = ("new", "unchanged", "resolved")
ESCALATION_TYPES = ("CAN_ASSUME", "CAN_ESCALATE_TO")
AGENT_TYPES = ("RUNS_AS", "DELEGATES_TO")
#: the technique names agent steps carry in paths (as the `agent_edges` named query spells them)
AGENT_TECHNIQUE = {"RUNS_AS": "runs-as", "DELEGATES_TO": "delegation"}


class ReportError(ValueError):
    """A baseline (or other report input) that is not an agentpath scan report."""


# --- the view, in memory -------------------------------------------------------------------------------
def _edge_row(rel_type: str, source: str, target: str, props: Mapping[str, Any]) -> dict[str, Any]:
    conditions = props.get("conditions", "[]")
    return {
        "source": source,
        "target": target,
        "relationship": rel_type,
        "technique": props.get("technique") or AGENT_TECHNIQUE.get(rel_type, rel_type.lower()),
        "category": props.get("category") or ("agent" if rel_type in AGENT_TYPES else ""),
        "actions": list(props.get("actions") or []),
        "statements": list(props.get("statements") or []),
        "conditional": bool(props.get("conditional")),
        "conditions": json.loads(conditions) if isinstance(conditions, str) and conditions else [],
        "potential": bool(props.get("potential")),
        "grants_admin": bool(props.get("grants_admin")),
        "via": props.get("via") or props.get("mechanism") or "",
    }


def view_from_graph(graph: GraphData) -> GraphView:
    """The `GraphView` that `queries.api.load_view` would read back after loading `graph` into a store,
    built without one: FILE scans and what-if analyses then see exactly what a stored scan sees."""
    labels = {n.uid: n.label for n in graph.nodes}
    principals: dict[str, dict[str, Any]] = {}
    agents: dict[str, dict[str, Any]] = {}
    for n in graph.nodes:
        if n.label in ("User", "Role"):
            p = n.props
            principals[n.uid] = {
                "arn": n.uid,
                "kind": p.get("kind"),
                "name": p.get("name"),
                "account_id": p.get("account_id"),
                "is_admin": bool(p.get("is_admin")),
                "admin_conditional": bool(p.get("admin_conditional")),
                "boundary_arn": p.get("boundary_arn") or "",
                "owner": p.get("owner") or None,
                "owner_source": p.get("owner_source") or None,
            }
        elif n.label == "Agent":
            agents[n.uid] = {
                "owner": n.props.get("owner") or None,
                **{k: v for k, v in n.props.items() if k != "owner"},
            }
    edges = []
    for r in graph.relationships:
        if r.type in ESCALATION_TYPES or r.type in AGENT_TYPES and labels.get(r.source) == "Agent":
            edges.append(_edge_row(r.type, r.source, r.target, r.props))
    edges.sort(key=lambda e: (e["source"], e["target"], e["technique"]))
    owners: dict[str, str | None] = {arn: p.get("owner") for arn, p in principals.items()}
    owners.update({aid: a.get("owner") for aid, a in agents.items()})
    return GraphView(edges, principals, owners, agents)


# --- the findings layer's query rows, in memory ------------------------------------------------------------
def _none(value: Any) -> Any:
    return None if value == "" else value


def rows_from_graph(graph: GraphData) -> dict[str, list[dict[str, Any]]]:
    """What the named queries `owners`, `agents`, `agent_identities`, `break_glass_identities` and
    `privilege_events` return once `graph` is loaded: plain projections of node and relationship properties,
    so a FILE scan feeds the findings rules the same rows a stored scan does (a parity test checks it)."""
    nodes = {n.uid: n for n in graph.nodes}
    principals = [n for n in graph.nodes if n.label in ("User", "Role", "Group")]
    agents = [n for n in graph.nodes if n.label == "Agent"]
    owners = [
        {
            "identity": n.uid,
            "is_agent": n.label == "Agent",
            "kind": n.props.get("kind"),
            "owner": n.props.get("owner"),
            "source": n.props.get("owner_source"),
            "team": n.props.get("owner_team"),
            "evidence": n.props.get("owner_evidence"),
        }
        for n in agents + principals
        if n.label == "Agent" or n.props.get("kind") in ("user", "role")
    ]
    agent_cols = (
        "name",
        "kind",
        "declared",
        "platform_arn",
        "aliases",
        "sources",
        "runs_as",
        "owner",
        "owner_source",
        "sponsor_team",
        "approver",
        "monitored_by",
        "allowed_actions",
        "window_start",
        "window_end",
        "vendor_hosted",
        "break_glass",
        "revoked",
        "conflicts",
    )
    agent_rows = [{"id": n.uid, **{c: n.props.get(c) for c in agent_cols}} for n in agents]
    identities = []
    for r in graph.relationships:
        p = nodes.get(r.target)
        if (
            r.type == "RUNS_AS"
            and r.source in nodes
            and nodes[r.source].label == "Agent"
            and p is not None
            and p.label in ("User", "Role", "Group")
        ):
            identities.append(
                {
                    "agent": r.source,
                    "identity": r.target,
                    "kind": p.props.get("kind"),
                    "mechanism": r.props.get("mechanism"),
                    "access_keys_active": p.props.get("access_keys_active"),
                    "access_key_evidence": p.props.get("access_key_evidence"),
                    "break_glass": p.props.get("break_glass"),
                }
            )
    break_glass = [
        {
            "identity": n.uid,
            "kind": n.props.get("kind"),
            "tagged": n.props.get("break_glass_tag"),
            "agents": n.props.get("agents"),
        }
        for n in principals
        if n.props.get("break_glass") is True
    ]
    event_cols = (
        "event_time",
        "event_name",
        "action",
        "category",
        "principal",
        "actor_arn",
        "agents",
        "targets",
        "succeeded",
        "error_code",
        "classification",
        "outside_window",
        "out_of_scope",
        "task",
    )
    events = [
        {"event_id": n.uid, **{c: n.props.get(c) for c in event_cols}}
        for n in graph.nodes
        if n.label == "PrivilegeEvent"
    ]
    return {
        "owners": sorted(owners, key=lambda r: r["identity"]),
        "agents": sorted(agent_rows, key=lambda r: r["id"]),
        "agent_identities": sorted(identities, key=lambda r: (r["agent"], r["identity"])),
        "break_glass_identities": sorted(break_glass, key=lambda r: r["identity"]),
        "privilege_events": sorted(events, key=lambda r: (str(r.get("event_time") or ""), r["event_id"])),
    }


def layer_findings(
    rows: Mapping[str, list[dict[str, Any]]], view: GraphView, options: PathOptions
) -> list[dict[str, Any]]:
    """The accountability findings (`agentpath findings`) from query rows."""
    from graph_model.findings import FindingInputs, all_findings
    from queries.agents_api import reach_to_admin

    inputs = FindingInputs(
        owners=[dict(r, owner=_none(r.get("owner"))) for r in rows.get("owners", [])],
        reach=reach_to_admin(view, options),
        agents=rows.get("agents", []),
        agent_identities=rows.get("agent_identities", []),
        break_glass_identities=[r for r in rows.get("break_glass_identities", []) if r.get("tagged")],
        events=rows.get("privilege_events", []),
    )
    return list(all_findings(inputs))


# --- paths ----------------------------------------------------------------------------------------------
def path_sources(view: GraphView, options: PathOptions) -> list[str]:
    """Every identity a path to admin can start from: non-admin users and roles, agents, and the federated
    identity providers that roles trust (service principals are left out: what they run is reached through
    the pass-role techniques of whoever can start it)."""
    admins = view.admin_set(options.include_conditional)
    providers = set()
    for e in view.edges:
        src = e["source"]
        if src in view.principals or src in view.agents:
            continue
        parsed = parse_arn(src)
        if parsed and parsed.service == "iam" and parsed.resource_type in ("oidc-provider", "saml-provider"):
            providers.add(src)
    principals = {a for a in view.principals if a not in admins}
    return sorted(principals | set(view.agents) | providers)


def admin_paths(view: GraphView, options: PathOptions | None = None) -> list[tuple[str, EscalationPath]]:
    """One shortest path to admin per source: the same first path `agentpath paths --from` shows."""
    options = options or PathOptions()
    by_source = index_edges(view.edges, options)
    admins = view.admin_set(options.include_conditional)
    reaching = admin_distances(by_source, admins, options.max_hops)
    out = []
    for source in path_sources(view, options):
        if source not in reaching:
            continue  # the reverse walk already knows no path starts here
        found = shortest_paths(source, by_source, admins, options.max_hops)
        if found:
            out.append((source, found[0]))
    return out


def finding_id(kind: str, subject: str, target: str, techniques: Sequence[str]) -> str:
    """Stable across runs: a hash of what the finding is, never of when it was seen."""
    text = "\x1f".join([kind, subject, target, *techniques])
    return "AP-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def path_id(source: str, path: EscalationPath) -> str:
    return finding_id(PATH_KIND, source, path.target, [s.edge["technique"] for s in path.steps])


# --- findings -------------------------------------------------------------------------------------------
@dataclass
class ScanContext:
    snapshot: Snapshot
    view: GraphView
    source_label: str = ""
    digest: str = ""
    options: PathOptions = field(default_factory=PathOptions)
    extra_findings: list[dict[str, Any]] = field(default_factory=list)  # from the findings layer
    query_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # scheduled named queries


def _short(arn: str) -> str:
    parsed = parse_arn(arn)
    return f"{parsed.resource_type}/{parsed.name}" if parsed and parsed.resource_type else arn


def _technique_frameworks() -> dict[str, tuple[str, tuple[str, ...]]]:
    from graph_model.techniques.loader import catalogue

    return {t.id: (t.category, t.frameworks) for t in catalogue()}


def _ref(text: str) -> dict[str, str]:
    fw, _, item = text.partition(":")
    return {"framework": fw, "id": item, "title": ""}


def frameworks_for(techniques: Sequence[str]) -> list[dict[str, str]]:
    """Framework references of a path: each technique's category mapping and its own `frameworks` entries
    (the findings layer's `graph_model.frameworks` resolves those it knows; others, such as MITRE ATT&CK ids,
    are kept as written)."""
    by_technique = _technique_frameworks()
    refs: list[dict[str, str]] = []
    for t in techniques:
        category, explicit = by_technique.get(t, ("agent" if t in ("runs-as", "delegation") else "", ()))
        known = technique_refs(category, explicit)
        refs += known
        known_ids = {(r["id"]) for r in known}
        refs += [_ref(x) for x in explicit if x.partition(":")[2] not in known_ids]
    unique = {(r["framework"], r["id"]): r for r in refs}
    return [unique[k] for k in sorted(unique)]


def _path_finding(
    kind: str,
    source: str,
    path: EscalationPath,
    ctx: ScanContext,
    owners: Mapping[str, str | None],
    agents: Mapping[str, Mapping[str, Any]],
    runs_as: Mapping[str, str],
    activity: ActivityIndex,
) -> dict[str, Any]:
    steps = [s.as_dict(owners) for s in path.steps]
    techniques = [s["technique"] for s in steps]
    principal = ctx.view.principals.get(source) or {}
    agent = agents.get(source) or (agents.get(runs_as[source]) if source in runs_as else None)
    facts = PathFacts(
        target="admin",  # every path here ends at an administrator (or a step that makes one)
        start=start_kind(source, kind=principal.get("kind"), agent=agent),
        # an agent running as its role is not a step anyone takes: it does not make the path longer
        hops=max(1, sum(1 for s in path.steps if s.edge.get("relationship") != "RUNS_AS")),
        cross_account=crosses_account(steps),
        conditional_steps=sum(1 for s in steps if s.get("conditional")),
        potential_steps=sum(1 for s in steps if s.get("potential")),
        unowned_steps=sum(1 for s in steps if not s.get("owner")),
        exercised_steps=exercised_steps(steps, activity),
    )
    risk = score_path(facts)
    verb = "delegates into a path to" if kind == DELEGATION_KIND else "reaches"
    return _finding(
        kind,
        source,
        path.target,
        techniques,
        risk,
        steps,
        owners.get(source),
        f"{_short(source)} {verb} admin {_short(path.target)} in {path.hops} step(s)",
    )


def _finding(
    kind: str,
    subject: str,
    target: str,
    techniques: Sequence[str],
    risk: Risk,
    steps: list[dict[str, Any]],
    owner: str | None,
    title: str,
    detail: Any = None,
) -> dict[str, Any]:
    return {
        "id": finding_id(kind, subject, target, techniques),
        "kind": kind,
        "severity": risk.severity,
        "score": risk.score,
        "subject": subject,
        "target": target,
        "title": title,
        "path": steps,
        "owner": owner,
        "frameworks": frameworks_for(techniques),
        "techniques": list(techniques),
        "account": account_of(subject) or "",
        "risk": risk.as_dict(),
        "detail": detail,
        "status": "new",
    }


def _external_finding(
    raw: Mapping[str, Any], owners: Mapping[str, str | None], distinct: str = ""
) -> dict[str, Any]:
    """A finding of the findings layer ({kind, subject, severity, detail}) in the report's shape. Its id
    hashes kind and subject (and `distinct`, the detail, only when one subject has several of that kind), so
    a route that changes does not make an accountability gap look new."""
    kind, subject = str(raw.get("kind", "finding")), str(raw.get("subject", ""))
    detail = raw.get("detail")
    target = str(raw.get("target") or distinct)
    risk = score_given(str(raw.get("severity", "medium")), "severity given by the findings layer")
    title = str(raw.get("title") or (detail if isinstance(detail, str) else f"{kind}: {_short(subject)}"))
    f = _finding(kind, subject, target, [], risk, [], owners.get(subject), title, detail)
    extra = raw.get("frameworks")
    if isinstance(extra, list):
        f["frameworks"] = [x if isinstance(x, dict) else _ref(str(x)) for x in extra]
    return f


def _query_findings(
    rows_by_query: Mapping[str, list[dict[str, Any]]], owners: Mapping[str, str | None]
) -> list[dict[str, Any]]:
    """Rows of named queries marked `scheduled: yes`: each row is a finding of kind `query:<name>`."""
    out = []
    for name, rows in sorted(rows_by_query.items()):
        for row in rows:
            subject = str(
                row.get("subject") or row.get("source") or row.get("arn") or next(iter(row.values()), "")
            )
            target = str(row.get("target") or "")
            risk = score_given(str(row.get("severity") or "medium"), f"scheduled query {name}")
            out.append(
                _finding(
                    f"query:{name}",
                    subject,
                    target,
                    [],
                    risk,
                    [],
                    owners.get(subject),
                    f"{name}: {_short(subject)}",
                    {k: row[k] for k in sorted(row)},
                )
            )
    return out


def build_findings(ctx: ScanContext) -> list[dict[str, Any]]:
    # The agents layer's picture (manifest, platforms, IAM, merged) is the only one: the view carries it.
    agents: dict[str, dict[str, Any]] = {}
    for aid, a in ctx.view.agents.items():
        entry: dict[str, Any] = {"vendor_hosted": False, "owner": None}
        entry.update({k: v for k, v in a.items() if v not in (None, "")})
        entry["runs_as"] = list(a.get("runs_as") or [])
        agents[aid] = entry
    for e in ctx.view.edges:
        if e["relationship"] == "RUNS_AS" and e["source"] in agents:
            agents[e["source"]]["runs_as"] = list(
                dict.fromkeys(agents[e["source"]]["runs_as"] + [e["target"]])
            )
    runs_as = {arn: aid for aid, a in agents.items() for arn in a.get("runs_as", [])}
    owners: dict[str, str | None] = {k: v for k, v in ctx.view.owners.items() if v}
    activity = activity_index(ctx.snapshot.cloudtrail)

    findings: list[dict[str, Any]] = []
    for source, path in admin_paths(ctx.view, ctx.options):
        delegated = source in ctx.view.agents and any(
            s.edge.get("relationship") == "DELEGATES_TO" for s in path.steps
        )
        kind = DELEGATION_KIND if delegated else PATH_KIND
        findings.append(_path_finding(kind, source, path, ctx, owners, agents, runs_as, activity))
    # An unowned identity on a path to admin is one finding, not two: the accountability gap is folded into
    # the path finding (its score already counts unowned steps), so one added escalation is one new finding.
    by_subject = {f["subject"]: f for f in findings}
    extra = []
    for raw in ctx.extra_findings:
        path_finding = by_subject.get(str(raw.get("subject")))
        if raw.get("kind") == "unowned-escalation" and path_finding is not None:
            path_finding["unowned"] = True
            refs = raw.get("frameworks")
            if isinstance(refs, list):
                known = {json.dumps(r, sort_keys=True) for r in path_finding["frameworks"]}
                for r in refs:
                    ref = r if isinstance(r, dict) else _ref(str(r))
                    if json.dumps(ref, sort_keys=True) not in known:
                        path_finding["frameworks"].append(ref)
            continue
        extra.append(raw)
    seen: dict[tuple[str, str], int] = {}
    for raw in extra:
        key = (str(raw.get("kind")), str(raw.get("subject")))
        seen[key] = seen.get(key, 0) + 1
    for raw in extra:
        # a kind and subject can hold several findings (one per event): the detail tells them apart
        several = seen[(str(raw.get("kind")), str(raw.get("subject")))] > 1
        findings.append(_external_finding(raw, owners, str(raw.get("detail") or "") if several else ""))
    findings += _query_findings(ctx.query_rows, owners)
    unique = {f["id"]: f for f in findings}
    return sorted(unique.values(), key=lambda f: (-f["score"], f["kind"], f["subject"], f["id"]))


# --- the report -----------------------------------------------------------------------------------------
def bundle_digest(bundle: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(bundle, sort_keys=True, default=str).encode()).hexdigest()[:16]


def summarise(findings: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    current = [f for f in findings if f.get("status") != "resolved"]
    by_sev = {s: sum(1 for f in current if f["severity"] == s) for s in ("critical", "high", "medium", "low")}
    by_kind: dict[str, int] = {}
    for f in current:
        by_kind[f["kind"]] = by_kind.get(f["kind"], 0) + 1
    return {
        "findings": len(current),
        "by_severity": by_sev,
        "by_kind": dict(sorted(by_kind.items())),
        **{s: sum(1 for f in findings if f.get("status") == s) for s in STATUSES},
        "baseline": None,
        "fail_on": None,
        "failing": [],
    }


def build_report(ctx: ScanContext, now: datetime | None = None) -> dict[str, Any]:
    findings = build_findings(ctx)
    snap = ctx.snapshot
    return {
        "format": REPORT_FORMAT,
        "generated_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "snapshot": {
            "source": ctx.source_label,
            "digest": ctx.digest,
            "collected_at": snap.collected_at,
            "accounts": sorted(snap.accounts),
            "principals": sum(1 for p in snap.principals.values() if p.kind in ("user", "role")),
            "escalation_edges": sum(1 for e in ctx.view.edges if e["relationship"] in ESCALATION_TYPES),
            "agents": len(ctx.view.agents),
        },
        "findings": findings,
        "summary": summarise(findings),
    }


def check_report(doc: Any, where: str) -> list[dict[str, Any]]:
    """The findings of a previous report, or ReportError naming what is wrong (exit code 2 in the CLI)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise ReportError(f"{where}: not an agentpath scan report (expected an object with a findings list)")
    for i, f in enumerate(doc["findings"]):
        if (
            not isinstance(f, dict)
            or not isinstance(f.get("id"), str)
            or not isinstance(f.get("severity"), str)
        ):
            raise ReportError(f"{where}: findings[{i}]: expected an object with string id and severity")
    return list(doc["findings"])


def apply_baseline(
    report: dict[str, Any], previous: Sequence[Mapping[str, Any]], label: str
) -> dict[str, Any]:
    """Mark each finding new or unchanged, and carry the previous report's vanished findings as resolved.
    A previous finding already marked resolved is history, not state: it is not resolved again."""
    before = {f["id"]: f for f in previous if f.get("status") != "resolved"}
    current = []
    for f in report["findings"]:
        if f.get("status") == "resolved":
            continue
        current.append({**f, "status": "unchanged" if f["id"] in before else "new"})
    now_ids = {f["id"] for f in current}
    resolved = [{**dict(f), "status": "resolved"} for fid, f in sorted(before.items()) if fid not in now_ids]
    out = {**report, "findings": current + resolved}
    out["summary"] = {**summarise(out["findings"]), "baseline": label}
    return out


def failing(report: Mapping[str, Any], fail_on: str | None) -> list[str]:
    """Ids of *new* findings at or above `fail_on`: what makes a scheduled scan exit 1."""
    if not fail_on:
        return []
    return [
        f["id"] for f in report["findings"] if f.get("status") == "new" and at_least(f["severity"], fail_on)
    ]


def with_gate(report: dict[str, Any], fail_on: str | None) -> dict[str, Any]:
    ids = failing(report, fail_on)
    return {**report, "summary": {**report["summary"], "fail_on": fail_on, "failing": ids}}

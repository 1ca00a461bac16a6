"""What-if: change a copy of the raw inputs, re-derive everything, and say which paths to admin change.

Changes are applied to a deep copy of the merged bundle (the same dict a store keeps as its source), never to
a store, and the copy goes through the very same analysis an ingest runs, so the answer is what agentpath
would report after the change, not an estimate.

Statements are named the way every edge cites them (`StatementRef.policy` in graph_model/policy.py):
a managed policy ARN, `<principal arn>#inline/<name>`, `trust:<role arn>`, `scp:<name>`, `rcp:<name>` or a
resource ARN, followed by `#INDEX` (the statement's position) or `#SID`. A removed statement is replaced in
place by one that matches no action, so the other statements of its policy keep their index, and several
removals from one policy all mean what they meant in the original.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from graph_model.paths import EscalationPath, PathOptions
from graph_model.policy import PolicyFormatError, load_document

if TYPE_CHECKING:
    from graph_model.derive import Derived
    from graph_model.model import GraphData
    from graph_model.snapshot import Snapshot
    from queries.api import GraphView

NEUTRAL_SID = "AgentpathWhatIfRemoved"
WHATIF_ORG_ROOT = "r-agentpath-whatif"


class WhatIfError(ValueError):
    """A change that cannot be applied (unknown policy, index out of range, bad document): exit code 2."""


# --- changes --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RemoveStatement:
    policy: str
    selector: str  # an index ("0", "3") or a Sid

    @classmethod
    def parse(cls, text: str) -> RemoveStatement:
        policy, sep, selector = text.rpartition("#")
        if not sep or not policy or not selector:
            raise WhatIfError(f"--remove-statement {text!r}: expected POLICY#INDEX (or POLICY#SID)")
        return cls(policy, selector)

    def describe(self) -> str:
        return f"remove statement {self.policy}#{self.selector}"


@dataclass(frozen=True)
class AddBoundary:
    principal: str
    document: Mapping[str, Any]
    name: str = "boundary"

    def describe(self) -> str:
        return f"add permissions boundary {self.name} to {self.principal}"


@dataclass(frozen=True)
class AddScp:
    document: Mapping[str, Any]
    name: str = "scp"
    targets: tuple[str, ...] = ()  # empty: every organization root

    def describe(self) -> str:
        where = ", ".join(self.targets) if self.targets else "the organization root"
        return f"add SCP {self.name} at {where}"


Change = RemoveStatement | AddBoundary | AddScp


def _check_document(doc: Any, what: str, kind: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise WhatIfError(f"{what}: a policy document must be a JSON object")
    try:
        load_document(doc, what, kind)
    except PolicyFormatError as exc:
        raise WhatIfError(f"{what}: {exc}") from exc
    return doc


def boundary_change(arg: str, document: Any, name: str) -> AddBoundary:
    return AddBoundary(arg, _check_document(document, f"boundary for {arg}", "boundary"), name)


def scp_change(document: Any, name: str, targets: Sequence[str] = ()) -> AddScp:
    return AddScp(_check_document(document, f"SCP {name}", "scp"), name, tuple(targets))


# --- applying them to a bundle --------------------------------------------------------------------------
def _parse_doc(raw: Any) -> Any:
    return json.loads(unquote(raw)) if isinstance(raw, str) else raw


def _statements(holder: dict[str, Any], key: str, what: str) -> list[Any]:
    """The statement list of the document at holder[key], normalised in place to a list."""
    doc = _parse_doc(holder.get(key))
    if not isinstance(doc, dict):
        raise WhatIfError(f"{what}: the policy has no document in the inputs")
    body = doc.get("Statement", [])
    stmts = [body] if isinstance(body, dict) else list(body)
    doc["Statement"] = stmts
    holder[key] = doc
    return stmts


def _select(stmts: list[Any], selector: str, what: str) -> int:
    if re.fullmatch(r"\d+", selector):
        index = int(selector)
        if index >= len(stmts):
            raise WhatIfError(f"{what}: statement index {index} out of range (the policy has {len(stmts)})")
        return index
    for i, s in enumerate(stmts):
        if isinstance(s, dict) and s.get("Sid") == selector:
            return i
    raise WhatIfError(f"{what}: no statement with Sid {selector!r}")


def _neutralise(stmts: list[Any], selector: str, what: str) -> None:
    index = _select(stmts, selector, what)
    stmts[index] = {"Sid": NEUTRAL_SID, "Effect": "Allow", "Action": []}


def _entries(bundle: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for acct, gaad in bundle.get("authorization_details", {}).items():
        for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"):
            for item in gaad.get(key, []):
                yield acct, key, item


def _default_version(item: dict[str, Any]) -> dict[str, Any] | None:
    versions = [v for v in item.get("PolicyVersionList", []) if isinstance(v, dict)]
    wanted = item.get("DefaultVersionId")
    for v in versions:
        if (wanted is not None and v.get("VersionId") == wanted) or (
            wanted is None and v.get("IsDefaultVersion")
        ):
            return v
    return versions[0] if len(versions) == 1 else None


INLINE_LISTS = {
    "UserDetailList": "UserPolicyList",
    "GroupDetailList": "GroupPolicyList",
    "RoleDetailList": "RolePolicyList",
}


def _remove(bundle: dict[str, Any], change: RemoveStatement) -> None:
    ref, sel = change.policy, change.selector
    what = f"{ref}#{sel}"
    found = False
    if ref.startswith("trust:"):
        role = ref[len("trust:") :]
        for _, key, item in _entries(bundle):
            if key == "RoleDetailList" and item.get("Arn") == role:
                _neutralise(_statements(item, "AssumeRolePolicyDocument", what), sel, what)
                found = True
    elif "#inline/" in ref:
        owner, _, name = ref.partition("#inline/")
        for _, key, item in _entries(bundle):
            if key in INLINE_LISTS and item.get("Arn") == owner:
                for pol in item.get(INLINE_LISTS[key], []):
                    if isinstance(pol, dict) and pol.get("PolicyName") == name:
                        _neutralise(_statements(pol, "PolicyDocument", what), sel, what)
                        found = True
    elif ref.split(":", 1)[0] in ("scp", "rcp"):
        kind, _, name = ref.partition(":")
        for i, pol in enumerate((bundle.get("organization") or {}).get("policies", [])):
            if pol.get("type", "").lower() == kind and str(pol.get("name", i)) == name:
                _neutralise(_statements(pol, "document", what), sel, what)
                found = True
    elif ref.startswith("session:"):
        raise WhatIfError(
            f"{what}: session policies belong to one session and cannot be edited; "
            "remove the statement from the role's policies instead"
        )
    else:
        for _, key, item in _entries(bundle):
            if key == "Policies" and item.get("Arn") == ref:
                version = _default_version(item)
                if version is None:
                    raise WhatIfError(f"{what}: the policy's default version is not in the inputs")
                _neutralise(_statements(version, "Document", what), sel, what)
                found = True  # an AWS-managed policy appears once per account: change every copy
        for rp in bundle.get("resource_policies", []) or []:
            if rp.get("arn") == ref:
                _neutralise(_statements(rp, "policy", what), sel, what)
                found = True
    if not found:
        raise WhatIfError(
            f"{what}: no such policy in the inputs (use the name an edge cites, e.g. a policy "
            "ARN, <principal arn>#inline/<name> or trust:<role arn>)"
        )


def _unique_name(existing: set[str], base: str) -> str:
    name, n = base, 1
    while name in existing:
        n += 1
        name = f"{base}-{n}"
    return name


def _add_boundary(bundle: dict[str, Any], change: AddBoundary) -> None:
    for acct, key, item in _entries(bundle):
        if key in ("UserDetailList", "RoleDetailList") and item.get("Arn") == change.principal:
            policies = bundle["authorization_details"][acct].setdefault("Policies", [])
            names = {p.get("PolicyName") for p in policies}
            name = _unique_name(
                {str(n) for n in names}, re.sub(r"[^\w+=,.@-]", "-", change.name) or "boundary"
            )
            arn = f"arn:aws:iam::{acct}:policy/agentpath-whatif/{name}"
            policies.append(
                {
                    "PolicyName": name,
                    "Arn": arn,
                    "Path": "/agentpath-whatif/",
                    "DefaultVersionId": "v1",
                    "PolicyVersionList": [
                        {
                            "VersionId": "v1",
                            "IsDefaultVersion": True,
                            "Document": copy.deepcopy(dict(change.document)),
                        }
                    ],
                }
            )
            item["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}
            return
    raise WhatIfError(f"--add-boundary {change.principal}: no such user or role in the inputs")


def _add_scp(bundle: dict[str, Any], change: AddScp) -> None:
    """Attach at every organization root (or the given targets). Without an organization in the inputs,
    one is made up: every account under one root, with FullAWSAccess at each level as AWS sets it up, so the
    new SCP is the only thing that restricts anything."""
    accounts = sorted(bundle.get("authorization_details", {}))
    org = bundle.get("organization")
    if not org:
        org = {
            "id": "o-agentpathwhatif",
            "management_account_id": None,
            "member_accounts": {a: [WHATIF_ORG_ROOT, a] for a in accounts},
            "policies": [
                {
                    "type": "SCP",
                    "name": "FullAWSAccess",
                    "targets": [WHATIF_ORG_ROOT, *accounts],
                    "document": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                    },
                }
            ],
        }
        bundle["organization"] = org
    roots = sorted({chain[0] for chain in org.get("member_accounts", {}).values() if chain})
    targets = list(change.targets) or roots
    if not targets:
        raise WhatIfError(
            f"--add-scp {change.name}: the organization lists no member accounts to attach it to"
        )
    names = {str(p.get("name")) for p in org.get("policies", [])}
    org.setdefault("policies", []).append(
        {
            "type": "SCP",
            "name": _unique_name(names, change.name),
            "targets": targets,
            "document": copy.deepcopy(dict(change.document)),
        }
    )


def apply_changes(bundle: Mapping[str, Any], changes: Sequence[Change]) -> dict[str, Any]:
    """A changed deep copy; the input bundle is never modified."""
    out = copy.deepcopy(dict(bundle))
    for change in changes:
        if isinstance(change, RemoveStatement):
            _remove(out, change)
        elif isinstance(change, AddBoundary):
            _add_boundary(out, change)
        else:
            _add_scp(out, change)
    return out


# --- analysis -------------------------------------------------------------------------------------------
@dataclass
class Analysis:
    """One full analysis of a bundle: what an ingest would load, plus the derivation with its evidence."""

    snapshot: Snapshot
    derived: Derived
    graph: GraphData
    view: GraphView


def analyse_full(bundle: Mapping[str, Any]) -> Analysis:
    """The one analysis of a bundle, used by ingest, scans, what-if and fixes: snapshot, derivation (min-cut
    needs each edge's statements), the graph to load and the path-search view."""
    from graph_model.derive import derive
    from graph_model.enrich import enrich
    from graph_model.model import build_graph
    from ingest.transform import build_snapshot
    from queries.scan import view_from_graph

    snapshot = build_snapshot(dict(bundle))
    derived = derive(snapshot)
    graph = build_graph(snapshot, derived)
    enrich(snapshot, derived, graph)
    return Analysis(snapshot, derived, graph, view_from_graph(graph))


@dataclass
class PathRecord:
    id: str
    source: str
    target: str
    hops: int
    techniques: list[str]
    steps: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "target": self.target,
            "hops": self.hops,
            "techniques": self.techniques,
            "steps": self.steps,
        }


def _record(source: str, path: EscalationPath) -> PathRecord:
    from queries.scan import path_id

    steps = [
        {
            "from": s.source,
            "to": s.target,
            "technique": s.edge["technique"],
            "statements": list(s.edge.get("statements") or []),
        }
        for s in path.steps
    ]
    return PathRecord(
        path_id(source, path), source, path.target, path.hops, [s["technique"] for s in steps], steps
    )


def path_records(view: GraphView, options: PathOptions | None = None) -> dict[str, PathRecord]:
    """The scan's paths (one shortest path to admin per source), keyed by the scan's finding id."""
    from queries.scan import admin_paths

    return {r.id: r for r in (_record(s, p) for s, p in admin_paths(view, options))}


def diff(
    before: Analysis, after: Analysis, changes: Sequence[Change], options: PathOptions | None = None
) -> dict[str, Any]:
    old, new = path_records(before.view, options), path_records(after.view, options)
    old_sources, new_sources = {r.source for r in old.values()}, {r.source for r in new.values()}
    old_route = {r.source: r.id for r in old.values()}
    new_route = {r.source: r.id for r in new.values()}
    include_conditional = True if options is None else options.include_conditional
    admins_before = before.view.admin_set(include_conditional)
    admins_after = after.view.admin_set(include_conditional)
    return {
        "changes": [c.describe() for c in changes],
        "before": {"paths": len(old), "admins": len(admins_before)},
        "after": {"paths": len(new), "admins": len(admins_after)},
        "disappeared": [old[i].as_dict() for i in sorted(set(old) - set(new))],
        "appeared": [new[i].as_dict() for i in sorted(set(new) - set(old))],
        "no_longer_reach_admin": sorted(old_sources - new_sources),
        "newly_reach_admin": sorted(new_sources - old_sources),
        "rerouted": sorted(s for s in old_sources & new_sources if old_route[s] != new_route[s]),
        "admins_lost": sorted(admins_before - admins_after),
        "admins_gained": sorted(admins_after - admins_before),
    }


def what_if(
    bundle: Mapping[str, Any],
    changes: Sequence[Change],
    options: PathOptions | None = None,
    before: Analysis | None = None,
) -> dict[str, Any]:
    """Apply `changes` to a copy of `bundle`, re-analyse, and diff the paths to admin."""
    changed = apply_changes(bundle, changes)
    return diff(before or analyse_full(bundle), analyse_full(changed), changes, options)

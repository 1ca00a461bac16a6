"""The graph model: which nodes and relationships a snapshot becomes, declared as data.

Both stores load the same `GraphData`: nodes keyed by a stable `uid` (an ARN, an account id, an e-mail), and
relationships keyed by (type, from uid, to uid, key). Property values are scalars or lists of scalars only, so
the embedded store and Neo4j hold exactly the same thing; nested evidence is stored as JSON text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from graph_model.derive import Derived, EscalationEdge
from graph_model.snapshot import Snapshot

#: Node labels and their display kind; every principal also carries the label `Principal`.
NODE_LABELS = {
    "Account": "account",
    "User": "user",
    "Role": "role",
    "Group": "group",
    "Policy": "policy",
    "ServicePrincipal": "service",
    "FederatedProvider": "provider",
    "Agent": "agent",
    "Person": "person",
    "Team": "team",
    "Task": "task",
    "PrivilegeEvent": "event",
}
RELATIONSHIPS = (
    "IN_ACCOUNT",
    "MEMBER_OF",
    "HAS_POLICY",
    "CAN_ASSUME",
    "CAN_ESCALATE_TO",
    "RUNS_AS",
    "DELEGATES_TO",
    "OWNED_BY",
    "SPONSORED_BY",
    "MONITORED_BY",
    "MEMBER_OF_TEAM",
    "APPROVED",
    "COVERS",
    "PERFORMED",
    "GRANTED",
)


@dataclass
class NodeRecord:
    label: str  # the primary label; principals get `Principal` too
    uid: str
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class RelRecord:
    type: str
    source: str
    target: str
    key: str = ""  # distinguishes parallel relationships of one type (e.g. two techniques)
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class GraphData:
    nodes: list[NodeRecord] = field(default_factory=list)
    relationships: list[RelRecord] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for n in self.nodes:
            out[n.label] = out.get(n.label, 0) + 1
        return out


def edge_props(e: EscalationEdge) -> dict[str, Any]:
    return {
        "technique": e.technique,
        "category": e.category,
        "actions": list(e.actions),
        "statements": [s.label() for s in e.statements],
        "evidence": json.dumps([s.as_dict() for s in e.statements], sort_keys=True),
        "conditional": e.conditional,
        "conditions": json.dumps(e.conditions, sort_keys=True),
        "potential": e.potential,
        "grants_admin": e.grants_admin,
        "checks": list(e.checks),
        "via": e.via or "",
    }


def build_graph(snapshot: Snapshot, derived: Derived) -> GraphData:
    g = GraphData()
    for acct in sorted(snapshot.accounts.values(), key=lambda a: a.account_id):
        g.nodes.append(
            NodeRecord(
                "Account",
                acct.account_id,
                {"id": acct.account_id, "name": acct.name or "", "owner": acct.owner or ""},
            )
        )
    used_policies: set[str] = set()
    for p in sorted(snapshot.principals.values(), key=lambda p: p.arn):
        label = {"user": "User", "role": "Role", "group": "Group"}[p.kind]
        admin = derived.admin.get(p.arn)
        g.nodes.append(
            NodeRecord(
                label,
                p.arn,
                {
                    "arn": p.arn,
                    "name": p.name,
                    "path": p.path,
                    "account_id": p.account_id,
                    "kind": p.kind,
                    "is_admin": bool(admin and admin.allowed and not admin.conditional),
                    "admin_conditional": bool(admin and admin.conditional),
                    "boundary_arn": p.boundary_arn or "",
                    "service_linked": p.service_linked,
                    "tags": json.dumps(p.tags, sort_keys=True),
                    "created": p.created or "",
                    "unique_id": p.unique_id or "",
                },
            )
        )
        g.relationships.append(RelRecord("IN_ACCOUNT", p.arn, p.account_id))
        for group in snapshot.groups_of(p) if p.kind == "user" else []:
            g.relationships.append(RelRecord("MEMBER_OF", p.arn, group.arn))
        for arn in p.managed_policy_arns:
            used_policies.add(arn)
            g.relationships.append(RelRecord("HAS_POLICY", p.arn, arn, "managed", {"attachment": "managed"}))
        if p.boundary_arn:
            used_policies.add(p.boundary_arn)
            g.relationships.append(
                RelRecord("HAS_POLICY", p.arn, p.boundary_arn, "boundary", {"attachment": "boundary"})
            )
        for inline in p.inline_policies:
            uid = f"{p.arn}#inline/{inline.name}"
            g.nodes.append(
                NodeRecord(
                    "Policy",
                    uid,
                    {"arn": uid, "name": inline.name, "kind": "inline", "account_id": p.account_id},
                )
            )
            g.relationships.append(RelRecord("HAS_POLICY", p.arn, uid, "inline", {"attachment": "inline"}))
    for arn in sorted(used_policies | {a for a, pol in snapshot.policies.items() if not pol.aws_managed}):
        pol = snapshot.policies.get(arn)
        kind = "aws-managed" if arn.startswith("arn:aws:iam::aws:") else "customer-managed"
        g.nodes.append(
            NodeRecord(
                "Policy",
                arn,
                {
                    "arn": arn,
                    "name": pol.name if pol else arn.rsplit("/", 1)[-1],
                    "kind": kind,
                    "account_id": pol.account_id if pol else "",
                    "default_version": (pol.default_version_id or "") if pol else "",
                    "in_snapshot": pol is not None,
                },
            )
        )
    sources = {e.source for e in derived.edges if e.source not in snapshot.principals}
    for src in sorted(sources):
        if src.endswith(".amazonaws.com") or src.endswith(".amazonaws.com.cn"):
            g.nodes.append(NodeRecord("ServicePrincipal", src, {"name": src}))
        else:
            g.nodes.append(NodeRecord("FederatedProvider", src, {"arn": src, "name": src.rsplit("/", 1)[-1]}))
    for e in derived.edges:
        if e.target not in snapshot.principals:
            continue
        g.relationships.append(RelRecord(e.relationship, e.source, e.target, e.technique, edge_props(e)))
    return g

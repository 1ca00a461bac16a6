"""The escalation graph drawn with pyvis: kinds as shapes and colours, techniques on edges, owners as people.

A graph is first described as a `GraphSpec` (plain data, unit-tested), bounded to a node budget so a large
estate never turns the page into a hairball or a frozen tab, then rendered to self-contained HTML. The HTML
inlines vis-network from the pyvis wheel and strips pyvis's CDN links: the explorer runs on machines and in
meeting rooms without internet access.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from queries.api import GraphView
from ui.explore import account_of, edge_index, format_conditions, node_kind, short_name, step_flags
from ui.style import ADMIN_BORDER, HIGHLIGHT, KIND_STYLE, MUTED_EDGE, OWNER_EDGE

DEFAULT_MAX_NODES = 60
GRAPH_HEIGHT = 560
OWNER_PREFIX = "owner:"


def _plain(text: Any) -> str:
    """Names come from IAM exports and manifests; no angle brackets ever reach the HTML, even in tooltips."""
    return str(text).replace("<", "‹").replace(">", "›")


@dataclass
class NodeSpec:
    uid: str
    kind: str
    label: str
    title: str
    admin: bool = False
    on_path: bool = False
    level: int = 0


@dataclass
class EdgeSpec:
    source: str
    target: str
    label: str
    title: str
    on_path: bool = False
    owner_link: bool = False


@dataclass
class GraphSpec:
    nodes: dict[str, NodeSpec] = field(default_factory=dict)
    edges: list[EdgeSpec] = field(default_factory=list)
    total_nodes: int = 0  # before the budget
    max_nodes: int = DEFAULT_MAX_NODES

    @property
    def dropped(self) -> int:
        return max(0, self.total_nodes - len(self.nodes))

    @property
    def bounded(self) -> bool:
        return self.dropped > 0

    def kinds(self) -> set[str]:
        return {n.kind for n in self.nodes.values()}


def _node(uid: str, view: GraphView | None, level: int) -> NodeSpec:
    kind = node_kind(uid, view)
    principal = view.principals.get(uid, {}) if view else {}
    admin = bool(principal.get("is_admin"))
    label = short_name(uid)
    if kind == "person":
        label = uid.removeprefix(OWNER_PREFIX)
    title_lines = [f"{KIND_STYLE.get(kind, ('', '', kind))[2]}: {uid.removeprefix(OWNER_PREFIX)}"]
    if account_of(uid):
        title_lines.append(f"account {account_of(uid)}")
    if admin:
        title_lines.append("administrator-equivalent")
        label += "\n★ admin"
    elif principal.get("admin_conditional"):
        title_lines.append("administrator-equivalent when conditions hold")
    if view is not None and kind in ("agent", "user", "role"):
        owner = view.owners.get(uid)
        title_lines.append(f"owner: {owner}" if owner else "owner: UNOWNED")
    return NodeSpec(uid, kind, _plain(label), _plain("\n".join(title_lines)), admin=admin, level=level)


def _path_uids(path: Mapping[str, Any]) -> list[str]:
    steps = path.get("steps", [])
    if not steps:
        return [str(path.get("target", ""))] if path.get("target") else []
    return [steps[0]["from"]] + [s["to"] for s in steps]


def build_path_graph(
    view: GraphView,
    report: Mapping[str, Any],
    selected: int | None = 0,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    show_owners: bool = True,
    only_selected: bool = False,
    techniques: Mapping[str, str] | None = None,
) -> GraphSpec:
    """The paths of one `path_report`, the selected one highlighted, owners attached to the steps they own.

    The selected path is always drawn whole; other paths follow in report order (shortest first) while they
    fit the budget, each path all-or-nothing so no drawn path is missing a hop. Owners count toward the budget
    and sit in the same column as the identity they answer for."""
    paths: list[Mapping[str, Any]] = list(report.get("paths", []))
    order = list(range(len(paths)))
    if selected is not None and 0 <= selected < len(paths):
        order.remove(selected)
        order.insert(0, selected)
        if only_selected:
            order = [selected]
    spec = GraphSpec(max_nodes=max_nodes)
    source = str(report.get("source", ""))
    every: set[str] = {source} if source else set()
    for p in paths:
        every.update(_path_uids(p))
        if show_owners:
            every.update(OWNER_PREFIX + s["owner"] for s in p.get("steps", []) if s.get("owner"))
    spec.total_nodes = len(every)
    if source:
        spec.nodes[source] = _node(source, view, 0)
    seen_edges: set[tuple[str, str, str]] = set()
    conditions = {k: e.get("conditions") or [] for k, e in edge_index(view).items()}
    for rank, i in enumerate(order):
        path = paths[i]
        steps = path.get("steps", [])
        wanted = [u for u in _path_uids(path) if u not in spec.nodes]
        if rank > 0 and len(spec.nodes) + len(wanted) > max_nodes:
            continue
        on_path = rank == 0 and selected is not None
        for hop, uid in enumerate(_path_uids(path)):
            node = spec.nodes.get(uid) or _node(uid, view, hop)
            node.level = min(node.level, hop) if uid in spec.nodes else hop
            node.on_path = node.on_path or on_path
            spec.nodes[uid] = node
        for hop, step in enumerate(steps):
            key = (step["from"], step["to"], step["technique"])
            if key in seen_edges:
                continue
            seen_edges.add(key)
            enriched = {**step, "conditions": conditions.get(key, [])}
            spec.edges.append(_step_edge(enriched, on_path, techniques))
            owner = step.get("owner")
            if not (show_owners and owner):
                continue
            uid = OWNER_PREFIX + owner
            if uid not in spec.nodes:
                if len(spec.nodes) >= max_nodes and rank > 0:
                    continue
                spec.nodes[uid] = _node(uid, None, hop)
            spec.nodes[uid].on_path = spec.nodes[uid].on_path or on_path
            owner_key = (uid, step["from"], "owns")
            if owner_key not in seen_edges:
                seen_edges.add(owner_key)
                spec.edges.append(
                    EdgeSpec(
                        uid,
                        step["from"],
                        "owns",
                        _plain(f"{owner} owns it"),
                        on_path=on_path,
                        owner_link=True,
                    )
                )
    return spec


def _step_edge(step: Mapping[str, Any], on_path: bool, techniques: Mapping[str, str] | None) -> EdgeSpec:
    technique = str(step["technique"])
    lines = [f"{technique}: {(techniques or {}).get(technique, '')}".rstrip(": ")]
    if step.get("actions"):
        lines.append("actions: " + ", ".join(step["actions"]))
    if step.get("statements"):
        lines.append("allowed by: " + "; ".join(step["statements"]))
    if step.get("conditions"):
        lines.append("conditions: " + format_conditions(step["conditions"]))
    flags = step_flags(step)
    if flags:
        lines.append(flags)
    lines.append(f"owner: {step.get('owner') or 'UNOWNED'}")
    label = technique + (" (cond.)" if step.get("conditional") else "")
    label += " (potential)" if step.get("potential") else ""
    return EdgeSpec(step["from"], step["to"], _plain(label), _plain("\n".join(lines)), on_path=on_path)


def build_chain_graph(
    view: GraphView,
    chains: Sequence[Sequence[Mapping[str, str]]],
    *,
    tails: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    highlight: int | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> GraphSpec:
    """Delegation chains (agent → agent, labelled by mechanism) continued by the `tails`: for the last agent
    of a chain, the steps of its shortest path to admin (or just the identities it runs as), so the picture
    ends where the delegated work can finally land."""
    spec = GraphSpec(max_nodes=max_nodes)
    every: set[str] = set()
    for chain in chains:
        for link in chain:
            every.update((link["from"], link["to"]))
    for steps in (tails or {}).values():
        every.update(u for step in steps for u in (step["from"], step["to"]))
    spec.total_nodes = len(every)
    seen: set[tuple[str, str, str]] = set()

    def add(uid: str, level: int, on_path: bool) -> None:
        node = spec.nodes.setdefault(uid, _node(uid, view, level))
        node.on_path = node.on_path or on_path

    order = list(range(len(chains)))
    if highlight is not None and 0 <= highlight < len(chains):
        order.remove(highlight)
        order.insert(0, highlight)
    for i in order:
        chain = chains[i]
        tail = list((tails or {}).get(chain[-1]["to"], [])) if chain else []
        new = {u for link in chain for u in (link["from"], link["to"])}
        new |= {u for step in tail for u in (step["from"], step["to"])}
        if len(spec.nodes | dict.fromkeys(new)) > max_nodes and i != highlight:
            continue
        on_path = i == highlight
        for depth, link in enumerate(chain):
            add(link["from"], depth, on_path)
            add(link["to"], depth + 1, on_path)
            mechanism = link.get("mechanism") or "declared"
            key = (link["from"], link["to"], mechanism)
            if key not in seen:
                seen.add(key)
                spec.edges.append(
                    EdgeSpec(
                        link["from"],
                        link["to"],
                        _plain(mechanism),
                        _plain(f"delegates via {mechanism}"),
                        on_path=on_path,
                    )
                )
        for depth, step in enumerate(tail, start=len(chain)):
            add(step["from"], depth, on_path)
            add(step["to"], depth + 1, on_path)
            key = (step["from"], step["to"], str(step["technique"]))
            if key not in seen:
                seen.add(key)
                spec.edges.append(_step_edge(step, on_path, None))
    return spec


# --- rendering ----------------------------------------------------------------------------------------------
def _vis_options(hierarchical: bool) -> dict[str, Any]:
    layout: dict[str, Any] = {"improvedLayout": True}
    if hierarchical:
        layout["hierarchical"] = {
            "enabled": True,
            "direction": "LR",
            "levelSeparation": 230,
            "nodeSpacing": 110,
            "treeSpacing": 140,
            "sortMethod": "directed",
            "shakeTowards": "roots",
        }
    return {
        "layout": layout,
        "physics": {"enabled": not hierarchical, "stabilization": {"iterations": 150}},
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False, "zoomView": True},
        "nodes": {
            "font": {
                "face": "Inter, Segoe UI, Helvetica, Arial, sans-serif",
                "size": 14,
                "color": "#0f172a",
                "multi": False,
            },
            "size": 18,
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.7}},
            "font": {
                "size": 12,
                "align": "top",
                "color": "#334155",
                "strokeWidth": 4,
                "strokeColor": "#ffffff",
            },
            "smooth": {
                "enabled": True,
                "type": "cubicBezier",
                "forceDirection": "horizontal",
                "roundness": 0.45,
            }
            if hierarchical
            else {"enabled": True, "type": "dynamic"},
        },
    }


def to_network(spec: GraphSpec, height: int = GRAPH_HEIGHT, hierarchical: bool = True) -> Any:
    """A pyvis Network for the spec (inline resources: no CDN)."""
    from pyvis.network import Network

    net = Network(
        height=f"{height}px", width="100%", directed=True, cdn_resources="in_line", bgcolor="#ffffff"
    )
    any_selected = any(n.on_path for n in spec.nodes.values())
    for node in spec.nodes.values():
        shape, color, _ = KIND_STYLE.get(node.kind, ("dot", "#64748b", node.kind))
        faded = any_selected and not node.on_path
        border = ADMIN_BORDER if node.admin else ("#0f172a" if node.on_path and any_selected else color)
        net.add_node(
            node.uid,
            label=node.label,
            title=node.title,
            shape=shape,
            level=node.level,
            color={
                "background": color,
                "border": border,
                "highlight": {"background": color, "border": HIGHLIGHT},
            },
            borderWidth=4 if node.admin else (2 if node.on_path else 1),
            opacity=0.45 if faded else 1.0,
            size=22 if node.on_path else 16,
            font={"color": "#64748b" if faded else "#0f172a"},
        )
    parallel: dict[tuple[str, str], int] = {}
    for edge in spec.edges:
        pair = (edge.source, edge.target)
        parallel[pair] = parallel.get(pair, 0) + 1
    drawn: dict[tuple[str, str], int] = {}
    for edge in spec.edges:
        pair = (edge.source, edge.target)
        drawn[pair] = drawn.get(pair, 0) + 1
        smooth = (
            {
                "enabled": True,
                "type": "curvedCW" if drawn[pair] % 2 else "curvedCCW",
                "roundness": 0.12 + 0.12 * ((drawn[pair] + 1) // 2),
            }
            if parallel[pair] > 1
            else None
        )
        extra: dict[str, Any] = {"smooth": smooth} if smooth else {}
        if edge.owner_link:
            net.add_edge(
                edge.source,
                edge.target,
                label=edge.label,
                title=edge.title,
                dashes=True,
                color={"color": OWNER_EDGE, "opacity": 1.0 if edge.on_path or not any_selected else 0.4},
                width=1.5,
                arrows={"to": {"enabled": True, "scaleFactor": 0.5}},
                **extra,
            )
        else:
            net.add_edge(
                edge.source,
                edge.target,
                label=edge.label,
                title=edge.title,
                color={"color": HIGHLIGHT if edge.on_path else MUTED_EDGE},
                width=4 if edge.on_path else 1.5,
                font={"color": HIGHLIGHT if edge.on_path else "#475569"},
                **extra,
            )
    net.set_options(json.dumps(_vis_options(hierarchical)))
    return net


_STRIP = [
    re.compile(r"<link[^>]+bootstrap[^>]*>\s*", re.IGNORECASE),
    re.compile(r"<script[^>]+bootstrap[^>]*>\s*</script>\s*", re.IGNORECASE),
    re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>\s*", re.IGNORECASE),
]


#: vis fits node centres to the canvas, so labels at the rim get cut; zoom out a little after the first fit.
_FIT_SCRIPT = """<script>
  (function () {
    if (typeof network === "undefined") { return; }
    var pad = function () { network.fit({animation: false});
                            network.moveTo({scale: network.getScale() * 0.82, animation: false}); };
    network.once("afterDrawing", pad);
  })();
</script>
"""


def render_html(spec: GraphSpec, height: int = GRAPH_HEIGHT, hierarchical: bool = True) -> str:
    """Self-contained HTML for the graph: everything inline, nothing fetched from the internet."""
    html = to_network(spec, height, hierarchical).generate_html(notebook=False)
    for pattern in _STRIP:
        html = pattern.sub("", html)
    html = html.replace("border: 1px solid lightgray;", "border: 0;")
    html = html.replace("</body>", _FIT_SCRIPT + "</body>", 1)
    return html.replace("<body>", '<body style="margin:0">', 1)


def show(spec: GraphSpec, height: int = GRAPH_HEIGHT, hierarchical: bool = True) -> None:
    """Embed the graph in the page. `st.iframe` replaces `components.v1.html` (deprecated, past its removal
    date in this Streamlit); the older call is used only where `st.iframe` does not exist."""
    import streamlit as st

    html = render_html(spec, height, hierarchical)
    if hasattr(st, "iframe"):
        st.iframe(html, height=height + 12, alt="escalation graph")
    else:  # pragma: no cover - older Streamlit
        import streamlit.components.v1 as components

        components.html(html, height=height + 12)


def fit_height(spec: GraphSpec, low: int = 320, high: int = GRAPH_HEIGHT) -> int:
    """A short path gets a short canvas (no empty band on a shared screen); a crowded column gets room."""
    per_level: dict[int, int] = {}
    for node in spec.nodes.values():
        per_level[node.level] = per_level.get(node.level, 0) + 1
    return max(low, min(high, 110 * max(per_level.values(), default=1) + 120))


def node_count_text(spec: GraphSpec) -> str:
    if spec.bounded:
        return (
            f"Showing {len(spec.nodes)} of {spec.total_nodes} nodes (limit {spec.max_nodes}). "
            "Narrow the view: pick a target, lower max hops, draw only the selected path or hide owners."
        )
    return f"{len(spec.nodes)} nodes, {sum(1 for e in spec.edges if not e.owner_link)} steps drawn."


def uids(nodes: Iterable[NodeSpec]) -> list[str]:
    return [n.uid for n in nodes]

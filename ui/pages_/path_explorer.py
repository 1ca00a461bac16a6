"""Path explorer: pick a source (agent or principal) and a target, see every escalation path drawn, the chosen
one highlighted, with its step table next to the graph (who executes, how, allowed by what, owned by whom)
and the path exported for a threat-model document.

The table sits under the graph rather than in a side column: seven columns of ARNs and statements need the
full width to stay readable on a shared screen, and the graph needs it for paths of several hops."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.api import UnknownSource
from ui import data, exports, graph_view, widgets
from ui.explore import display_name, edge_index, step_rows
from ui.style import legend_html, severity_badge

widgets.header("Path explorer", "What can this identity become, through whom, and who answers for each step.")
if not widgets.require_data():
    st.stop()

view = data.view()
SELECT_KEY = "px_source"

# --- the source: agents first, then principals; by default only those with a path to admin ----------------
controls = st.columns([3, 3, 2])
only_escalating = controls[2].toggle(
    "Only sources that reach admin", True, key="px_only", help="Turn off to list every principal and agent."
)
options = widgets.path_options("px", columns=st.columns([3, 3, 2]))

escalating = data.escalating(options)
candidates = set(escalating) if only_escalating else set(view.principals) | set(view.agents)
requested = st.session_state.pop(widgets.SOURCE_KEY, None)  # a click on another page
if requested is None and SELECT_KEY not in st.session_state:
    requested = st.query_params.get("source")  # a shared link
if requested and (requested in view.principals or requested in view.agents):
    candidates.add(requested)
    st.session_state[SELECT_KEY] = requested
elif st.session_state.get(SELECT_KEY):
    candidates.add(st.session_state[SELECT_KEY])  # keep the current choice when the list is narrowed
sources = sorted(candidates, key=lambda u: (u not in view.agents, escalating.get(u, 99), u))
if not sources:
    st.success(
        "No principal or agent reaches an administrator-equivalent identity with these settings. "
        "Turn off **Only sources that reach admin** to explore any identity."
    )
    st.stop()
if st.session_state.get(SELECT_KEY) not in sources:
    st.session_state[SELECT_KEY] = sources[0]
source = controls[0].selectbox(
    "Source (agent or principal)",
    sources,
    key=SELECT_KEY,
    format_func=lambda u: display_name(u, view),
    help="Type to search by name, ARN or agent id.",
)
targets = ["admin"] + sorted(u for u in view.principals if u != source)
target = controls[1].selectbox(
    "Target",
    targets,
    key="px_target",
    format_func=lambda u: "any administrator-equivalent identity" if u == "admin" else display_name(u, view),
)
if st.query_params.get("source") != source:
    st.query_params["source"] = source

try:
    report = data.report(source, target, options)
except UnknownSource as exc:
    st.error(str(exc))
    st.stop()

# --- the verdict ------------------------------------------------------------------------------------------
paths = report["paths"]
if report["source_is_admin"]:
    verdict = severity_badge("critical") + " &nbsp;**is already administrator-equivalent**"
elif report["reaches_admin"]:
    shortest = min(p["hops"] for p in paths)
    verdict = (
        severity_badge("critical") + f" &nbsp;**reaches admin** in {shortest} "
        f"hop{'s' if shortest != 1 else ''} · {len(paths)} target{'s' if len(paths) != 1 else ''}"
    )
elif paths:
    verdict = severity_badge("high") + f" &nbsp;**reaches the chosen target** · {len(paths)} path(s)"
else:
    verdict = severity_badge("info") + " &nbsp;**no escalation path** with these settings"
owner = view.owners.get(source)
verdict += f" &nbsp;·&nbsp; owner: {'**' + owner + '**' if owner else '⚠ **UNOWNED**'}"
st.markdown(verdict, unsafe_allow_html=True)

if not paths:
    st.caption(
        "Nothing to draw. Raise max hops, count conditional or potential steps, or choose another target."
    )
    st.stop()

labels = [
    f"{i + 1}. → {display_name(p['target'], view)} · {p['hops']} hop{'s' if p['hops'] != 1 else ''} · "
    + " → ".join(s["technique"] for s in p["steps"])
    for i, p in enumerate(paths)
]
chosen = st.selectbox("Path", range(len(paths)), format_func=lambda i: labels[i], key="px_path")
path = paths[chosen]

gopts = st.columns([1, 1, 2])
show_owners = gopts[0].toggle(
    "Draw owners",
    True,
    key="px_owners",
    help="Accountable people, attached to the identities whose steps they answer for.",
)
only_selected = gopts[1].toggle(
    "Only this path", False, key="px_only_sel", help="Hide the other paths from this source."
)
max_nodes = gopts[2].slider(
    "Max nodes drawn",
    10,
    300,
    graph_view.DEFAULT_MAX_NODES,
    step=10,
    key="px_nodes",
    help="The graph is bounded so large estates stay responsive.",
)
spec = graph_view.build_path_graph(
    view,
    report,
    chosen,
    max_nodes=max_nodes,
    show_owners=show_owners,
    only_selected=only_selected,
    techniques=data.techniques(),
)
st.html(legend_html())
graph_view.show(spec, graph_view.fit_height(spec))
if spec.bounded:
    st.info(graph_view.node_count_text(spec), icon=":material/filter_alt:")
else:
    st.caption(graph_view.node_count_text(spec))

rows = step_rows(path, view, data.techniques())
frame = pd.DataFrame(rows)
frame["conditions"] = [
    r["conditions"] if r["flags"] == "—" else f"{r['flags']}: {r['conditions']}" for r in rows
]
frame = frame.rename(columns={"#": "step"})[
    ["step", "from", "to", "technique", "allowed by", "conditions", "owner"]
]
unowned = sum(1 for r in rows if r["owner"].startswith("⚠"))
st.markdown(
    f"#### Steps · {len(rows)} hop{'s' if len(rows) != 1 else ''}"
    + (f" · ⚠ {unowned} unowned" if unowned else " · every step owned")
)
styled = frame.style.map(
    lambda v: "background-color:#fef3c7;color:#92400e;font-weight:600" if str(v).startswith("⚠") else "",
    subset=["owner"],
).hide(axis="index")
st.table(styled, hide_index=True)
if unowned:
    st.warning(
        "No accountable human owns the identity executing the marked step(s). Assign an owner in the "
        "agents manifest or with an `owner` tag.",
        icon=":material/person_off:",
    )

doc = exports.path_document(report, chosen, edge_index(view))
stem = exports.file_stem(doc)
ecols = st.columns([1, 1, 1, 3])
ecols[0].download_button(
    "Export JSON",
    exports.to_json(doc),
    f"{stem}.json",
    "application/json",
    icon=":material/data_object:",
    width="stretch",
)
ecols[1].download_button(
    "Export Markdown",
    exports.to_markdown(doc, data.techniques()),
    f"{stem}.md",
    "text/markdown",
    icon=":material/description:",
    width="stretch",
)
ecols[2].download_button(
    "Export Mermaid",
    exports.to_mermaid(doc),
    f"{stem}.mmd",
    "text/plain",
    icon=":material/schema:",
    width="stretch",
)
with st.expander("Mermaid diagram (for the threat-model document)"):
    st.code(exports.to_mermaid(doc), language="text")

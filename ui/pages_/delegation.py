"""Delegation: agent → agent chains with the mechanism of each link, and what each chain finally reaches.

A delegating agent inherits the reach of its delegates, so a harmless-looking supervisor is as dangerous as
the worst agent at the end of its chains; this page makes that visible."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import data, graph_view, widgets
from ui.explore import display_name, runs_as
from ui.style import legend_html

widgets.header(
    "Delegation", "Agent → agent chains, how each link delegates, and where each chain finally lands."
)
if not widgets.require_data():
    st.stop()

view = data.view()
if not view.agents:
    st.info("No agents in this store: load an agents manifest or a bundle with agent resources.")
    st.stop()


all_chains = data.delegations()
delegating = [a for a, c in all_chains.items() if c]
if not delegating:
    st.success("No agent delegates to another agent in this store.")
    st.stop()

escalating = data.escalating()


def chain_reaches_admin(chain: list[dict[str, str]]) -> bool:
    return any(link["to"] in escalating for link in chain) or chain[0]["from"] in escalating


summary = pd.DataFrame(
    [
        {
            "agent": a,
            "owner": view.owners.get(a) or "⚠ UNOWNED",
            "chains": len(all_chains[a]),
            "longest": max(len(c) for c in all_chains[a]),
            "a chain reaches admin": "yes" if any(chain_reaches_admin(c) for c in all_chains[a]) else "no",
        }
        for a in delegating
    ]
).sort_values(["a chain reaches admin", "longest"], ascending=[False, False])
st.markdown("**Delegating agents**")
st.dataframe(
    summary.style.map(
        lambda v: "color:#b91c1c;font-weight:600" if v == "yes" else "", subset=["a chain reaches admin"]
    ),
    hide_index=True,
    width="stretch",
)

pick_cols = st.columns([3, 2])
agent = pick_cols[0].selectbox(
    "Agent", list(summary["agent"]), key="dg_agent", format_func=lambda u: display_name(u, view)
)
chains = all_chains[agent]
pick = pick_cols[1].selectbox(
    "Highlight chain",
    range(len(chains)),
    key="dg_chain",
    format_func=lambda i: (
        f"chain {i + 1}: " + " → ".join([chains[i][0]["from"]] + [link["to"] for link in chains[i]])
    ),
)

rows = []
tails: dict[str, list[dict[str, Any]]] = {}
for i, chain in enumerate(chains, 1):
    last = chain[-1]["to"]
    report = data.report(last)
    identities = runs_as(view, last)
    shortest = report["paths"][0] if report["paths"] else None
    tails[last] = (
        list(shortest["steps"])
        if shortest
        else [{"from": last, "to": uid, "technique": "runs-as", "actions": []} for uid in identities]
    )
    if report["source_is_admin"]:
        lands = "admin (already)"
    elif shortest and report["reaches_admin"]:
        lands = f"admin · {display_name(shortest['target'], view)} in {shortest['hops']} hops"
    else:
        lands = "no admin path"
    rows.append(
        {
            "#": i,
            "chain": " → ".join(
                [chain[0]["from"]] + [f"[{link.get('mechanism', '?')}] {link['to']}" for link in chain]
            ),
            "runs as": ", ".join(display_name(u, view) for u in identities) or "—",
            "finally reaches": lands,
            "owner of final agent": view.owners.get(last) or "⚠ UNOWNED",
        }
    )

spec = graph_view.build_chain_graph(view, chains, tails=tails, highlight=pick)
st.html(legend_html())
graph_view.show(spec, graph_view.fit_height(spec))
st.caption(graph_view.node_count_text(spec))
st.markdown(f"**Chains from {agent}** · {len(chains)}")
st.dataframe(
    pd.DataFrame(rows).style.map(
        lambda v: "color:#b91c1c;font-weight:600" if str(v).startswith("admin") else "",
        subset=["finally reaches"],
    ),
    hide_index=True,
    width="stretch",
)
if st.button("Open the final agent's path in the explorer", icon=":material/route:"):
    widgets.open_in_explorer(chains[pick][-1]["to"])

"""Overview: how big the estate is, what is wrong with it (findings by severity), which agents reach admin and
which escalating identities nobody owns. Every row opens its path in the explorer with one click."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import data, widgets
from ui.explore import display_name, node_kind

widgets.header(
    "Overview", "What can reach administrator, and who answers for it. Click a row to open its path."
)
if not widgets.require_data():
    st.stop()

view = data.view()
counts = data.counts()
escalating = data.escalating()
agents_reaching = {a: d for a, d in escalating.items() if a in view.agents}
# unowned and at (or on the way to) admin: an admin nobody answers for is the worst case, so admins count here
admins = view.admin_set(True)
unowned = {u: d for u, d in escalating.items() if not view.owners.get(u)}
unowned.update({a: 0 for a in admins if a in view.principals and not view.owners.get(a)})

cols = st.columns(6)
cols[0].metric("Accounts", counts.get("accounts", 0))
cols[1].metric("Principals", counts.get("principals", len(view.principals)))
cols[2].metric("Agents", counts.get("agents", len(view.agents)))
cols[3].metric("People", counts.get("people", 0))
cols[4].metric(
    "Paths to admin",
    len(escalating),
    help="Principals and agents (not admins themselves) with at "
    "least one escalation path to an administrator-equivalent identity, within 6 hops.",
)
cols[5].metric(
    "Unowned escalating",
    len(unowned),
    delta=None if not unowned else "no accountable human",
    delta_color="inverse" if unowned else "off",
    help="Identities and agents that are or reach admin with no accountable human.",
)

findings = data.agents_feature("findings") if data.feature_available("findings") else None
tab_findings, tab_agents, tab_unowned, tab_all = st.tabs(
    [
        f"Findings ({len(findings) if findings is not None else '—'})",
        f"Agents reaching admin ({len(agents_reaching)})",
        f"Unowned escalating ({len(unowned)})",
        f"All escalating identities ({len(escalating)})",
    ]
)


def _first_step(uid: str) -> tuple[str, str]:
    report = data.report(uid)
    if not report["paths"]:
        return "", ""
    path = report["paths"][0]
    return display_name(path["target"], view), " → ".join(s["technique"] for s in path["steps"])


with tab_findings:
    if findings is None:
        widgets.missing_layer("Findings")
    elif not findings:
        st.success("No findings.")
    else:
        frame = widgets.severity_sorted(findings)
        frame["subject"] = frame["subject"].astype(str)
        if "frameworks" in frame:  # a compact reference list; the full titles are in the JSON reports
            frame["frameworks"] = frame["frameworks"].map(
                lambda refs: ", ".join(
                    str(r.get("id", r)) if isinstance(r, dict) else str(r) for r in refs or []
                )
            )
        known = set(view.principals) | set(view.agents)
        events = {str(e.get("event_id")) for e in data.agents_feature("events") or []}
        frame.insert(
            0,
            "open",
            frame["subject"].map(lambda s: "→ path" if s in known else "→ trail" if s in events else ""),
        )
        widgets.clickable_table(
            frame,
            "ov_findings",
            "subject",
            events=events,
            styler=widgets.severity_styler(frame),
            column_config={
                "open": st.column_config.TextColumn("", width=60),
                "severity": st.column_config.TextColumn(width=80),
                "detail": st.column_config.TextColumn(width=420),
                "frameworks": st.column_config.TextColumn(width=160),
            },
        )

with tab_agents:
    if not view.agents:
        if data.agents_layer_present():
            st.info("No agents in this store: add an agents manifest or a bundle with agent resources.")
        else:
            widgets.missing_layer("Agents")
    elif not agents_reaching:
        st.success("No agent reaches an administrator-equivalent identity.")
    else:
        rows = []
        for agent, hops in sorted(agents_reaching.items(), key=lambda kv: (kv[1], kv[0])):
            target, route = _first_step(agent)
            rows.append(
                {
                    "agent": agent,
                    "owner": view.owners.get(agent) or "⚠ UNOWNED",
                    "hops": hops,
                    "reaches": target,
                    "techniques": route,
                }
            )
        widgets.clickable_table(pd.DataFrame(rows), "ov_agents", "agent")

with tab_unowned:
    if not unowned:
        st.success("Every escalating identity has an accountable owner.")
    else:
        frame = pd.DataFrame(
            [
                {
                    "identity": display_name(u, view),
                    "kind": node_kind(u, view),
                    "hops to admin": str(d) if d else "is admin",
                    "uid": u,
                }
                for u, d in sorted(unowned.items(), key=lambda kv: (kv[1], kv[0]))
            ]
        )
        widgets.clickable_table(
            frame, "ov_unowned", "uid", column_config={"uid": st.column_config.TextColumn("ARN / id")}
        )

with tab_all:
    if not escalating:
        st.success("No principal or agent reaches an administrator-equivalent identity.")
    else:
        frame = pd.DataFrame(
            [
                {
                    "identity": display_name(u, view),
                    "kind": node_kind(u, view),
                    "hops to admin": d,
                    "owner": view.owners.get(u) or "⚠ UNOWNED",
                    "uid": u,
                }
                for u, d in sorted(escalating.items(), key=lambda kv: (kv[1], kv[0]))
            ]
        )
        widgets.clickable_table(
            frame,
            "ov_all",
            "uid",
            height=min(38 + 35 * len(frame), 560),
            column_config={"uid": st.column_config.TextColumn("ARN / id")},
        )

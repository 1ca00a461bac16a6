"""Accountability: who owns every identity and agent (and on what evidence), and for one privilege event the
four layers of evidence (task approval, identity proof, the event, oversight) with its classification."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from ui import data, widgets
from ui.explore import node_kind
from ui.style import classification_badge, esc

widgets.header(
    "Accountability", "The accountable human for every identity, and the evidence chain of privilege events."
)
if not widgets.require_data():
    st.stop()

view = data.view()

# --- owners -----------------------------------------------------------------------------------------------
st.subheader("Owners")
owners: list[dict[str, Any]] | None = (
    data.agents_feature("owners") if data.feature_available("owners") else None
)
if owners is None:
    # the graph still knows owners that the ingest resolved (tags, account owner): show those, say so
    owners = [
        {
            "identity": uid,
            "owner": view.owners.get(uid),
            "source": p.get("owner_source") or ("none" if not view.owners.get(uid) else "graph"),
            "team": None,
        }
        for uid, p in view.principals.items()
    ]
    owners += [
        {
            "identity": a,
            "owner": view.owners.get(a),
            "source": "graph" if view.owners.get(a) else "none",
            "team": None,
        }
        for a in view.agents
    ]
    st.caption(
        "From the owners recorded in the graph; the full owner resolution (manifest, tags, CloudTrail "
        "creator, account) arrives with the agents layer."
    )
frame = pd.DataFrame(owners, columns=["identity", "owner", "source", "team"])
frame.insert(1, "kind", frame["identity"].map(lambda u: node_kind(str(u), view)))
escalating = data.escalating()
frame["reaches admin"] = frame["identity"].map(lambda u: "yes" if u in escalating else "")
frame["owner"] = [o if isinstance(o, str) and o else "⚠ UNOWNED" for o in frame["owner"]]  # None or NaN

f1, f2, f3 = st.columns([3, 2, 2])
query = f1.text_input("Filter", placeholder="identity, owner or team contains…", key="acc_filter")
sources = sorted(str(s) for s in frame["source"].dropna().unique())
chosen_sources = f2.multiselect("Source of the claim", sources, key="acc_sources")
only_gaps = f3.toggle("Only unowned", False, key="acc_unowned")
shown = frame
if query:
    q = query.lower()
    shown = shown[shown.apply(lambda r: any(q in str(v).lower() for v in r.values), axis=1)]
if chosen_sources:
    shown = shown[shown["source"].isin(chosen_sources)]
if only_gaps:
    shown = shown[shown["owner"].str.startswith("⚠")]
unowned_count = int(frame["owner"].str.startswith("⚠").sum())
st.caption(f"{len(shown):,} of {len(frame):,} identities · {unowned_count:,} unowned")
st.dataframe(
    shown.style.map(
        lambda v: "background-color:#fef3c7;color:#92400e;font-weight:600" if str(v).startswith("⚠") else "",
        subset=["owner"],
    ),
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * max(len(shown), 1), 420),
)


def layer_fields(layer: dict[str, Any]) -> list[tuple[str, str]]:
    """One evidence layer as field/value rows: empty fields left out (absence is shown by omission, not by a
    column of nulls), lists joined, nested records as compact JSON."""
    rows = []
    for key, value in layer.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
            text = ", ".join(str(v) for v in value)
        elif isinstance(value, (dict, list)):
            text = json.dumps(value, separators=(", ", ": "), default=str)
        else:
            text = str(value)
        rows.append((key.replace("_", " "), text))
    return rows


# --- privilege events -------------------------------------------------------------------------------------
st.subheader("Privilege events")


events: list[dict[str, Any]] | None = data.agents_feature("events")
if not data.feature_available("trail"):
    widgets.missing_layer("Evidence trail")
elif not events:
    st.info(
        "No privilege events in this store: ingest CloudTrail logs (Load data) to see their evidence chain."
    )
else:

    def _event_id(e: dict[str, Any]) -> str:
        return str(e.get("event_id") or e.get("eventID") or e.get("uid") or e.get("id") or "")

    def _event_label(e: dict[str, Any]) -> str:
        name = e.get("event_name") or e.get("eventName") or e.get("name") or "event"
        when = e.get("event_time") or e.get("eventTime") or e.get("time") or ""
        who = e.get("actor") or e.get("identity") or e.get("principal") or ""
        verdict = e.get("classification") or ""
        return " · ".join(str(x) for x in (when, name, who, verdict) if x)

    by_id = {_event_id(e): e for e in events if _event_id(e)}
    ids = sorted(by_id, key=lambda i: _event_label(by_id[i]), reverse=True)
    requested = st.session_state.pop(widgets.EVENT_KEY, None)  # a click on the Overview
    if requested is None and "acc_event" not in st.session_state:
        requested = st.query_params.get("event")  # a shared link
    if requested in by_id:
        st.session_state["acc_event"] = requested
    event_id = st.selectbox(
        "Privilege event", ids, key="acc_event", format_func=lambda i: _event_label(by_id[i])
    )
    if st.query_params.get("event") != event_id:
        st.query_params["event"] = event_id
    trail = data.agents_feature("trail", event_id)
    if not isinstance(trail, dict):
        st.warning(f"No evidence trail for {event_id}.")
    else:
        classification = str(trail.get("classification") or "unclassified")
        verdict = (
            (trail.get("oversight") or {}).get("verdict")
            if isinstance(trail.get("oversight"), dict)
            else None
        )
        st.markdown(
            f"Classification: {classification_badge(classification)}"
            + (f" &nbsp;{esc(verdict)}" if verdict else ""),
            unsafe_allow_html=True,
        )
        layers = [
            ("Task approval", "task_approval", ":material/assignment_turned_in:"),
            ("Identity proof", "identity_proof", ":material/badge:"),
            ("Privilege event", "privilege_event", ":material/bolt:"),
            ("Oversight", "oversight", ":material/visibility:"),
        ]
        grid = [*st.columns(2), *st.columns(2)]  # two by two: evidence values are long, columns need width
        for col, (title, key, icon) in zip(grid, layers, strict=True):
            with col.container(border=True):
                st.markdown(f"{icon} **{title}**")
                value = trail.get(key)
                if not value:
                    st.caption("no evidence in this layer")
                    continue
                if not isinstance(value, dict):
                    st.write(value)
                    continue
                fields = layer_fields(value)
                st.dataframe(
                    pd.DataFrame(fields, columns=["field", "value"]),
                    hide_index=True,
                    width="stretch",
                    height=min(38 + 35 * max(len(fields), 1), 460),
                )

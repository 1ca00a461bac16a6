"""Cypher console for power users: read-only queries with JSON parameters, results as a table, a row limit.

Writes are refused by the store itself (a clause check, then the engine's read-only mode), on both stores; the
console only turns the refusal into a clear message. The named queries of the library are one click away.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pandas as pd
import streamlit as st

from queries.library import library
from queries.store.base import ReadOnlyViolation, StoreError
from ui import data, widgets

widgets.header(
    "Cypher console", "Read-only Cypher against the store. Parameters as JSON; `$name` in the query."
)

if not widgets.require_store():
    st.stop()

WRITE_HELP = (
    "The console is read-only on both stores: CREATE, MERGE, SET, DELETE, REMOVE, DROP and writing "
    "procedure calls are refused. Change the graph by loading data (Load data page or `agentpath ingest`)."
)


def refusal_text(exc: Exception) -> str:
    """`Refused: CREATE would write. The console is read-only …`: the store's reason, said once."""
    reason = str(exc).strip()
    if reason.lower().startswith("refused:"):
        reason = reason[len("refused:") :].strip()
    reason = reason.split(";")[0].strip().rstrip(".")
    return f"Refused: {reason}. {WRITE_HELP}"


def _load_named() -> None:
    name = st.session_state.get("cx_named")
    q = library().get(name) if name else None
    if q is None:
        return
    st.session_state["cx_query"] = q.text_for(data.get_store().dialect)
    st.session_state["cx_params"] = json.dumps({p: "" for p in q.params}, indent=None) if q.params else "{}"


st.session_state.setdefault(
    "cx_query",
    "MATCH (p:Principal)\nRETURN p.arn AS arn, p.kind AS kind, p.is_admin AS is_admin\nORDER BY arn",
)
st.session_state.setdefault("cx_params", "{}")
names = sorted(library())
st.selectbox(
    "Start from a library query",
    [""] + names,
    key="cx_named",
    on_change=_load_named,
    format_func=lambda n: "— write your own —" if not n else f"{n} · {library()[n].purpose}",
)

with st.form("cx_form", border=False):
    query = st.text_area("Cypher", key="cx_query", height=170)
    c1, c2 = st.columns([4, 1])
    params_text = c1.text_area("Parameters (JSON object)", key="cx_params", height=68)
    limit = int(
        c2.number_input("Row limit", min_value=1, max_value=100_000, value=500, step=100, key="cx_limit")
    )
    submitted = st.form_submit_button("Run query", type="primary", icon=":material/play_arrow:")


def run(cypher: str, params_raw: str, row_limit: int) -> None:
    try:
        params: Any = json.loads(params_raw or "{}")
    except json.JSONDecodeError as exc:
        st.error(f"Parameters are not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).")
        return
    if not isinstance(params, dict):
        st.error('Parameters must be a JSON object, for example {"arn": "arn:aws:iam::111111111111:role/x"}.')
        return
    if not cypher.strip():
        st.warning("Write a query first.")
        return
    started = time.perf_counter()
    try:
        rows = data.get_store().read(cypher, params)
    except ReadOnlyViolation as exc:
        st.error(refusal_text(exc), icon=":material/block:")
        return
    except StoreError as exc:
        st.error(f"The query failed: {exc}")
        return
    elapsed = time.perf_counter() - started
    shown = rows[:row_limit]
    frame = pd.DataFrame(shown)
    for col in frame.columns:  # nested values (lists, node properties) shown as JSON text, not lost
        if frame[col].map(lambda v: isinstance(v, (dict, list))).any():
            frame[col] = frame[col].map(
                lambda v: json.dumps(v, default=str) if isinstance(v, (dict, list)) else v
            )
    more = (
        f" — showing the first {row_limit:,}; raise the row limit or add LIMIT"
        if len(rows) > row_limit
        else ""
    )
    st.caption(f"{len(rows):,} row{'s' if len(rows) != 1 else ''} in {elapsed * 1000:.0f} ms{more}")
    if frame.empty:
        st.info("No rows.")
    else:
        st.dataframe(frame, hide_index=True, width="stretch")
        st.download_button(
            "Download CSV",
            frame.to_csv(index=False),
            "agentpath-query.csv",
            "text/csv",
            icon=":material/download:",
        )


if submitted:
    run(query, params_text, limit)
st.caption(f"Store: `{data.store_uri()}` · dialect: {data.get_store().dialect}")

"""Page furniture shared by every page: headers, the empty-store notice, clickable tables, option controls.

Each page is a short script that lays out answers; the conventions (how a row opens its path, how an empty
store or a missing layer is explained) live here once, so every page behaves the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from graph_model.paths import PathOptions
from queries.store.base import StoreError
from ui import data
from ui.style import SEVERITY_ORDER, severity_cell_style

EXPLORER_PAGE = "pages_/path_explorer.py"
LOAD_PAGE = "pages_/load_data.py"
ACCOUNTABILITY_PAGE = "pages_/accountability.py"
SOURCE_KEY = "explorer_source"
EVENT_KEY = "accountability_event"


def header(title: str, caption: str) -> None:
    st.title(title)
    st.caption(caption)


def require_store() -> bool:
    """False (after saying so) when the store cannot be reached: pages that work on an empty store need only
    this much."""
    try:
        data.last_run()
    except StoreError as exc:
        st.error(f"The store at `{data.store_uri()}` cannot be reached: {exc}")
        return False
    return True


def require_data() -> bool:
    """False (after saying why and what to do) when the store cannot be reached or holds nothing yet."""
    try:
        run = data.last_run()
    except StoreError as exc:
        st.error(f"The store at `{data.store_uri()}` cannot be reached: {exc}")
        return False
    if not run:
        st.info(
            f"The store at `{data.store_uri()}` is empty. Load an account export, a bundle, an agents "
            "manifest or CloudTrail logs to see escalation paths."
        )
        st.page_link(LOAD_PAGE, label="Load data", icon=":material/upload_file:")
        return False
    return True


def open_in_explorer(source: str) -> None:
    """One click from any row to its path: remember the source and switch page (the URL carries it too, so the
    explorer view can be shared as a link in a threat-modeling session)."""
    st.session_state[SOURCE_KEY] = source
    st.switch_page(EXPLORER_PAGE, query_params={"source": source})


def open_event(event_id: str) -> None:
    """A privilege event's row opens its evidence trail on the Accountability page."""
    st.session_state[EVENT_KEY] = event_id
    st.switch_page(ACCOUNTABILITY_PAGE, query_params={"event": event_id})


def open_row(uid: str, events: Collection[str] = ()) -> None:
    if uid in events:
        open_event(uid)
    else:
        open_in_explorer(uid)


def clickable_table(
    frame: pd.DataFrame,
    key: str,
    uid_column: str,
    *,
    height: int | None = None,
    column_config: dict[str, Any] | None = None,
    styler: Any | None = None,
    events: Collection[str] = (),
) -> None:
    """A table whose rows open their path in the explorer when clicked (or, for a privilege event listed in
    `events`, its evidence trail)."""
    nonce = st.session_state.get(f"{key}__nonce", 0)
    event = st.dataframe(
        styler if styler is not None else frame,
        key=f"{key}__{nonce}",
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        column_config=column_config,
        height=height if height is not None else "auto",
    )
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if rows and 0 <= rows[0] < len(frame):
        st.session_state[f"{key}__nonce"] = nonce + 1  # a fresh, unselected table when the user comes back
        open_row(str(frame.iloc[rows[0]][uid_column]), events)


def severity_sorted(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return frame
    if "severity" in frame:
        frame["_rank"] = frame["severity"].map(lambda s: SEVERITY_ORDER.get(str(s).lower(), 99))
        frame = frame.sort_values(["_rank"] + [c for c in ("kind", "subject") if c in frame], kind="stable")
        frame = frame.drop(columns=["_rank"]).reset_index(drop=True)
    return frame


def severity_styler(frame: pd.DataFrame) -> Any:
    if "severity" not in frame or frame.empty:
        return None
    return frame.style.map(severity_cell_style, subset=["severity"])


def path_options(prefix: str, *, columns: Any | None = None) -> PathOptions:
    """Max hops and whether conditional and potential steps count: the same switches as the CLI."""
    cols = columns or st.columns(3)
    max_hops = cols[0].slider(
        "Max hops", 1, 10, 6, key=f"{prefix}_hops", help="Longest path to search, like `--max-hops`."
    )
    conditional = cols[1].toggle(
        "Conditional steps count",
        True,
        key=f"{prefix}_cond",
        help="Steps that hold only when a request condition holds (MFA, source IP…).",
    )
    potential = cols[2].toggle(
        "Potential steps count",
        True,
        key=f"{prefix}_pot",
        help="Steps that need an existing resource the snapshot does not list.",
    )
    return PathOptions(max_hops=max_hops, include_conditional=conditional, include_potential=potential)


def missing_layer(what: str) -> None:
    st.info(f"**{what}** — {data.AGENTS_LAYER_MISSING}", icon=":material/hourglass_empty:")

"""The explorer's data layer: one store per process, one graph view per ingest run, the agents layer if any.

Everything the pages read goes through here so that caching has one rule: results are keyed by the store URI
and the id of the last ingest run, so a new ingest (from the Load data page or the CLI) is picked up on the
next click and nothing stale is ever shown. The agents layer (findings, owners, delegation, trail) is looked
up at run time: pages use it when it is installed and say plainly what is missing when it is not.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any, cast

import streamlit as st

from graph_model.paths import PathOptions
from queries.api import GraphView, load_view, path_report
from queries.store import GraphStore, default_store_uri, open_store
from ui import explore

AGENTS_LAYER_MISSING = (
    "The agents layer (agents, owners, delegation, privilege events) is not in this "
    "build yet, so this view has nothing to show. It appears as soon as it is installed."
)


def store_uri() -> str:
    """The store the UI serves: `agentpath ui --store` passes it as AGENTPATH_STORE."""
    return os.environ.get("AGENTPATH_STORE") or default_store_uri()


@st.cache_resource(show_spinner=False)
def _open(uri: str) -> GraphStore:
    return open_store(uri)


def get_store() -> GraphStore:
    return _open(store_uri())


def last_run() -> dict[str, Any] | None:
    """Cheap (one key read), so every page asks it on every run: it is the cache key of everything else."""
    return get_store().last_run()


def run_id() -> str:
    run = last_run()
    return str(run.get("run_id", "")) if run else ""


@st.cache_resource(show_spinner="Reading the graph…", max_entries=4)
def _view(uri: str, run: str) -> GraphView:
    from queries import view_cache

    store = _open(uri)
    return view_cache.read(store, run) or load_view(store)


def view() -> GraphView:
    """The graph for path search; shared (not copied) between sessions, so it is treated as read-only."""
    return _view(store_uri(), run_id())


@st.cache_resource(show_spinner=False, max_entries=16)
def _reach(uri: str, run: str, max_hops: int, conditional: bool, potential: bool) -> dict[str, int]:
    return explore.escalating_sources(_view(uri, run), PathOptions(max_hops, conditional, potential))


def escalating(options: PathOptions | None = None) -> dict[str, int]:
    """Non-admin principals and agents that reach admin, with their shortest distance."""
    o = options or PathOptions()
    return _reach(store_uri(), run_id(), o.max_hops, o.include_conditional, o.include_potential)


@st.cache_resource(show_spinner=False, max_entries=256)
def _report(
    uri: str, run: str, source: str, to: str, max_hops: int, conditional: bool, potential: bool
) -> dict[str, Any]:
    return path_report(_view(uri, run), source, to, PathOptions(max_hops, conditional, potential))


def report(source: str, to: str = "admin", options: PathOptions | None = None) -> dict[str, Any]:
    o = options or PathOptions()
    return _report(store_uri(), run_id(), source, to, o.max_hops, o.include_conditional, o.include_potential)


@st.cache_resource(show_spinner=False)
def techniques() -> dict[str, str]:
    """Technique id → name, for tables and tooltips."""
    try:
        from graph_model.techniques.loader import catalogue

        return {t.id: t.name for t in catalogue()}
    except Exception:  # noqa: BLE001 - names are a nicety; ids alone still answer the question
        return {}


@st.cache_resource(show_spinner=False)
def _counts(uri: str, run: str) -> dict[str, Any]:
    from queries.library import run_named

    rows = run_named(_open(uri), "counts")
    return dict(rows[0]) if rows else {}


def counts() -> dict[str, Any]:
    return _counts(store_uri(), run_id())


def clear_caches() -> None:
    """After an ingest from the UI: the run id changes anyway, this only frees the old entries."""
    _view.clear()
    _reach.clear()
    _report.clear()
    _counts.clear()
    _agents_call.clear()
    _delegations.clear()


# --- the agents layer ------------------------------------------------------------------------------------
#: feature -> the function of `queries.agents_api` that answers it (the same contracts as the CLI verbs).
AGENT_FEATURES = {
    "findings": "findings_report",
    "owners": "owners_report",
    "delegation": "delegation_report",
    "events": "events_report",
    "trail": "trail_report",
}


def _agents_fn(feature: str) -> Callable[..., Any] | None:
    try:
        api = importlib.import_module("queries.agents_api")
    except ImportError:
        return None
    fn = getattr(api, AGENT_FEATURES[feature], None)
    return cast(Callable[..., Any], fn) if callable(fn) else None


def feature_available(feature: str) -> bool:
    """Whether this build can answer `feature` (findings, owners, delegation, events, trail)."""
    return _agents_fn(feature) is not None


def agents_layer_present() -> bool:
    from queries.library import library

    return "agent_edges" in library() or feature_available("owners")


@st.cache_resource(show_spinner=False, max_entries=256)
def _agents_call(feature: str, uri: str, run: str, arg: str | None) -> Any:
    fn = _agents_fn(feature)
    if fn is None:
        return None
    store = _open(uri)
    if feature == "findings":
        return fn(store, view=_view(uri, run))  # reuse the cached graph instead of reading it again
    return fn(store) if arg is None else fn(store, arg)


def agents_feature(feature: str, arg: str | None = None) -> Any | None:
    """The answer of an agents-layer feature, or None when this build has no agents layer."""
    return _agents_call(feature, store_uri(), run_id(), arg)


@st.cache_resource(show_spinner=False, max_entries=4)
def _delegations(uri: str, run: str) -> dict[str, list[list[dict[str, str]]]]:
    from graph_model.delegation import chains
    from queries.library import library, run_named

    if "delegation_edges" not in library():
        return {}
    links = [
        {"from": r["source"], "to": r["target"], "mechanism": r["mechanism"]}
        for r in run_named(_open(uri), "delegation_edges")
    ]
    return {agent: chains(links, agent) for agent in sorted({link["from"] for link in links})}


def delegations() -> dict[str, list[list[dict[str, str]]]]:
    """Every delegating agent's chains (the `delegation --from` contract's `chains`), for all agents at once:
    one read of the delegation edges per ingest run instead of one API call per agent, which on an estate
    with hundreds of agents is the difference between milliseconds and tens of seconds."""
    return _delegations(store_uri(), run_id())

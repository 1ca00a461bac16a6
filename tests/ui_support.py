"""Shared pieces of the UI tests: the demo organization in its own embedded store, and how to reach the app.

The store's server is started with keep_running before anything else touches it, so the app (which opens the
store without owning it) never leaves a server behind, and it is stopped when the module's tests end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "ui" / "app.py"
OUTPUT = REPO / "test-output"


@dataclass
class DemoStore:
    uri: str
    folder: Path
    bundle: Path


def start_store(uri: str) -> Any:
    from queries.store import open_store

    return open_store(uri, keep_running=True)


def stop_store(store: Any) -> None:
    stopper = getattr(store, "stop_server", None)
    if callable(stopper):
        stopper()
    store.close()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStore]:
    """`make demo`'s organization (ingest/demo.py), ingested into a fresh embedded store."""
    from ingest.demo import write_demo
    from ingest.pipeline import ingest_files

    folder = tmp_path_factory.mktemp("ui-demo")
    files = write_demo(folder / "demo")
    bundle = next(p for p in files if p.suffix == ".json")
    uri = f"embedded:{folder / 'store'}"
    store = start_store(uri)
    try:
        ingest_files([str(bundle)], uri)
        yield DemoStore(uri, folder, bundle)
    finally:
        stop_store(store)


@pytest.fixture(scope="module")
def app_env(demo_store: DemoStore) -> Iterator[DemoStore]:
    """AGENTPATH_STORE pointing at the demo store for the whole module (the app reads it at every run)."""
    old = os.environ.get("AGENTPATH_STORE")
    os.environ["AGENTPATH_STORE"] = demo_store.uri
    try:
        yield demo_store
    finally:
        if old is None:
            os.environ.pop("AGENTPATH_STORE", None)
        else:
            os.environ["AGENTPATH_STORE"] = old


def escalating_agent(uri: str) -> tuple[str, dict[str, Any]]:
    """An agent of the store that reaches admin, with its `paths --from` report (the test's expectation)."""
    from queries.api import load_view, path_report
    from queries.store import open_store

    with open_store(uri) as store:
        view = load_view(store)
    for agent in sorted(view.agents):
        report = path_report(view, agent)
        if report["reaches_admin"] and report["paths"]:
            return agent, report
    raise AssertionError(
        f"the demo organization has no agent that reaches admin (agents: {sorted(view.agents)})"
    )

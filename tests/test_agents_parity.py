"""Parity of the accountability layer: the embedded store and Neo4j give the same answers on the demo org.

`tests/test_parity.py` compares every named query on IAM-only inputs, where agents, owners' sources, events
and tasks are empty; this module loads the demo organization (agents, delegation, owners from every source,
CloudTrail, tasks) into both stores and compares the new queries and the four verbs' JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import NEO4J_ENV, wipe

from queries.library import run_named

pytestmark = pytest.mark.neo4j

QUERIES = ("agent_edges", "owners", "delegation_edges", "agents", "agent_identities",
           "break_glass_identities",
           "privilege_events", "privilege_event_links")


@pytest.fixture(scope="module")
def stores(neo4j_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    from ingest.demo import write_demo
    from ingest.pipeline import ingest_files
    from queries.store import open_store

    tmp: Path = tmp_path_factory.mktemp("agents-parity")
    write_demo(tmp)
    with pytest.MonkeyPatch.context() as mp:
        for name in NEO4J_ENV:
            mp.delenv(name, raising=False)
        wipe(neo4j_server)
        embedded = f"embedded:{tmp / 'embedded'}"
        with open_store(embedded, keep_running=True) as server:
            for uri in (embedded, neo4j_server.uri):
                ingest_files([str(tmp / "demo-bundle.json")], uri)
            yield embedded, neo4j_server.uri
            server.stop_server()  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", QUERIES)
def test_query_rows_are_identical(stores: tuple[str, str], name: str) -> None:
    from queries.store import open_store

    results = []
    for uri in stores:
        with open_store(uri) as store:
            results.append(run_named(store, name))
    assert results[0], f"{name} is empty on the demo: the comparison would prove nothing"
    assert results[0] == results[1]


@pytest.mark.parametrize("args", [
    ("owners",), ("findings",), ("delegation", "--from", "orchestrator"),
    ("trail", "demo-0005-create-function-after-window"), ("paths", "--from", "orchestrator"),
])
def test_verbs_print_the_same_json(stores: tuple[str, str], capsys: pytest.CaptureFixture[str],
                                   args: tuple[str, ...]) -> None:
    from ui.cli import main

    outputs = []
    for uri in stores:
        capsys.readouterr()
        assert main(["--store", uri, *args, "--format", "json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]

"""Parity: the embedded store (FalkorDB) and the real Neo4j give the same answers to every named query.

The same real input is ingested into both stores through the real pipeline; then every query of
`queries.library.library()` runs on both (the list is read at collection time, so a query a colleague adds
later is compared without touching this file) and must return identical rows after sorting. Parameters are
taken from the data itself; a new parameter name with no rule below fails loudly instead of being skipped.

Why sorted rows rather than the raw order: both engines honour ORDER BY, but ties may come back in either
order. Lists inside values are sorted too (`collect()` order is unspecified in both engines) and None-valued
map entries are dropped (an absent property reads as null in both), so only real differences remain.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import NEO4J_ENV, SHARED, synthetic_gaad, wipe

from queries.library import library, run_named
from queries.store.base import GraphStore

pytestmark = pytest.mark.neo4j


@dataclass
class Pair:
    """One dataset loaded into both stores, the stores kept open for the module."""

    dataset: str
    embedded_uri: str
    neo4j_uri: str
    embedded: GraphStore
    neo4j: GraphStore


AGENTS_MANIFEST = """
people:
  - {id: alice@example.com, name: Alice Example, team: platform}
  - {id: bob@example.com, name: Bob Example, team: secops}
teams:
  - {id: platform, lead: alice@example.com}
agents:
  - id: deploy-agent
    name: Deploy agent
    kind: lambda
    runs_as: ["arn:aws:iam::111122223333:user/privesc4-CreateAccessKey-user"]
    owner: alice@example.com
    sponsor_team: platform
    approver: bob@example.com
    monitored_by: bob@example.com
    purpose: Deploys the platform
    allowed_actions: ["iam:CreateAccessKey"]
    delegates_to: [{agent: report-agent, mechanism: declared}]
  - id: report-agent
    name: Report agent
    kind: external
    runs_as: ["arn:aws:iam::111122223333:role/privesc-sre-role"]
    owner: bob@example.com
    break_glass: true
    task_window: {start: "2026-11-01T00:00:00Z", end: "2026-12-31T00:00:00Z"}
tasks:
  - id: CHG-1
    agent: deploy-agent
    requested_by: alice@example.com
    approved_by: bob@example.com
    reason: Rotate the deploy key
    window: {start: "2026-11-30T08:00:00Z", end: "2026-11-30T18:00:00Z"}
"""
#: Real CloudTrail records of IAM persistence and escalation (Stratus Red Team), read at test time if present.
STRATUS = SHARED / "data" / "cloudtrail" / "stratus-red-team"


def _dataset_files(name: str, iam_vulnerable: Path, tmp: Path) -> list[Path]:
    """iam-vulnerable: the real export alone. +agents: with a manifest naming its principals as agents
    (owners, delegation, break-glass, tasks) and real CloudTrail records, so the agent and event queries
    compare rows, not two empty results. synthetic: a generated account with role chains and many ties."""
    if name == "iam-vulnerable":
        return [iam_vulnerable]
    if name == "iam-vulnerable+agents":
        manifest = tmp / "agents.yaml"
        manifest.write_text(AGENTS_MANIFEST)
        files = [iam_vulnerable, manifest]
        records: list[Any] = []
        for path in sorted(STRATUS.glob("aws.persistence.iam-*.json")) + sorted(
                STRATUS.glob("aws.privilege-escalation.*.json")):
            doc = json.loads(path.read_text())
            records += doc if isinstance(doc, list) else doc.get("Records", [])
        if records:
            trail = tmp / "cloudtrail.json"
            trail.write_text(json.dumps({"Records": records}))
            files.append(trail)
        return files
    path = tmp / "synthetic.json"
    path.write_text(json.dumps(synthetic_gaad(roles=300, users=200, groups=10, policies=60)))
    return [path]


@pytest.fixture(scope="module", params=["iam-vulnerable", "iam-vulnerable+agents", "synthetic"])
def pair(request: pytest.FixtureRequest, neo4j_server: Any, iam_vulnerable: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    from ingest.pipeline import ingest_files
    from queries.store import open_store

    tmp = tmp_path_factory.mktemp("parity")
    sources = [str(p) for p in _dataset_files(request.param, iam_vulnerable, tmp)]
    with pytest.MonkeyPatch.context() as mp:
        for name in NEO4J_ENV:
            mp.delenv(name, raising=False)
        wipe(neo4j_server)
        embedded_uri = f"embedded:{tmp / 'embedded'}"
        # keep the embedded server running for the module, so the CLI runs below reuse it
        with open_store(embedded_uri, keep_running=True) as embedded, open_store(neo4j_server.uri) as neo:
            ingest_files(sources, embedded_uri)
            ingest_files(sources, neo4j_server.uri)
            yield Pair(request.param, embedded_uri, neo4j_server.uri, embedded, neo)
            stop = getattr(embedded, "stop_server", None)
            if stop is not None:
                stop()


def canonical(value: Any) -> Any:
    """A comparable form: maps without None entries, sorted keys and lists, whole floats as ints."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, list | tuple):
        items = [canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return int(value) if value.is_integer() else round(value, 9)
    return value


def sorted_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = [{k: canonical(v) for k, v in row.items()} for row in rows]
    return sorted(out, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def _first(store: GraphStore, cypher: str, column: str) -> Any:
    rows = store.read(cypher)
    return rows[0][column] if rows else None


def parameter_sets(name: str, store: GraphStore) -> list[dict[str, Any]]:
    """Values for a query's parameters, taken from the loaded data (several where it is cheap: a principal
    with policies and an admin, an existing id and a missing one)."""
    query = library()[name]
    if not query.params:
        return [{}]
    candidates: dict[str, list[Any]] = {}
    for param in query.params:
        key = param.lower()
        if "arn" in key or key in ("principal", "source", "target", "from", "to", "role", "user"):
            busiest = _first(store, "MATCH (p:Principal)-[h:HAS_POLICY]->() WITH p, count(h) AS n "
                                    "RETURN p.uid AS arn ORDER BY n DESC, arn LIMIT 1", "arn")
            admin = _first(store, "MATCH (p:Principal) WHERE p.is_admin = true RETURN p.uid AS arn "
                                  "ORDER BY arn LIMIT 1", "arn")
            candidates[param] = [v for v in (busiest, admin, "arn:aws:iam::000000000000:user/none") if v]
        elif "event" in key:
            event = _first(store, "MATCH (e:PrivilegeEvent) RETURN e.uid AS id ORDER BY id LIMIT 1", "id")
            candidates[param] = [v for v in (event, "no-such-event") if v]
        elif "agent" in key:
            agent = _first(store, "MATCH (a:Agent) RETURN a.uid AS id ORDER BY id LIMIT 1", "id")
            candidates[param] = [v for v in (agent, "no-such-agent") if v]
        elif "account" in key:
            candidates[param] = [_first(store, "MATCH (a:Account) RETURN a.uid AS id ORDER BY id LIMIT 1",
                                        "id")]
        elif "technique" in key:
            candidates[param] = [_first(store, "MATCH ()-[r:CAN_ESCALATE_TO]->() RETURN r.technique AS t "
                                               "ORDER BY t LIMIT 1", "t")]
        elif key in ("limit", "max_hops", "hops", "depth", "n", "top"):
            candidates[param] = [3]
        else:
            pytest.fail(f"query {name!r} takes parameter {param!r}, which tests/test_parity.py has no value "
                        f"rule for: add one to parameter_sets()")
    width = max(len(v) for v in candidates.values())
    return [{p: vals[min(i, len(vals) - 1)] for p, vals in candidates.items()} for i in range(width)]


@pytest.mark.parametrize("name", sorted(library()))
def test_named_query_returns_the_same_rows_on_both_stores(pair: Pair, name: str) -> None:
    for params in parameter_sets(name, pair.embedded):
        embedded = run_named(pair.embedded, name, params)
        neo = run_named(pair.neo4j, name, params)
        assert sorted_rows(neo) == sorted_rows(embedded), f"{name} {params} differs on {pair.dataset}"
        assert len(neo) == len(embedded)


def test_the_library_is_not_trivially_empty(pair: Pair) -> None:
    """Guards the parity test itself: a broken load would make every comparison pass on empty results."""
    counts = run_named(pair.neo4j, "counts")[0]
    assert counts["principals"] > 0 and counts["escalation_edges"] > 0
    assert run_named(pair.neo4j, "escalation_edges") and run_named(pair.neo4j, "principals")
    if pair.dataset == "iam-vulnerable+agents":
        for name in ("agents", "agent_edges", "delegation_edges", "owners"):
            if name in library():
                assert run_named(pair.neo4j, name), f"{name} is empty: the agent layer was not loaded"


def test_whole_nodes_read_back_as_the_same_property_maps(pair: Pair) -> None:
    """A console query returning whole nodes shows the same properties on both stores (no bookkeeping)."""
    cypher = "MATCH (p:Principal) RETURN p ORDER BY p.uid"
    assert sorted_rows(pair.neo4j.read(cypher)) == sorted_rows(pair.embedded.read(cypher))


def test_paths_to_admin_json_is_identical(pair: Pair, capsys: pytest.CaptureFixture[str]) -> None:
    from ui.cli import main

    outputs = []
    for uri in (pair.embedded_uri, pair.neo4j_uri):
        capsys.readouterr()
        code = main(["--store", uri, "paths", "--to", "admin", "--format", "json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        outputs.append(json.loads(out))
    embedded, neo = outputs
    assert embedded, "no principal reaches admin: the comparison would prove nothing"
    assert neo == embedded

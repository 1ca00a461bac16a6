"""The Neo4j store against a real Neo4j server: idempotent loads, cleanup of what disappeared, atomic runs
that survive a killed process or a killed server, read-only reads, one-line errors for an unreachable server.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, synthetic_gaad

from queries.store.base import ReadOnlyViolation, StoreError
from queries.store.neo4j_store import Neo4jStore, _display_uri, auth_from_env

OUR_NODES = "MATCH (n) WHERE NOT n:AgentpathMeta"


# --- helpers ------------------------------------------------------------------------------------------------
def state(uri: str) -> dict[str, Any]:
    """Everything a user could notice about the store: counts per label and type, the run, the paths."""
    from queries.api import all_paths_to_admin, load_view

    with Neo4jStore(uri) as store:
        labels = store.read(
            f"{OUR_NODES} UNWIND labels(n) AS label RETURN label, count(*) AS n ORDER BY label"
        )
        types = store.read("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n ORDER BY type")
        run = store.last_run()
        meta = store.read("MATCH (m:AgentpathMeta) RETURN m.run_id AS run_id, m.loading AS loading")
        stale = store.read(
            f"{OUR_NODES} MATCH (m:AgentpathMeta) WHERE n.run_id <> m.run_id RETURN count(n) AS n"
        )[0]["n"]
        stale_rels = store.read(
            "MATCH ()-[r]->() MATCH (m:AgentpathMeta) WHERE r.run_id <> m.run_id RETURN count(r) AS n"
        )[0]["n"]
        paths = all_paths_to_admin(load_view(store))
    return {
        "labels": labels,
        "types": types,
        "run": run,
        "meta": meta,
        "stale": stale + stale_rels,
        "nodes": sum(r["n"] for r in labels if r["label"] != "Principal"),
        "relationships": sum(r["n"] for r in types),
        "paths": paths,
    }


def cli(
    *argv: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def closed_port() -> int:
    """A port nothing listens on (bound and released: connections to it are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated account big enough to load in ~10 batches of 2,000 rows: room to interrupt it halfway."""
    path = tmp_path_factory.mktemp("big") / "big-account.json"
    path.write_text(json.dumps(synthetic_gaad(roles=1500, users=1500, groups=30, policies=200)))
    return path


# --- no server needed ---------------------------------------------------------------------------------------
def test_credentials_come_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEO4J_USER", "NEO4J_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    assert auth_from_env() is None
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret-pw")
    assert auth_from_env() == ("neo4j", "s3cret-pw")
    monkeypatch.setenv("NEO4J_USER", "analyst")
    assert auth_from_env() == ("analyst", "s3cret-pw")
    monkeypatch.delenv("NEO4J_PASSWORD")
    with pytest.raises(StoreError, match="NEO4J_PASSWORD") as err:
        auth_from_env()
    assert "s3cret" not in str(err.value)


def test_user_info_in_a_uri_is_never_shown() -> None:
    assert _display_uri("bolt://alice:pw@db.example:7687") == "bolt://db.example:7687"
    assert _display_uri("neo4j+s://x.databases.neo4j.io") == "neo4j+s://x.databases.neo4j.io"


@pytest.mark.parametrize("verb", [["paths", "--to", "admin"], ["query", "counts"], ["store", "status"]])
def test_unreachable_neo4j_is_one_line_naming_the_uri(verb: list[str]) -> None:
    uri = f"bolt://127.0.0.1:{closed_port()}"
    password = "do-not-print-me-42"
    result = cli("--store", uri, *verb, env={"NEO4J_USER": "neo4j", "NEO4J_PASSWORD": password}, timeout=60)
    assert result.returncode == 3, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert uri in lines[0] and "Traceback" not in result.stderr
    assert password not in result.stderr + result.stdout


def test_unreachable_neo4j_fails_ingest_in_one_line(iam_vulnerable: Path) -> None:
    uri = f"bolt://127.0.0.1:{closed_port()}"
    result = cli("--store", uri, "ingest", str(iam_vulnerable), timeout=60)
    assert result.returncode == 3 and len(result.stderr.strip().splitlines()) == 1
    assert uri in result.stderr


# --- the real server ----------------------------------------------------------------------------------------


@pytest.mark.neo4j
def test_constraints_and_indexes_are_created_on_first_load(neo4j_uri: str, iam_vulnerable: Path) -> None:
    from ingest.pipeline import ingest_files

    ingest_files([str(iam_vulnerable)], neo4j_uri)
    with Neo4jStore(neo4j_uri) as store:
        rows = store.read("SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type")
    unique = {(r["labelsOrTypes"][0], tuple(r["properties"])) for r in rows if "UNIQUE" in r["type"]}
    from graph_model.model import NODE_LABELS

    for label in (*NODE_LABELS, "Principal"):
        assert (label, ("uid",)) in unique
    assert ("AgentpathMeta", ("id",)) in unique


@pytest.mark.neo4j
def test_reingesting_the_same_file_changes_no_count(neo4j_uri: str, iam_vulnerable: Path) -> None:
    from ingest.pipeline import ingest_files

    first_run = ingest_files([str(iam_vulnerable)], neo4j_uri).run_id
    first = state(neo4j_uri)
    second_run = ingest_files([str(iam_vulnerable)], neo4j_uri).run_id
    second = state(neo4j_uri)
    assert first["nodes"] > 100 and first["relationships"] > 1000
    assert (second["labels"], second["types"]) == (first["labels"], first["types"])
    assert (second["nodes"], second["relationships"]) == (first["nodes"], first["relationships"])
    assert second["paths"] == first["paths"]
    assert first_run != second_run and second["run"]["run_id"] == second_run
    assert second["stale"] == 0  # every node and relationship carries the newest run's tag
    assert second["meta"] == [{"run_id": second_run, "loading": None}]  # one meta node, no load in flight


@pytest.mark.neo4j
def test_what_disappeared_from_a_newer_snapshot_is_deleted(
    neo4j_uri: str, iam_vulnerable: Path, tmp_path: Path
) -> None:
    from ingest.pipeline import ingest_files

    doc = json.loads(iam_vulnerable.read_text())
    gone = next(
        u for u in doc["UserDetailList"] if u.get("AttachedManagedPolicies") or u.get("UserPolicyList")
    )
    ingest_files([str(iam_vulnerable)], neo4j_uri)
    before = state(neo4j_uri)
    doc["UserDetailList"] = [u for u in doc["UserDetailList"] if u["Arn"] != gone["Arn"]]
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(doc))
    ingest_files([str(newer)], neo4j_uri)
    after = state(neo4j_uri)
    with Neo4jStore(neo4j_uri) as store:
        assert store.read("MATCH (n {uid: $arn}) RETURN n", {"arn": gone["Arn"]}) == []
        assert (
            store.read("MATCH (n)-[r]-() WHERE n.uid STARTS WITH $arn RETURN r", {"arn": gone["Arn"]}) == []
        )
    assert after["nodes"] < before["nodes"] and after["relationships"] < before["relationships"]
    assert after["stale"] == 0
    assert gone["Arn"] not in {p["source"] for p in after["paths"]}


@pytest.mark.neo4j
def test_source_and_run_travel_with_the_graph(neo4j_uri: str, iam_vulnerable: Path) -> None:
    from ingest.pipeline import ingest_files

    with Neo4jStore(neo4j_uri) as store:
        assert store.source() is None and store.last_run() is None
        assert store.read("MATCH (p:Principal) RETURN p.arn AS arn") == []
    summary = ingest_files([str(iam_vulnerable)], neo4j_uri)
    with Neo4jStore(neo4j_uri) as store:
        source = store.source()
        run = store.last_run()
        assert source is not None and "111122223333" in json.dumps(source)
        assert run is not None and run["run_id"] == summary.run_id and run["accounts"] == ["111122223333"]
        assert store.read("MATCH (m:AgentpathMeta) RETURN count(m) AS n") == [{"n": 1}]
    status = cli("--store", neo4j_uri, "store", "status")
    assert status.returncode == 0 and summary.run_id in status.stdout


@pytest.mark.neo4j
def test_writes_through_read_are_refused_by_neo4j_itself(
    neo4j_uri: str, iam_vulnerable: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.pipeline import ingest_files

    ingest_files([str(iam_vulnerable)], neo4j_uri)
    before = state(neo4j_uri)
    writes = [
        "CREATE (x:Intruder {n: 1}) RETURN x",
        "MATCH (p:Principal) SET p.is_admin = true RETURN count(p)",
        "MATCH (p:Principal) DETACH DELETE p",
        "MERGE (x:Intruder {n: 2})",
    ]
    with Neo4jStore(neo4j_uri) as store:
        for cypher in writes:  # the dialect-independent guard
            with pytest.raises(ReadOnlyViolation):
                store.read(cypher)
        # without the guard, the READ access mode of the transaction is what refuses them
        monkeypatch.setattr("queries.store.neo4j_store.refuse_writes", lambda cypher: None)
        for cypher in writes:
            with pytest.raises(ReadOnlyViolation, match="read-only"):
                store.read(cypher)
        assert store.read("MATCH (x:Intruder) RETURN count(x) AS n") == [{"n": 0}]
    assert state(neo4j_uri) == before


@pytest.mark.neo4j
def test_a_missing_database_is_one_clear_error(neo4j_uri: str) -> None:
    with Neo4jStore(neo4j_uri, database="nosuchdb") as store, pytest.raises(StoreError, match="nosuchdb"):
        store.read("RETURN 1 AS one")


KILLED_LOAD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from ingest.pipeline import ingest_files

def progress(stage, done, total):
    print(f"PROGRESS {stage} {done} {total}", flush=True)
    time.sleep(0.5)  # widen the window between batches; the transaction stays open meanwhile

ingest_files([sys.argv[3]], sys.argv[2], progress)
print("DONE", flush=True)
"""


@pytest.mark.neo4j
def test_a_load_killed_halfway_leaves_the_previous_run_queryable(
    neo4j_uri: str, iam_vulnerable: Path, big_file: Path
) -> None:
    from ingest.pipeline import ingest_files

    ingest_files([str(iam_vulnerable)], neo4j_uri)
    before = state(neo4j_uri)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_LOAD, str(REPO), neo4j_uri, str(big_file)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            line = proc.stdout.readline() if ready else ""
            if line:
                seen.append(line.strip())
            if line.startswith("PROGRESS relationships"):  # nodes and some relationships written, uncommitted
                break
            if proc.poll() is not None:
                break
        else:
            pytest.fail(f"the load never reached its relationships: {seen}")
        assert proc.poll() is None, f"the load ended before it could be killed: {seen} {proc.stderr}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL and "DONE" not in seen
    assert len(seen) >= 2, seen  # it was killed halfway: node batches done, relationships under way

    after = state(neo4j_uri)
    assert after == before  # same counts, same run, same paths: the killed transaction left nothing behind

    summary = ingest_files([str(big_file)], neo4j_uri)  # the store is not wedged: the next load commits
    final = state(neo4j_uri)
    assert final["run"]["run_id"] == summary.run_id and final["stale"] == 0
    assert final["nodes"] > before["nodes"]


@pytest.mark.neo4j
def test_a_server_killed_mid_load_keeps_the_previous_run(
    neo4j_server: Any, neo4j_uri: str, iam_vulnerable: Path, big_file: Path
) -> None:
    from ingest.pipeline import ingest_bundle, ingest_files, read_inputs

    ingest_files([str(iam_vulnerable)], neo4j_uri)
    before = state(neo4j_uri)
    new = read_inputs([str(big_file)])
    calls: list[tuple[str, int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        calls.append((stage, done, total))
        if len(calls) == 4:
            neo4j_server.kill()  # SIGKILL the JVM: no checkpoint, an open transaction of thousands of writes

    store = Neo4jStore(neo4j_uri, max_retry_time=2.0)
    try:
        with pytest.raises(StoreError) as err:
            ingest_bundle(new, store, progress)
    finally:
        store.close()
    assert neo4j_uri in str(err.value) and "\n" not in str(err.value)
    assert len(calls) == 4 and calls[-1][1] < calls[-1][2]  # it died halfway

    neo4j_server.start()  # same home and port: recovery discards the uncommitted transaction
    assert state(neo4j_uri) == before


@pytest.mark.neo4j
def test_an_ingest_that_would_overwrite_a_newer_run_is_refused(neo4j_uri: str, tmp_path: Path) -> None:
    """Two ingests into one Neo4j at once: the slower one must not commit over the faster one's accounts."""
    from ingest.pipeline import _ingest_locked, ingest_bundle, read_inputs

    def account(acct: str) -> dict[str, Any]:
        user = {"UserName": "u", "Arn": f"arn:aws:iam::{acct}:user/u", "Path": "/"}
        path = tmp_path / f"{acct}.json"
        path.write_text(json.dumps({"UserDetailList": [user]}))
        return read_inputs([str(path)])

    slow, fast = Neo4jStore(neo4j_uri), Neo4jStore(neo4j_uri)
    try:
        ingest_bundle(account("111111111111"), fast)
        with slow.write_lock():  # the slow run starts from the first run ...
            ingest_bundle(account("222222222222"), fast)  # ... another run commits meanwhile ...
            with pytest.raises(StoreError, match="another ingest finished"):
                _ingest_locked(account("333333333333"), slow, None, time.monotonic())
        accounts = sorted(
            r["account_id"] for r in fast.read("MATCH (p:User) RETURN p.account_id AS account_id")
        )
        assert accounts == ["111111111111", "222222222222"]  # nothing of the refused run, nothing lost
        ingest_bundle(account("333333333333"), slow)  # run again: it merges with the newer state
        accounts = sorted(
            r["account_id"] for r in fast.read("MATCH (p:User) RETURN p.account_id AS account_id")
        )
        assert accounts == ["111111111111", "222222222222", "333333333333"]
    finally:
        slow.close()
        fast.close()

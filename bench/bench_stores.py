"""Load throughput and paths-to-admin time of both stores, side by side, on any input file.

    python bench/bench_stores.py FILE [FILE ...] [--neo4j bolt://HOST:PORT] [--repeat 3] [--json]

    # the foundation issue's benchmark organisation (5,000 roles, 2,000 users, 200 groups, 10,000 policies):
    python bench/generate_org.py --output /tmp/org.json && python bench/bench_stores.py /tmp/org.json

Why a script and not timed tests: timings on a shared 2-core machine are too noisy to assert on, but the
figures are what a team needs to choose a store. Without `--neo4j` the script starts the same real Neo4j
test server the test suite uses (tests/neo4j_server, Java + Maven); credentials for a given server come from
NEO4J_USER / NEO4J_PASSWORD as for the CLI.

What is measured, per store:
- load: `GraphStore.replace` alone (analysis excluded, it is the same for both), as rows (nodes +
  relationships) per second: the first load into an empty store (includes creating constraints and cold
  query plans), a reload of the same data (the MERGE path), and a load into an emptied store with warm plans;
- paths: what `agentpath paths --to admin` does: the named queries that feed path search (`load_view`) and the
  search itself (`all_paths_to_admin`), best of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


@contextlib.contextmanager
def neo4j_uri(given: str | None) -> Iterator[str]:
    """The given server, or the test suite's real Neo4j (started here, stopped at the end)."""
    if given:
        yield given
        return
    sys.path.insert(0, str(REPO / "tests"))
    from neo4j_server.server import java_and_maven_available, running_neo4j

    reason = java_and_maven_available()
    if reason:
        raise SystemExit(f"error: no --neo4j given and {reason}")
    with running_neo4j() as server:
        yield server.uri


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return best, out


def bench_store(name: str, store: Any, bundle: dict[str, Any], repeat: int) -> dict[str, Any]:
    from graph_model.model import GraphData
    from ingest.pipeline import analyse
    from queries.api import all_paths_to_admin, load_view

    _, graph, _ = analyse(bundle)
    rows = len(graph.nodes) + len(graph.relationships)
    loads = []
    for i in range(3):
        # 0: into an empty store, first statements of this kind (schema creation, cold query plans);
        # 1: the same data again (the MERGE path: everything matches, nothing is deleted);
        # 2: into an emptied store with warm plans: the steady-state throughput of a load
        if i == 2:
            store.replace(GraphData(), {}, {"run_id": f"bench-empty-{uuid.uuid4().hex[:6]}"})
        started = time.perf_counter()
        store.replace(graph, bundle, {"run_id": f"bench-{i}-{uuid.uuid4().hex[:6]}"})
        loads.append(time.perf_counter() - started)
    view_s, view = _best(lambda: load_view(store), repeat)
    search_s, reports = _best(lambda: all_paths_to_admin(view), repeat)
    total_s, _ = _best(lambda: all_paths_to_admin(load_view(store)), repeat)
    return {
        "store": name, "nodes": len(graph.nodes), "relationships": len(graph.relationships), "rows": rows,
        "first_load_s": round(loads[0], 3), "first_load_rows_per_s": round(rows / loads[0]),
        "reload_s": round(loads[1], 3), "reload_rows_per_s": round(rows / loads[1]),
        "warm_load_s": round(loads[2], 3), "warm_load_rows_per_s": round(rows / loads[2]),
        "queries_s": round(view_s, 3), "path_search_s": round(search_s, 3),
        "paths_to_admin_s": round(total_s, 3), "principals_reaching_admin": len(reports),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("files", nargs="+", help="GAAD files, bundles, manifests: anything `ingest` takes")
    parser.add_argument("--neo4j", help="bolt:// URI of a Neo4j whose agentpath data may be REPLACED "
                                        "(default: start a fresh test server)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for query timings (default 3)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    from ingest.pipeline import read_inputs
    from queries.store.embedded import EmbeddedStore
    from queries.store.neo4j_store import Neo4jStore

    with tempfile.TemporaryDirectory(prefix="agentpath-bench-") as tmp:
        paths = list(args.files)
        started = time.perf_counter()
        bundle = read_inputs(paths)
        print(f"read {len(paths)} input(s) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        results = []
        with EmbeddedStore(Path(tmp) / "embedded") as embedded:
            results.append(bench_store("embedded (FalkorDB)", embedded, bundle, args.repeat))
        with neo4j_uri(args.neo4j) as uri, Neo4jStore(uri) as neo:
            results.append(bench_store(f"neo4j ({uri})", neo, bundle, args.repeat))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    keys = list(results[0])
    width = max(len(k) for k in keys)
    for key in keys:
        print(f"{key:<{width}}  " + "  ".join(f"{r[key]!s:>28}" for r in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

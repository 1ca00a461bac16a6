"""Benchmark: ingest + edge derivation + load of the synthetic organization (issue 2's figures).

Run `python bench/bench_ingest.py [--scale 1.0] [--store embedded:/tmp/x | bolt://...]`. Prints the seconds of
each phase and the peak memory of this process and of the embedded store's server.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate_org import generate  # noqa: E402


def _server_peak_mb(data_dir: Path) -> float | None:
    pid_file = data_dir / "falkordb.pid"
    if not pid_file.exists():
        return None
    status = Path(f"/proc/{pid_file.read_text().strip()}/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def main() -> None:
    import json

    from graph_model.derive import derive
    from graph_model.enrich import enrich
    from graph_model.model import build_graph
    from ingest.bundle import to_bundle
    from ingest.transform import build_snapshot
    from queries.store import open_store

    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--store", default=None)
    args = parser.parse_args()
    s = args.scale
    tmp = Path(tempfile.mkdtemp(prefix="agentpath-bench-"))
    t0 = time.perf_counter()
    raw = generate(
        roles=int(5000 * s), users=int(2000 * s), groups=max(5, int(200 * s)), policies=int(10000 * s)
    )
    path = tmp / "org.json"
    path.write_text(json.dumps(raw))
    t1 = time.perf_counter()
    bundle = to_bundle(json.loads(path.read_text()), str(path))
    snapshot = build_snapshot(bundle)
    t2 = time.perf_counter()
    derived = derive(snapshot)
    t3 = time.perf_counter()
    graph = build_graph(snapshot, derived)
    enrich(snapshot, derived, graph)  # agents, owners, privilege events: as `agentpath ingest` does
    store_uri = args.store or f"embedded:{tmp / 'store'}"
    with open_store(store_uri) as store:
        t4 = time.perf_counter()
        store.replace(graph, bundle, {"run_id": "bench"})
        t5 = time.perf_counter()
        server_mb = _server_peak_mb(tmp / "store")
        from queries.api import all_paths_to_admin, load_view

        view = load_view(store)
        reports = all_paths_to_admin(view)
        t6 = time.perf_counter()
    principals = sum(1 for p in snapshot.principals.values() if p.kind != "group")
    rows = len(graph.nodes) + len(graph.relationships)
    print(
        f"organization: {len(snapshot.accounts)} accounts, {principals} users+roles, "
        f"{len(snapshot.policies)} policies"
        f" ({path.stat().st_size / 1e6:.0f} MB JSON, generated in {t1 - t0:.1f} s)"
    )
    print(
        f"parse+validate: {t2 - t1:.1f} s   derive: {t3 - t2:.1f} s ({len(derived.edges)} edges, "
        f"{len(derived.admin)} admins)"
    )
    print(
        f"graph build + agents/owners layer: {t4 - t3:.1f} s   load: {t5 - t4:.1f} s "
        f"({rows} rows, {rows / max(t5 - t4, 1e-9):.0f} rows/s)"
    )
    print(f"ingest+derive+load total: {t5 - t1:.1f} s")
    print(f"paths-to-admin (all principals): {t6 - t5:.1f} s, {len(reports)} reach admin")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak memory: agentpath {peak:.0f} MB" + (f", store server {server_mb:.0f} MB" if server_mb else "")
    )


if __name__ == "__main__":
    main()

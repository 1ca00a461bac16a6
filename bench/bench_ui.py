"""Benchmark: how long each explorer page takes to render on the benchmark organization (issue 6's figures).

Run `python bench/bench_ui.py [--scale 1.0] [--agents 50] [--store-dir DIR]`. The organization is the
foundation benchmark's (bench/generate_org.py: 5,000 roles, 2,000 users, 200 groups, 10,000 policies in 5
accounts at scale 1), plus `--agents` AI agents from a manifest (each runs as one role, one in five
delegates to another) so the agent pages have something to draw. Each page is rendered with Streamlit's
AppTest, which runs the page script exactly as the server does:

- cold: the first render after a new ingest (the explorer's caches empty: it reads the graph and computes
  reachability and findings once per ingest run);
- warm: every later render, i.e. what a user waits for on each click (median of 5).

Aim: warm renders under 2 s. The store folder is kept (`--store-dir`) so a rerun skips the ingest.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate_org import generate  # noqa: E402

PAGES = [
    "pages_/overview.py",
    "pages_/path_explorer.py",
    "pages_/delegation.py",
    "pages_/accountability.py",
    "pages_/console.py",
    "pages_/load_data.py",
]


def with_agents(bundle: dict[str, Any], agents: int, seed: int = 11) -> dict[str, Any]:
    """Agents that run as existing roles (so some reach admin), with owners and a few delegations."""
    rng = random.Random(seed)
    roles = [
        r["Arn"] for acct in bundle["authorization_details"].values() for r in acct.get("RoleDetailList", [])
    ]
    people = [
        {"id": f"owner{i}@example.com", "name": f"Owner {i}", "team": f"team-{i % 7}"} for i in range(20)
    ]
    items = []
    for i in range(agents):
        item: dict[str, Any] = {
            "id": f"agent-{i:03d}",
            "kind": "bedrock-agent",
            "runs_as": [rng.choice(roles)],
        }
        if rng.random() < 0.8:
            item["owner"] = rng.choice(people)["id"]
        if i and rng.random() < 0.2:
            item["delegates_to"] = [{"agent": f"agent-{rng.randrange(i):03d}", "mechanism": "declared"}]
        items.append(item)
    out = dict(bundle)
    out["agents_manifest"] = {"people": people, "teams": [], "agents": items, "tasks": []}
    return out


def prepare(store_dir: Path, scale: float, agents: int) -> str:
    from ingest.pipeline import ingest_files
    from queries.store import open_store

    uri = f"embedded:{store_dir}"
    marker = store_dir / "bench-ui.json"
    wanted = {"scale": scale, "agents": agents}
    store = open_store(uri, keep_running=True)
    if marker.exists() and json.loads(marker.read_text()) == wanted and store.last_run():
        print(f"reusing the ingested organization in {store_dir}")
        return uri
    s = scale
    bundle = generate(
        roles=int(5000 * s), users=int(2000 * s), groups=max(5, int(200 * s)), policies=int(10000 * s)
    )
    bundle = with_agents(bundle, agents)
    path = store_dir / "org.json"
    path.write_text(json.dumps(bundle))
    started = time.perf_counter()
    summary = ingest_files([str(path)], uri)
    print(f"{summary.line()} (ingest {time.perf_counter() - started:.1f} s, not part of the page figures)")
    marker.write_text(json.dumps(wanted))
    return uri


def render(page: str, prepare_state: Any = None, *, cold: bool = False) -> float:
    """Seconds of one run of `page` (AppTest needs a first run of the default page before it can switch; that
    run is not timed, and for a cold figure the caches are emptied after it)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=600)
    if page != PAGES[0]:
        at.run()
        at.switch_page(page)
    if cold:
        st.cache_resource.clear()
    if prepare_state:
        prepare_state(at)
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--store-dir", default=None, help="keep the ingested store here between runs")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    store_dir = Path(args.store_dir or tempfile.mkdtemp(prefix="agentpath-bench-ui-"))
    store_dir.mkdir(parents=True, exist_ok=True)
    uri = prepare(store_dir, args.scale, args.agents)
    os.environ["AGENTPATH_STORE"] = uri
    try:
        return measure(uri, args.repeat)
    finally:
        from queries.store import open_store

        stopper = getattr(open_store(uri), "stop_server", None)
        if callable(stopper):
            stopper()


def measure(uri: str, repeat: int) -> int:

    from queries.api import load_view
    from queries.store import open_store

    store = open_store(uri, keep_running=True)
    view = load_view(store)
    print(
        f"graph: {len(view.principals):,} principals, {len(view.agents):,} agents, {len(view.edges):,} edges"
    )

    rows = []
    for page in PAGES:
        cold = render(page, cold=True)
        warm = statistics.median(render(page) for _ in range(repeat))
        rows.append((page, cold, warm))
    # the explorer's main interaction: choosing another source (a new path search, a new graph)
    from ui.explore import escalating_sources

    sources = sorted(escalating_sources(view), key=lambda u: (u not in view.agents, u))[:repeat]
    switch = []
    for source in sources:

        def choose(at: Any, source: str = source) -> None:
            at.session_state["explorer_source"] = source

        switch.append(render(PAGES[1], choose))
    print()
    print(f"{'page':<28}{'cold (s)':>10}{'warm (s)':>10}")
    for page, cold, warm in rows:
        print(f"{page.removeprefix('pages_/').removesuffix('.py'):<28}{cold:>10.2f}{warm:>10.2f}")
    if switch:
        print(f"{'explorer: choose a source':<28}{'':>10}{statistics.median(switch):>10.2f}")
    worst = max(max(w for _, _, w in rows), statistics.median(switch) if switch else 0.0)
    print(f"\nslowest warm render {worst:.2f} s (aim < 2 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

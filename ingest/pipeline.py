"""One ingest run: read files, check them, merge with what the store holds, derive edges, load atomically.

Every file is validated before anything is written, so a bad file means exit code 2 and an untouched store.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph_model.model import GraphData
from graph_model.snapshot import Snapshot
from graph_model.whatif import analyse_full
from ingest.bundle import empty_bundle, merge_run, overlay, to_bundle
from ingest.files import expand_paths, read_document
from ingest.transform import build_snapshot
from queries import view_cache
from queries.store import GraphStore, open_store

Progress = Callable[[str, int, int], None]


@dataclass
class IngestSummary:
    accounts: int
    principals: int
    policies: int
    edges: int
    seconds: float
    run_id: str

    def line(self) -> str:
        return (
            f"ingested {self.accounts} accounts, {self.principals} principals, "
            f"{self.policies} managed policies, "
            f"{self.edges} edges (assume and escalation) in {self.seconds:.1f} s"
        )


def read_inputs(paths: list[str]) -> dict[str, Any]:
    """Parse and validate every file (raising IngestError on the first bad one), then merge them."""
    bundles = []
    for path in expand_paths(paths):
        source = str(path)
        bundle = to_bundle(read_document(Path(path)), source)
        build_snapshot(bundle, source)  # validates every policy document; errors name this file
        bundles.append(bundle)
    return merge_run(bundles)


def analyse(bundle: dict[str, Any]) -> tuple[Snapshot, GraphData, int]:
    """Pure analysis of a merged bundle: the snapshot, the graph to load, the number of escalation edges."""
    analysis = analyse_full(bundle)
    return analysis.snapshot, analysis.graph, len(analysis.derived.edges)


def ingest_bundle(new: dict[str, Any], store: GraphStore, progress: Progress | None = None) -> IngestSummary:
    started = time.monotonic()
    with store.write_lock():
        return _ingest_locked(new, store, progress, started)


def _ingest_locked(
    new: dict[str, Any], store: GraphStore, progress: Progress | None, started: float
) -> IngestSummary:
    previous = store.source() or empty_bundle()
    merged = overlay(previous, new)
    analysis = analyse_full(merged)
    snapshot, graph, edge_count = analysis.snapshot, analysis.graph, len(analysis.derived.edges)
    run_id = uuid.uuid4().hex[:12]
    run = {
        "run_id": run_id,
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accounts": sorted(snapshot.accounts),
    }
    store.replace(graph, merged, run, progress)
    view_cache.write(store, run_id, analysis.view)  # the explorer's head start (queries/view_cache.py)
    principals = sum(1 for p in snapshot.principals.values() if p.kind in ("user", "role"))
    return IngestSummary(
        len(snapshot.accounts),
        principals,
        len(snapshot.policies),
        edge_count,
        time.monotonic() - started,
        run_id,
    )


def ingest_files(
    paths: list[str], store_uri: str | None = None, progress: Progress | None = None
) -> IngestSummary:
    new = read_inputs(paths)
    with open_store(store_uri) as store:
        return ingest_bundle(new, store, progress)

"""A per-run cache of the path-search view, written by `ingest` and read by the explorer.

Reading 18,000 escalation edges back through the FalkorDB client costs about 1.5 s (the server answers in
50 ms; the client's result parsing is the cost), which made the first page after every ingest slow. The
ingest already holds the graph it just loaded, so it leaves the same view (`queries.scan.view_from_graph`,
proven equal to `load_view` by tests) as one JSON file keyed by the run id: a stale file is never used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from queries.api import GraphView
from queries.store.base import GraphStore


def cache_path(store: GraphStore) -> Path:
    data_dir = getattr(store, "data_dir", None)
    if isinstance(data_dir, Path):
        return data_dir / "view-cache.json"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "agentpath"
    return base / f"view-{hashlib.sha256(store.uri.encode()).hexdigest()[:16]}.json"


def write(store: GraphStore, run_id: str, view: GraphView) -> None:
    """Best effort: a cache that cannot be written only costs the UI its head start."""
    path = cache_path(store)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".view-cache-")
        with os.fdopen(fd, "w") as handle:
            json.dump({"run_id": run_id, **asdict(view)}, handle, separators=(",", ":"))
        os.replace(tmp, path)


def read(store: GraphStore, run_id: str) -> GraphView | None:
    path = cache_path(store)
    try:
        with open(path) as handle:
            doc = json.load(handle)
    except (OSError, ValueError):
        return None
    if not run_id or doc.get("run_id") != run_id:
        return None
    return GraphView(doc["edges"], doc["principals"], doc["owners"], doc["agents"])

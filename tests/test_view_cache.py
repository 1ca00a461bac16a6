"""The explorer's per-run view cache must hold exactly what the named queries would read back."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from ingest.demo import main as demo_main
from ingest.pipeline import ingest_bundle, read_inputs
from queries import view_cache
from queries.api import GraphView, load_view
from queries.store import open_store
from tests.helpers import IAM_VULNERABLE, shared_file


def _normal(view: GraphView) -> dict[str, Any]:
    """Owner '' and None both mean unowned; edge order is not part of the contract."""

    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {k: (v or None) if k in ("owner", "owner_source") else v for k, v in d.items()}

    return {
        "edges": sorted(json.dumps(e, sort_keys=True, default=str) for e in view.edges),
        "principals": {k: clean(v) for k, v in view.principals.items()},
        "owners": {k: v or None for k, v in view.owners.items()},
        "agents": sorted(view.agents),
    }


def _demo_files(tmp_path: Path) -> list[str]:
    out = tmp_path / "demo"
    with contextlib.suppress(SystemExit):
        demo_main(["--output", str(out)])
    return [str(p) for p in sorted(out.glob("*.json"))]


@pytest.mark.parametrize("dataset", ["demo", "iam-vulnerable"])
def test_cached_view_equals_what_the_store_reads_back(dataset: str, tmp_path: Path) -> None:
    files = _demo_files(tmp_path) if dataset == "demo" else [str(shared_file("gaad", IAM_VULNERABLE.name))]
    with open_store(f"embedded:{tmp_path / 'store'}") as store:
        summary = ingest_bundle(read_inputs(files), store)
        cached = view_cache.read(store, summary.run_id)
        assert cached is not None
        assert _normal(cached) == _normal(load_view(store))
        assert view_cache.read(store, "another-run") is None  # a stale cache is never used

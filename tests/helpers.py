"""Shared test helpers: run the real CLI in-process and read ground truth from ../shared at test time."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("AGENTPATH_SHARED", ROOT.parent / "shared"))
SHARED_DATA = SHARED / "data"
IAM_VULNERABLE = SHARED_DATA / "gaad" / "cloudsplaining_example_iam-vulnerable_account.json"


def shared_file(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not present: {path} (tests read ground truth from ../shared at test time)")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from ui.cli import main

    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, f"agentpath {' '.join(argv)} exited {code}: {err}"
    return json.loads(out)


def write_json(path: Path, payload: Any) -> Path:
    path.write_text(json.dumps(payload))
    return path


def cli_json(capsys: pytest.CaptureFixture[str], store: str, *args: str) -> Any:
    """`agentpath --store STORE ARGS --format json`, parsed (the verb must succeed)."""
    return run_json(capsys, "--store", store, *args, "--format", "json")


@contextlib.contextmanager
def ingested_store(folder: Path, files: list[Path]) -> Iterator[str]:
    """An embedded store holding `files`, kept running for a module's tests and stopped afterwards."""
    from ingest.pipeline import ingest_files
    from queries.store import open_store
    from queries.store.embedded import stop_server_at

    uri = f"embedded:{folder / 'store'}"
    with open_store(uri, keep_running=True):
        ingest_files([str(f) for f in files], uri)
        try:
            yield uri
        finally:
            stop_server_at(folder / "store")


def ingested_scenario(tmp_path_factory: pytest.TempPathFactory, name: str, scenario: Any) -> Iterator[str]:
    """A module-scoped store with one bundle written from `scenario` (a dict)."""
    tmp = tmp_path_factory.mktemp(name)
    with ingested_store(tmp, [write_json(tmp / "bundle.json", scenario)]) as uri:
        yield uri

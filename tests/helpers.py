"""Shared test helpers: run the real CLI in-process and read ground truth from ../shared at test time."""

from __future__ import annotations

import json
import os
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

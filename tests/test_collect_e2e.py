"""End to end: collect the moto organization, ingest the bundle with the main CLI, and find `dev`'s path to
admin.

`dev` holds iam:PassRole on `lambda-admin` (AdministratorAccess, trusts lambda.amazonaws.com) plus
lambda:CreateFunction and lambda:InvokeFunction: pathfinding.cloud technique lambda-001.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "collect"))
import collect_testkit as kit  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.skipif(not (PROJECT / "ui" / "cli.py").exists(), reason="core CLI not built yet")
def test_collected_bundle_shows_dev_escalating_to_admin(tmp_path_factory: pytest.TempPathFactory) -> None:
    kit.world()
    run = kit.org_run(tmp_path_factory.mktemp)
    assert run.rc == 0, run.stderr
    store = f"embedded:{tmp_path_factory.mktemp('store')}"
    try:
        ingested = _cli("--store", store, "ingest", str(run.output))
        assert ingested.returncode == 0, ingested.stderr
        found = _cli("--store", store, "paths", "--from", kit.DEV_USER, "--to", "admin", "--format", "json")
        assert found.returncode == 0, found.stderr
    finally:
        _cli("--store", store, "store", "stop")
    report = json.loads(found.stdout)
    assert report["source"] == kit.DEV_USER
    assert report["reaches_admin"] is True
    assert not report["source_is_admin"]
    first = report["paths"][0]["steps"][0]
    assert first["from"] == kit.DEV_USER
    assert first["technique"] == "lambda-001"
    assert first["to"] == kit.ADMIN_ROLE
    assert {"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"} <= set(first["actions"])

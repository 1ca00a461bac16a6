"""End to end: `agentpath ui` serves the demo organization and a real headless Chromium uses the explorer.

Debian's chromium is driven by playwright-core from npm (tests/e2e), never a downloaded browser. The test
computes what the page must show from `agentpath paths --from AGENT --format json`, then the node script
selects the agent, checks the graph canvas and the step table, and saves screenshots to test-output/e2e/.
Skipped, with the reason, only when chromium or node is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_support import OUTPUT, REPO, DemoStore, demo_store, escalating_agent

__all__ = ["demo_store"]

E2E = REPO / "tests" / "e2e"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"Debian's chromium is not installed at {CHROMIUM} "
        "(apt-get install chromium; .ci/run installs it)",
    ),
    pytest.mark.skipif(
        NODE is None, reason="node is not installed: the browser test runs playwright-core on node"
    ),
]


def _agentpath() -> list[str]:
    """The installed console script next to this interpreter, else the same CLI as a module."""
    script = Path(sys.executable).with_name("agentpath")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ui.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _playwright_installed() -> None:
    if (E2E / "node_modules" / "playwright-core" / "package.json").exists():
        return
    npm = shutil.which("npm")
    assert npm, "npm is missing although node is present: cannot install playwright-core"
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=E2E, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"npm ci in tests/e2e failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def served(demo_store: DemoStore) -> Iterator[str]:
    """`agentpath --store URI ui --port FREE --headless` on 127.0.0.1 until the module ends."""
    port = _free_port()
    out = OUTPUT / "e2e"
    out.mkdir(parents=True, exist_ok=True)
    log = (out / "server.log").open("w")
    env = {k: v for k, v in os.environ.items() if k != "AGENTPATH_STORE"}
    proc = subprocess.Popen(
        [*_agentpath(), "--store", demo_store.uri, "ui", "--port", str(port), "--headless"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"agentpath ui exited {proc.returncode}:\n{(out / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"agentpath ui did not answer in 90 s:\n{(out / 'server.log').read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        log.close()
        assert code == 0, f"agentpath ui did not stop cleanly on SIGTERM (exit {code})"


def test_explorer_in_a_real_browser(served: str, demo_store: DemoStore) -> None:
    _playwright_installed()
    agent, _ = escalating_agent(demo_store.uri)
    cli = subprocess.run(
        [*_agentpath(), "--store", demo_store.uri, "paths", "--from", agent, "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)["paths"][0]["hops"]

    out = OUTPUT / "e2e"
    for old in out.glob("*.png"):
        old.unlink()
    shot = out / "explorer.png"
    env = dict(
        os.environ,
        AGENTPATH_URL=served,
        AGENTPATH_SOURCE=agent,
        AGENTPATH_STEPS=str(expected),
        AGENTPATH_OUTPUT=str(out),
        CHROMIUM=str(CHROMIUM),
    )
    run = subprocess.run(
        [str(NODE), "explorer.spec.mjs"], cwd=E2E, env=env, capture_output=True, text=True, timeout=240
    )
    assert run.returncode == 0, f"browser checks failed (see {out}):\n{run.stdout}\n{run.stderr}"
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["ok"] and result["steps"] == expected
    assert shot.exists() and shot.stat().st_size > 10_000, "the explorer screenshot was saved"

"""`agentpath ui`: serve the Streamlit explorer on a store.

The embedded store's server is started (or found) before Streamlit and kept running while the UI runs, so the
app and any CLI command used meanwhile share it; if this command started it, it stops it on exit (Ctrl-C or
SIGTERM), so nothing is left behind. The store URI reaches the app as AGENTPATH_STORE.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from queries.store import default_store_uri, open_store

APP = Path(__file__).resolve().parent / "app.py"
ROOT = APP.parent.parent

#: The explorer listens on loopback unless told otherwise: it can load data into the store, so exposing it is
#: a #: decision (a container sets AGENTPATH_UI_ADDRESS=0.0.0.0 behind its own network boundary).
DEFAULT_ADDRESS = "127.0.0.1"

THEME = {
    "theme.base": "light",
    "theme.primaryColor": "#b91c1c",
    "theme.backgroundColor": "#ffffff",
    "theme.secondaryBackgroundColor": "#f1f5f9",
    "theme.textColor": "#0f172a",
}


def streamlit_command(port: int, headless: bool, address: str) -> list[str]:
    flags = {
        "server.port": str(port),
        "server.address": address,
        "server.headless": "true" if headless else "false",
        "server.fileWatcherType": "none",
        "server.runOnSave": "false",
        "browser.gatherUsageStats": "false",
        "browser.serverAddress": "localhost" if address in ("127.0.0.1", "0.0.0.0") else address,
        "client.toolbarMode": "minimal",
        "global.developmentMode": "false",
        **THEME,
    }
    return [sys.executable, "-m", "streamlit", "run", str(APP), *(f"--{k}={v}" for k, v in flags.items())]


def serve(
    store_uri: str | None, port: int = 8501, *, headless: bool = False, address: str | None = None
) -> int:
    """Run the explorer until it is stopped; returns Streamlit's exit code (0 after Ctrl-C or SIGTERM)."""
    uri = store_uri or default_store_uri()
    store = open_store(uri, keep_running=True)  # raises StoreError (exit 3) when the store cannot be reached
    started_here = bool(getattr(store, "_owned", False))
    env = dict(
        os.environ,
        AGENTPATH_STORE=uri,
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
    )
    bind = address or os.environ.get("AGENTPATH_UI_ADDRESS") or DEFAULT_ADDRESS
    env["AGENTPATH_UI_BIND"] = bind  # the app offers server-side paths only on loopback
    cmd = streamlit_command(port, headless, bind)
    print(f"agentpath explorer on http://{bind}:{port} (store {uri}); Ctrl-C to stop", flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        signal.signal(signal.SIGTERM, previous)
        if started_here:
            stopper = getattr(store, "stop_server", None)
            if callable(stopper):
                with contextlib.suppress(Exception):
                    stopper()
        with contextlib.suppress(Exception):
            store.close()

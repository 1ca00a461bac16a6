"""Load data: upload GAAD exports, bundles, agents manifests or CloudTrail logs and ingest them with progress.

The same pipeline as `agentpath ingest`: every file is validated before anything is written, a bad file
gets the CLI's one-line error (file and field) and leaves the store untouched, and a new run is merged over
what the store already holds.
"""

from __future__ import annotations

import os

import streamlit as st

from ingest.errors import IngestError
from queries.store.base import StoreError
from ui import data, widgets
from ui.ingest_upload import Upload, ingest_uploads

LOOPBACK = ("127.0.0.1", "localhost", "::1")

widgets.header(
    "Load data",
    "GAAD exports, agentpath bundles, agents manifests (YAML/JSON) and CloudTrail logs "
    "(.json or .json.gz). Files are merged with what the store already holds.",
)

if not widgets.require_store():
    st.stop()

uploaded = st.file_uploader(
    "Files to ingest",
    accept_multiple_files=True,
    key="ld_files",
    type=["json", "yaml", "yml", "gz"],
    help="Several pages of one account merge; several accounts load together.",
)
server_paths = ""
if os.environ.get("AGENTPATH_UI_BIND", "127.0.0.1") in LOOPBACK:
    # reading paths of the server's disk is for the person at this machine; a UI served to the network
    # (AGENTPATH_UI_ADDRESS=0.0.0.0) takes uploads only
    with st.expander("Or files and folders on this machine (large exports, CloudTrail folders)"):
        server_paths = st.text_area(
            "One path per line",
            key="ld_paths",
            height=80,
            placeholder="/data/exports/gaad-111111111111.json\n/data/cloudtrail/",
        )
files = [Upload(f.name, f.getvalue()) for f in uploaded or []]
paths = [line.strip() for line in (server_paths or "").splitlines() if line.strip()]
go = st.button(
    "Ingest", type="primary", icon=":material/upload:", disabled=not files and not paths, key="ld_go"
)

if go:
    bar = st.progress(0.0, text="Validating files…")

    def progress(fraction: float, text: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=text)

    try:
        summary = ingest_uploads(files, paths, data.get_store(), progress)
    except IngestError as exc:
        bar.empty()
        st.error(f"error: {exc}", icon=":material/error:")
        st.caption("Nothing was written: the store still holds the previous run.")
    except StoreError as exc:
        bar.empty()
        st.error(f"error: store: {exc}", icon=":material/error:")
    else:
        progress(1.0, "Done")
        data.clear_caches()
        st.success(summary.line(), icon=":material/check_circle:")
        st.page_link("pages_/overview.py", label="See the overview", icon=":material/dashboard:")

run = data.last_run()
if run:
    st.caption(
        f"The store holds run `{run.get('run_id', '?')}` from {run.get('finished_at', '?')}, accounts: "
        + (", ".join(run.get("accounts") or []) or "none")
    )

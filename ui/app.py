"""agentpath explorer: the Streamlit entry point (`agentpath ui`, `make demo`, or `streamlit run ui/app.py`).

It answers, in a few clicks, "what can this agent become, through whom, and who answers for each step". The
store comes from AGENTPATH_STORE (set by `agentpath ui --store URI`); each page is a script in `ui/pages_/`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run ui/app.py` puts ui/ on the path, not the project
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from queries.store.base import StoreError  # noqa: E402
from ui import data, style  # noqa: E402

ASSETS = Path(__file__).resolve().parent / "assets"
# local images only: the explorer must look right on machines without internet (no icon CDNs)
st.set_page_config(
    page_title="agentpath",
    page_icon=str(ASSETS / "favicon.png"),
    layout="wide",
    initial_sidebar_state="expanded",
)
st.logo(str(ASSETS / "logo.svg"), size="large", icon_image=str(ASSETS / "icon.svg"))
st.html(style.APP_CSS)

PAGES = {
    "Analyse": [
        st.Page("pages_/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages_/path_explorer.py", title="Path explorer", icon=":material/route:"),
        st.Page("pages_/delegation.py", title="Delegation", icon=":material/account_tree:"),
        st.Page("pages_/accountability.py", title="Accountability", icon=":material/how_to_reg:"),
    ],
    "Data": [
        st.Page("pages_/console.py", title="Cypher console", icon=":material/terminal:"),
        st.Page("pages_/load_data.py", title="Load data", icon=":material/upload_file:"),
    ],
}
page = st.navigation(PAGES)

with st.sidebar:
    st.caption("Privilege-escalation paths of AI agents in AWS, with the human accountable for every step.")
    try:
        run = data.last_run()
    except StoreError as exc:
        run = None
        st.error(f"Store unreachable: {exc}")
    st.caption(f"Store: `{data.store_uri()}`")
    if run:
        accounts = run.get("accounts") or []
        st.caption(
            f"Last ingest: {run.get('finished_at', '?')} · {len(accounts)} account"
            f"{'s' if len(accounts) != 1 else ''}"
        )

page.run()

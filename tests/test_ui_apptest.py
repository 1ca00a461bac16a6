"""Every page of the explorer, driven by Streamlit's AppTest on the demo organization.

What an analyst does is what is asserted: the widgets are there, choosing a source shows its paths (the same
ones `agentpath paths --from` prints), every step names its owner, a row click opens the path, the console
refuses writes, and the Load data page ingests files or shows the CLI's own error line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from ui_support import APP, DemoStore, app_env, demo_store, escalating_agent, start_store, stop_store

__all__ = ["app_env", "demo_store"]  # fixtures used by name below

PAGES = [
    "pages_/overview.py",
    "pages_/path_explorer.py",
    "pages_/delegation.py",
    "pages_/accountability.py",
    "pages_/console.py",
    "pages_/load_data.py",
]


def _app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=90)


def _page(path: str) -> AppTest:
    at = _app().run()
    if path != PAGES[0]:
        at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [s.value for s in at.success]
    parts += [h.value for h in _elements(at, "html")]
    return "\n".join(str(p) for p in parts)


def _elements(at: AppTest, kind: str) -> list[Any]:
    """Elements AppTest has no typed accessor for (html, iframe, download_button, file_uploader, progress)."""
    return list(at.get(kind))


def _button(at: AppTest, label: str) -> Any:
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


# --- every page ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_demo_organization(app_env: DemoStore, page: str) -> None:
    at = _page(page)
    assert at.title and at.title[0].value
    assert not at.error, [e.value for e in at.error]
    assert "not in this build" not in _texts(at), (
        "the agents layer is installed: no page may say it is missing"
    )


# --- overview -----------------------------------------------------------------------------------------------
def test_overview_counts_findings_agents_and_unowned(app_env: DemoStore) -> None:
    from queries.agents_api import findings_report
    from queries.store import open_store

    at = _page(PAGES[0])
    metrics = {m.label: m.value for m in at.metric}
    assert set(metrics) >= {
        "Accounts",
        "Principals",
        "Agents",
        "People",
        "Paths to admin",
        "Unowned escalating",
    }
    assert metrics["Accounts"] == "3"
    assert int(metrics["Agents"]) >= 3 and int(metrics["Paths to admin"]) >= 3
    with open_store(app_env.uri) as store:
        findings = findings_report(store)
    table = next(d for d in at.dataframe if d.key and d.key.startswith("ov_findings")).value
    assert len(table) == len(findings)
    ranks = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    assert list(table["severity"].map(ranks)) == sorted(table["severity"].map(ranks)), "sorted by severity"
    agents = next(d for d in at.dataframe if d.key and d.key.startswith("ov_agents")).value
    assert len(agents) >= 1 and agents["owner"].map(bool).all()
    agent, _ = escalating_agent(app_env.uri)
    assert agent in set(agents["agent"])
    unowned = next(d for d in at.dataframe if d.key and d.key.startswith("ov_unowned")).value
    assert len(unowned) == int(metrics["Unowned escalating"]) >= 1


def test_a_row_click_opens_its_path_in_the_explorer(app_env: DemoStore) -> None:
    at = _page(PAGES[0])
    frame = next(d for d in at.dataframe if d.key and d.key.startswith("ov_agents"))
    agent = str(frame.value.iloc[0]["agent"])
    assert frame.key
    at.session_state[frame.key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Path explorer"
    assert at.selectbox(key="px_source").value == agent
    assert at.query_params.get("source") in (agent, [agent])


# --- path explorer ------------------------------------------------------------------------------------------
def test_explorer_has_its_widgets(app_env: DemoStore) -> None:
    at = _page(PAGES[1])
    for key in ("px_source", "px_target", "px_path"):
        assert at.selectbox(key=key) is not None
    for key in ("px_hops", "px_nodes"):
        assert at.slider(key=key) is not None
    for key in ("px_only", "px_cond", "px_pot", "px_owners", "px_only_sel"):
        assert at.toggle(key=key) is not None
    assert len(_elements(at, "iframe")) == 1, "the pyvis graph"
    assert "AI agent" in _texts(at) and "Person (owner)" in _texts(at), "the legend"
    labels = [b.label for b in _elements(at, "download_button")]
    assert labels == ["Export JSON", "Export Markdown", "Export Mermaid"]


def test_selecting_an_agent_shows_its_paths_with_every_owner(app_env: DemoStore) -> None:
    agent, report = escalating_agent(app_env.uri)
    at = _page(PAGES[1])
    at.selectbox(key="px_source").set_value(agent).run()
    assert not at.exception
    assert "reaches admin" in _texts(at)
    assert len(at.selectbox(key="px_path").options) == len(report["paths"])
    path = report["paths"][0]
    table = at.table[0].value
    assert list(table.columns) == ["step", "from", "to", "technique", "allowed by", "conditions", "owner"]
    assert len(table) == path["hops"]
    expected_owners = [s["owner"] or "⚠ UNOWNED" for s in path["steps"]]
    assert list(table["owner"]) == expected_owners
    assert all(str(o).strip() for o in table["owner"]), "the owner column is filled"
    assert any("@" in str(o) for o in table["owner"]), "the demo's agent steps have accountable humans"
    assert [t.split(" · ")[0] for t in table["technique"]] == [s["technique"] for s in path["steps"]]


def test_choosing_another_path_and_target(app_env: DemoStore) -> None:
    from queries.api import load_view, path_report
    from queries.store import open_store

    agent, report = escalating_agent(app_env.uri)
    target = report["paths"][0]["target"]
    at = _page(PAGES[1])
    at.selectbox(key="px_source").set_value(agent).run()
    at.selectbox(key="px_target").set_value(target).run()
    assert not at.exception
    with open_store(app_env.uri) as store:
        expected = path_report(load_view(store), agent, target)
    assert len(at.table[0].value) == expected["paths"][0]["hops"]
    at.slider(key="px_hops").set_value(1).run()
    assert not at.exception
    if expected["paths"][0]["hops"] > 1:
        assert not at.table, "no path within one hop"
        assert "no escalation path" in _texts(at)


def test_a_shared_link_opens_the_explorer_on_its_source(app_env: DemoStore) -> None:
    agent, _ = escalating_agent(app_env.uri)
    at = _app()
    at.query_params["source"] = agent
    at.run()
    at.switch_page(PAGES[1]).run()
    assert at.selectbox(key="px_source").value == agent


# --- delegation ---------------------------------------------------------------------------------------------
def test_delegation_shows_chains_and_where_they_land(app_env: DemoStore) -> None:
    from queries.agents_api import delegation_report
    from queries.store import open_store

    at = _page(PAGES[2])
    agent = str(at.selectbox(key="dg_agent").value)
    with open_store(app_env.uri) as store:
        expected = delegation_report(store, agent)
    chains = next(d for d in at.dataframe if "chain" in d.value.columns).value
    assert len(chains) == len(expected["chains"]) >= 1
    for row, chain in zip(chains.itertuples(), expected["chains"], strict=True):
        for link in chain:
            assert f"[{link['mechanism']}] {link['to']}" in row.chain
    assert chains["finally reaches"].str.startswith("admin").any(), "the demo's supervisor reaches admin"
    assert len(_elements(at, "iframe")) == 1
    _button(at, "Open the final agent's path in the explorer").click().run()
    assert at.title[0].value == "Path explorer"


# --- accountability -----------------------------------------------------------------------------------------
def test_accountability_owners_and_the_evidence_trail(app_env: DemoStore) -> None:
    from queries.agents_api import events_report, owners_report, trail_report
    from queries.store import open_store

    with open_store(app_env.uri) as store:
        owners = owners_report(store)
        events = events_report(store)
    at = _page(PAGES[3])
    table = at.dataframe[0].value
    assert {"identity", "owner", "source", "team"} <= set(table.columns)
    assert len(table) == len(owners)
    assert set(table["source"]) >= {"manifest", "tag"}
    at.toggle(key="acc_unowned").set_value(True).run()
    gaps = at.dataframe[0].value
    assert len(gaps) == sum(1 for o in owners if not o["owner"]) >= 1
    assert gaps["owner"].str.startswith("⚠").all()

    event = next(e for e in events if e.get("classification") == "control-failure")
    at.selectbox(key="acc_event").set_value(event["event_id"]).run()
    assert not at.exception
    with open_store(app_env.uri) as store:
        trail = trail_report(store, event["event_id"])
    text = _texts(at)
    assert "control-failure" in text
    for title in ("Task approval", "Identity proof", "Privilege event", "Oversight"):
        assert title in text
    layers = [d.value for d in at.dataframe[1:]]
    assert len(layers) == sum(
        1 for k in ("task_approval", "identity_proof", "privilege_event", "oversight") if trail[k]
    )


# --- cypher console -----------------------------------------------------------------------------------------
def _console(query: str, params: str = "{}", limit: int | None = None) -> AppTest:
    at = _page(PAGES[4])
    at.text_area(key="cx_query").set_value(query)
    at.text_area(key="cx_params").set_value(params)
    if limit is not None:
        at.number_input(key="cx_limit").set_value(limit)
    _button(at, "Run query").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (:Intruder {name: 'x'}) RETURN 1",
        "MATCH (p:Principal) SET p.is_admin = true RETURN p",
        "MATCH (n) DETACH DELETE n",
    ],
)
def test_console_refuses_a_write_with_a_clear_message(app_env: DemoStore, query: str) -> None:
    from queries.store import open_store

    at = _console(query)
    assert at.error, "a refusal is shown"
    message = at.error[0].value
    assert message.startswith("Refused") and "read-only" in message
    with open_store(app_env.uri) as store:
        assert store.read("MATCH (n:Intruder) RETURN count(n) AS n")[0]["n"] == 0
        assert (
            store.read("MATCH (p:Principal) WHERE p.is_admin = true RETURN count(p) AS n")[0]["n"]
            < store.read("MATCH (p:Principal) RETURN count(p) AS n")[0]["n"]
        )


def test_console_runs_a_read_query_with_json_parameters_and_a_row_limit(app_env: DemoStore) -> None:
    at = _console(
        "MATCH (p:Principal) WHERE p.account_id = $acct RETURN p.arn AS arn ORDER BY arn",
        json.dumps({"acct": "111111111111"}),
        limit=2,
    )
    assert not at.error
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["arn"] and len(frame) == 2
    assert all(a.startswith("arn:aws:iam::111111111111:") for a in frame["arn"])
    assert "showing the first 2" in _texts(at)


def test_console_explains_bad_parameters(app_env: DemoStore) -> None:
    at = _console("RETURN $x AS x", "{not json")
    assert at.error and "not valid JSON" in at.error[0].value
    at = _console("RETURN $x AS x", "[1, 2]")
    assert at.error and "JSON object" in at.error[0].value


def test_console_library_query_fills_the_editor(app_env: DemoStore) -> None:
    at = _page(PAGES[4])
    at.selectbox(key="cx_named").set_value("admins").run()
    assert "is_admin = true" in str(at.text_area(key="cx_query").value)


@pytest.mark.neo4j
def test_console_refuses_a_write_on_neo4j_too(neo4j_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from queries.store import open_store

    monkeypatch.setenv("AGENTPATH_STORE", neo4j_uri)
    at = _console("CREATE (:Intruder {name: 'x'}) RETURN 1")
    assert at.error and at.error[0].value.startswith("Refused") and "read-only" in at.error[0].value
    at = _console("CALL { CREATE (:Intruder) } RETURN 1")
    assert at.error and at.error[0].value.startswith("Refused")
    with open_store(neo4j_uri) as store:
        assert store.read("MATCH (n:Intruder) RETURN count(n) AS n")[0]["n"] == 0


# --- load data ----------------------------------------------------------------------------------------------
@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    uri = f"embedded:{tmp_path / 'store'}"
    store = start_store(uri)
    monkeypatch.setenv("AGENTPATH_STORE", uri)
    yield uri
    stop_store(store)


def test_load_data_ingests_uploads_with_progress(empty_store: str, demo_store: DemoStore) -> None:
    from queries.store import open_store

    at = _page(PAGES[5])
    uploader = _elements(at, "file_uploader")[0]
    uploader.set_value((demo_store.bundle.name, demo_store.bundle.read_bytes(), "application/json"))
    at.run()
    _button(at, "Ingest").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _elements(at, "progress"), "a progress bar"
    assert at.success and at.success[0].value.startswith("ingested 3 accounts")
    with open_store(empty_store) as store:
        assert store.last_run() is not None


def test_load_data_shows_the_clis_error_line_and_writes_nothing(
    empty_store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from queries.store import open_store
    from ui.cli import main

    bad = {"UserDetailList": [{"UserName": "x", "Arn": 42}]}
    monkeypatch.chdir(tmp_path)
    Path("bad-export.json").write_text(json.dumps(bad))
    capsys.readouterr()
    assert main(["--store", empty_store, "ingest", "bad-export.json"]) == 2
    cli_line = capsys.readouterr().err.strip()
    assert cli_line.startswith("error: bad-export.json")

    at = _page(PAGES[5])
    _elements(at, "file_uploader")[0].set_value(
        ("bad-export.json", json.dumps(bad).encode(), "application/json")
    )
    at.run()
    _button(at, "Ingest").click().run()
    assert at.error and at.error[0].value == cli_line
    with open_store(empty_store) as store:
        assert store.last_run() is None


def test_an_empty_store_says_what_to_do(empty_store: str) -> None:
    for page in PAGES[:4]:
        at = _page(page)
        assert "is empty" in _texts(at)
        assert not at.error


def test_load_data_from_paths_on_this_machine_only_on_loopback(
    empty_store: str, demo_store: DemoStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(PAGES[5])
    at.text_area(key="ld_paths").set_value(str(demo_store.bundle.parent))  # a folder expands to its files
    at.run()
    _button(at, "Ingest").click().run()
    assert at.success and at.success[0].value.startswith("ingested 3 accounts"), [e.value for e in at.error]

    monkeypatch.setenv("AGENTPATH_UI_BIND", "0.0.0.0")
    at = _page(PAGES[5])
    assert not [t for t in at.text_area if t.key == "ld_paths"], (
        "a UI served to the network takes uploads only"
    )


def test_a_privilege_event_finding_opens_its_evidence_trail(app_env: DemoStore) -> None:
    at = _page(PAGES[0])
    frame = next(d for d in at.dataframe if d.key and d.key.startswith("ov_findings"))
    rows = frame.value.reset_index(drop=True)
    index = next(i for i, kind in enumerate(rows["kind"]) if kind == "outside-task-window")
    event_id = str(rows.iloc[index]["subject"])
    assert rows.iloc[index]["open"] == "→ trail"
    assert frame.key
    at.session_state[frame.key] = {"selection": {"rows": [index], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Accountability"
    assert at.selectbox(key="acc_event").value == event_id


def test_an_unreachable_store_is_explained_on_every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTPATH_STORE", "bolt://127.0.0.1:1")  # nothing listens on port 1
    for page in PAGES:
        at = _page(page)
        assert any("cannot be reached" in e.value for e in at.error), page

"""The explorer's parts without a browser: reachability, the bounded graph, the offline HTML, the exports, the
upload errors and the serve command line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from ui_support import DemoStore, demo_store, escalating_agent

from graph_model.paths import PathOptions
from queries.api import GraphView, all_paths_to_admin, load_view, path_report
from ui import exports, graph_view
from ui.explore import admin_distance, escalating_sources, node_kind, short_statement, step_rows

__all__ = ["demo_store"]


@pytest.fixture(scope="module")
def view(demo_store: DemoStore) -> GraphView:
    from queries.store import open_store

    with open_store(demo_store.uri) as store:
        return load_view(store)


def _fan_view(n: int) -> GraphView:
    """A source that reaches n admin roles, each through its own intermediate role: n paths, 2n+1 nodes."""
    acct = "arn:aws:iam::111111111111"
    source = f"{acct}:user/source"
    principals: dict[str, dict[str, Any]] = {source: {"arn": source, "kind": "user", "is_admin": False}}
    edges = []

    def edge(a: str, b: str, technique: str) -> dict[str, Any]:
        return {
            "source": a,
            "target": b,
            "technique": technique,
            "actions": [],
            "statements": [],
            "conditional": False,
            "potential": False,
            "grants_admin": False,
            "conditions": [],
        }

    for i in range(n):
        mid, admin = f"{acct}:role/mid{i:02d}", f"{acct}:role/admin{i:02d}"
        principals[mid] = {"arn": mid, "kind": "role", "is_admin": False}
        principals[admin] = {"arn": admin, "kind": "role", "is_admin": True}
        edges += [edge(source, mid, "sts-001"), edge(mid, admin, "iam-001")]
    return GraphView(edges, principals, {source: "owner@example.com"}, {})


# --- reachability -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("options", [PathOptions(), PathOptions(max_hops=1), PathOptions(2, False, False)])
def test_reverse_walk_agrees_with_the_per_source_search(view: GraphView, options: PathOptions) -> None:
    expected = {
        r["source"]: r["paths"][0]["hops"]
        for r in all_paths_to_admin(view, options)
        if not r["source_is_admin"]
    }
    assert escalating_sources(view, options) == expected
    assert all(admin_distance(view, options)[a] == 0 for a in view.admin_set(options.include_conditional))


# --- graph --------------------------------------------------------------------------------------------------
def test_path_graph_kinds_owners_and_highlight(view: GraphView, demo_store: DemoStore) -> None:
    agent, report = escalating_agent(demo_store.uri)
    spec = graph_view.build_path_graph(view, report, 0)
    path = report["paths"][0]
    on_path = {e.source + ">" + e.target for e in spec.edges if e.on_path and not e.owner_link}
    assert on_path == {s["from"] + ">" + s["to"] for s in path["steps"]}
    assert spec.nodes[agent].kind == "agent"
    assert spec.nodes[path["target"]].admin
    owners = {s["owner"] for s in path["steps"] if s["owner"]}
    people = {n.uid.removeprefix(graph_view.OWNER_PREFIX) for n in spec.nodes.values() if n.kind == "person"}
    assert owners and owners <= people
    for step in path["steps"]:
        if step["owner"]:
            assert any(
                e.owner_link and e.target == step["from"] and e.source.endswith(step["owner"])
                for e in spec.edges
            )
    assert {e.label.split(" ")[0] for e in spec.edges if not e.owner_link} >= {
        s["technique"] for s in path["steps"]
    }
    assert not spec.bounded


def test_graph_is_bounded_and_says_so() -> None:
    view = _fan_view(20)
    source = "arn:aws:iam::111111111111:user/source"
    report = path_report(view, source)
    assert len(report["paths"]) == 20
    spec = graph_view.build_path_graph(view, report, 0, max_nodes=10)
    assert len(spec.nodes) <= 10 < spec.total_nodes
    assert spec.bounded and spec.dropped == spec.total_nodes - len(spec.nodes)
    assert "Showing" in graph_view.node_count_text(spec) and "Narrow" in graph_view.node_count_text(spec)
    selected = report["paths"][0]
    assert all(s["to"] in spec.nodes for s in selected["steps"]), "the selected path is always whole"
    only = graph_view.build_path_graph(view, report, len(report["paths"]) - 1, only_selected=True)
    assert len(only.nodes) == report["paths"][-1]["hops"] + 1 + 1  # its hops, the source, one owner
    assert not graph_view.build_path_graph(view, report, 0, max_nodes=300).bounded


def test_rendered_html_is_offline_and_safe(view: GraphView, demo_store: DemoStore) -> None:
    _, report = escalating_agent(demo_store.uri)
    html = graph_view.render_html(graph_view.build_path_graph(view, report, 0))
    assert "vis.Network" in html and "new vis.DataSet" in html
    assert not re.search(r"""(src|href)=["']https?://""", html), "no CDN: the explorer works offline"
    evil = GraphView([], {"x</script><script>alert(1)</script>": {"kind": "role"}}, {}, {})
    spec = graph_view.GraphSpec()
    spec.nodes["x"] = graph_view._node("x</script><script>alert(1)</script>", evil, 0)
    assert "<script>alert(1)" not in graph_view.render_html(spec)


def test_node_kinds() -> None:
    assert node_kind("arn:aws:iam::1:user/a") == "user"
    assert node_kind("arn:aws:iam::1:role/a") == "role"
    assert node_kind("arn:aws:iam::1:group/a") == "group"
    assert node_kind("lambda.amazonaws.com") == "service"
    assert node_kind("arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com") == "service"
    assert node_kind("alice@example.com") == "person"
    assert short_statement("trust:arn:aws:iam::111111111111:role/x#0") == "trust of role/x#0"
    assert (
        short_statement("arn:aws:iam::aws:policy/AdministratorAccess#0") == "aws:policy/AdministratorAccess#0"
    )


# --- exports ------------------------------------------------------------------------------------------------
def test_exports_json_markdown_mermaid(view: GraphView, demo_store: DemoStore) -> None:
    from ui.explore import edge_index

    agent, report = escalating_agent(demo_store.uri)
    doc = exports.path_document(report, 0, edge_index(view))
    steps = report["paths"][0]["steps"]
    loaded = json.loads(exports.to_json(doc))
    assert loaded["source"] == agent and loaded["path"]["hops"] == len(steps)
    assert [s["technique"] for s in loaded["path"]["steps"]] == [s["technique"] for s in steps]
    assert all("conditions" in s for s in loaded["path"]["steps"])

    md = exports.to_markdown(doc, {"lambda-001": "PassRole | Lambda"})
    rows = [line for line in md.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) == len(steps)
    for row, step in zip(rows, steps, strict=True):
        assert (step["owner"] or "**UNOWNED**") in row
        assert row.count(" | ") == 8, "pipes inside cells are escaped"
    assert "```mermaid" in md

    mmd = exports.to_mermaid(doc)
    assert mmd.startswith("flowchart LR\n")
    assert len(re.findall(r" -->\|", mmd)) == len(steps)
    assert len(re.findall(r" -\.->\|owns\|", mmd)) == sum(1 for s in steps if s["owner"])
    assert exports.file_stem(doc).startswith(f"agentpath-path-{agent}")


def test_mermaid_escapes_names() -> None:
    doc = {
        "source": 'a"b',
        "reaches_admin": False,
        "path": {
            "target": "c",
            "hops": 1,
            "steps": [{"from": 'a"b', "to": "c", "technique": 'x"|y', "owner": 'o"w@x', "actions": []}],
        },
    }
    mmd = exports.to_mermaid(doc)
    assert '"a#quot;b"' in mmd and "x#quot;#124;y" in mmd and "o#quot;w@x" in mmd


def test_step_rows_name_every_owner(view: GraphView, demo_store: DemoStore) -> None:
    _, report = escalating_agent(demo_store.uri)
    rows = step_rows(report["paths"][0], view)
    assert [r["owner"] for r in rows] == [s["owner"] or "⚠ UNOWNED" for s in report["paths"][0]["steps"]]


# --- uploads and serving ------------------------------------------------------------------------------------
def test_upload_errors_name_the_file_as_uploaded(tmp_path: Path) -> None:
    from ingest.errors import IngestError
    from ui.ingest_upload import Upload, ingest_uploads

    with pytest.raises(IngestError) as caught:
        ingest_uploads([Upload("broken.json", b"{nope")], [], store=None, progress=None)  # type: ignore[arg-type]
    assert str(caught.value).startswith("broken.json: line 1 column 2: malformed JSON")


def test_serve_command_line() -> None:
    from ui.serve import APP, streamlit_command

    cmd = streamlit_command(8600, True, "127.0.0.1")
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(APP)
    assert "--server.port=8600" in cmd and "--server.headless=true" in cmd
    assert "--server.address=127.0.0.1" in cmd and "--browser.gatherUsageStats=false" in cmd

"""Threat-model export: Mermaid, GraphML and BloodHound OpenGraph; one source's paths or the whole graph."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.helpers import IAM_VULNERABLE, run_cli, shared_file, write_json
from tests.reports_helpers import ADMIN_ROLE, ALICE, DEPLOYER, estate

# The OpenGraph payload rules as BloodHound documents them (opengraph/developer/schema): node ids and
# 1-3 kinds, properties primitive or homogeneous primitive arrays, edges with start/end matched by id and a
# kind of letters, digits and underscores.
PRIMITIVE = {"type": ["string", "number", "boolean"]}
PROPS = {
    "type": "object",
    "additionalProperties": {"anyOf": [PRIMITIVE, {"type": "array", "items": PRIMITIVE}]},
    "propertyNames": {"pattern": "^[a-z0-9_]+$"},
}
OPENGRAPH = {
    "type": "object",
    "required": ["graph"],
    "properties": {
        "metadata": {"type": "object", "properties": {"source_kind": {"type": "string"}}},
        "graph": {
            "type": "object",
            "required": ["nodes", "edges"],
            "properties": {
                "nodes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "kinds"],
                        "properties": {
                            "id": {"type": "string"},
                            "properties": PROPS,
                            "kinds": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 3,
                                "items": {"type": "string", "pattern": "^[A-Za-z0-9_]+$"},
                            },
                        },
                    },
                },
                "edges": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["start", "end", "kind"],
                        "properties": {
                            "start": {
                                "type": "object",
                                "required": ["value"],
                                "properties": {
                                    "value": {"type": "string"},
                                    "match_by": {"enum": ["id", "name"]},
                                },
                            },
                            "end": {
                                "type": "object",
                                "required": ["value"],
                                "properties": {
                                    "value": {"type": "string"},
                                    "match_by": {"enum": ["id", "name"]},
                                },
                            },
                            "kind": {"type": "string", "pattern": "^(?![Tt][Aa][Gg]_)[A-Za-z0-9_]+$"},
                            "properties": PROPS,
                        },
                    },
                },
            },
        },
    },
}


@pytest.fixture
def src(tmp_path: Path) -> str:
    return str(write_json(tmp_path / "estate.json", estate()))


def export(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, out, err = run_cli(capsys, "export", *argv)
    assert code == 0, err
    return out


def test_mermaid_paths_from_one_source(capsys: pytest.CaptureFixture[str], src: str) -> None:
    text = export(capsys, src, "--format", "mermaid", "--from", ALICE)
    assert text.splitlines()[1] == "flowchart LR"
    assert (
        '["user/alice"]' in text and '["role/deployer"]' in text and '["role/admin-role<br/>ADMIN"]' in text
    )
    assert '|"sts-001"|' in text and '|"lambda-001"|' in text
    assert "bob" not in text  # only alice's paths
    assert re.search(r"class n\d+ admin", text)


def test_graphml_whole_graph(capsys: pytest.CaptureFixture[str], src: str) -> None:
    root = ET.fromstring(export(capsys, src, "--format", "graphml"))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    nodes = {n.get("id") for n in root.findall(".//g:node", ns)}
    assert {ALICE, DEPLOYER, ADMIN_ROLE} <= nodes
    edges = root.findall(".//g:edge", ns)
    assert edges and all(e.get("source") in nodes and e.get("target") in nodes for e in edges)
    techniques = {d.text for d in root.findall(".//g:edge/g:data[@key='e_technique']", ns)}
    assert {"sts-001", "lambda-001", "iam-007"} <= techniques


@pytest.mark.parametrize("which", ["estate", "iam-vulnerable"])
def test_bloodhound_opengraph_follows_the_payload_rules(
    capsys: pytest.CaptureFixture[str], src: str, which: str
) -> None:
    source = src if which == "estate" else str(shared_file("gaad", IAM_VULNERABLE.name))
    payload = json.loads(export(capsys, source, "--format", "bloodhound-opengraph"))
    jsonschema.Draft202012Validator(OPENGRAPH).validate(payload)
    ids = [n["id"] for n in payload["graph"]["nodes"]]
    assert len(ids) == len(set(ids))
    for e in payload["graph"]["edges"]:
        assert e["start"]["value"] in ids and e["end"]["value"] in ids
        for values in e["properties"].values():
            if isinstance(values, list) and values:
                assert len({type(v) for v in values}) == 1  # homogeneous arrays
    assert payload["metadata"]["source_kind"] == "AgentPath"


def test_paths_only_and_output_file(capsys: pytest.CaptureFixture[str], src: str, tmp_path: Path) -> None:
    out = tmp_path / "paths.mmd"
    code, text, err = run_cli(capsys, "export", src, "--format", "mermaid", "--paths", "--output", str(out))
    assert code == 0, err
    assert "exported" in text
    body = out.read_text()
    assert "user/dave" not in body and "user/bob" in body  # dave has no path; bob edits himself


def test_unknown_source_exits_2(capsys: pytest.CaptureFixture[str], src: str) -> None:
    code, _, err = run_cli(
        capsys, "export", src, "--format", "mermaid", "--from", "arn:aws:iam::1:user/nobody"
    )
    assert code == 2 and "nobody" in err

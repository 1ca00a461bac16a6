"""Every IAM edge case in ../shared/data/edge-cases, asked through the CLI as a user would.

The cases come from public bug reports and AWS documentation, each with AWS's answer; variants re-ask the same
input with overridden question fields. They are read at test time, never copied here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import SHARED_DATA, run_cli, run_json, write_json

CASES_FILE = SHARED_DATA / "edge-cases" / "cases.json"


def _load_questions() -> list[Any]:
    if not CASES_FILE.exists():
        return [pytest.param(None, None, None, marks=pytest.mark.skip(reason=f"{CASES_FILE} not present"))]
    params = []
    for case in json.loads(CASES_FILE.read_text()):
        expected = case["expected"]
        params.append(pytest.param(case, case["question"], expected, id=case["id"]))
        for i, variant in enumerate(expected.get("variants", [])):
            question = {**case["question"], **variant["overrides"]}
            params.append(pytest.param(case, question, variant, id=f"{case['id']}-variant{i + 1}"))
    return params


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {}


def _store_for(
    case: dict[str, Any], tmp: Path, capsys: pytest.CaptureFixture[str], cache: dict[str, str]
) -> str:
    if case["id"] in cache:
        return cache[case["id"]]
    folder = tmp / case["id"]
    folder.mkdir()
    bundle = write_json(folder / "bundle.json", {"format": "agentpath-bundle/1", **case["input"]})
    store = f"embedded:{folder / 'store'}"
    code, _, err = run_cli(capsys, "--store", store, "ingest", str(bundle))
    assert code == 0, err
    cache[case["id"]] = store
    return store


@pytest.mark.parametrize(("case", "question", "expected"), _load_questions())
def test_edge_case(
    case: dict[str, Any],
    question: dict[str, Any],
    expected: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    stores: dict[str, str],
) -> None:
    tmp = tmp_path_factory.getbasetemp() / "edge-cases"
    tmp.mkdir(exist_ok=True)
    store = _store_for(case, tmp, capsys, stores)
    qtype = question["type"]
    if qtype == "reaches_admin":
        report = run_json(
            capsys,
            "--store",
            store,
            "paths",
            "--from",
            question["principal"],
            "--to",
            "admin",
            "--format",
            "json",
        )
        assert report["reaches_admin"] is expected["answer"], json.dumps(report, indent=1)[:2000]
        return
    resource = question["role"] if qtype == "can_assume_role" else question["resource"]
    action = question.get("action") or "sts:AssumeRole"
    argv = [
        "--store",
        store,
        "check",
        "--principal",
        question["principal"],
        "--action",
        action,
        "--resource",
        resource,
        "--format",
        "json",
    ]
    for key, value in (question.get("context") or {}).items():
        for v in value if isinstance(value, list) else [value]:
            argv += ["--context", f"{key}={v}"]
    if question.get("resource_account"):
        argv += ["--resource-account", question["resource_account"]]
    result = run_json(capsys, *argv)
    assert result["decision"] == expected["decision"], json.dumps(result, indent=1)
    assert (result["decision"] == "Allow") is expected["answer"]

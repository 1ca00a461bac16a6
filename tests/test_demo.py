"""The demo organization (`python -m ingest.demo --output DIR`, used by `make demo`) shows every feature."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.demo import MGMT, PROD, SANDBOX, role_arn, user_arn
from tests.helpers import cli_json, ingested_store

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [sys.executable, "-m", "ingest.demo", "--output", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (out / "demo-bundle.json").is_file() and (out / "agents-manifest.yaml").is_file()
    return out


@pytest.fixture(scope="module")
def store(demo_dir: Path) -> Iterator[str]:
    with ingested_store(demo_dir, [demo_dir / "demo-bundle.json"]) as uri:
        yield uri


def test_the_demo_file_is_reproducible(demo_dir: Path, tmp_path: Path) -> None:
    from ingest.demo import write_demo

    write_demo(tmp_path)
    assert (tmp_path / "demo-bundle.json").read_text() == (demo_dir / "demo-bundle.json").read_text()


def test_shape_of_a_real_organization(demo_dir: Path) -> None:
    doc = json.loads((demo_dir / "demo-bundle.json").read_text())
    assert set(doc["authorization_details"]) == {PROD, SANDBOX, MGMT}
    assert doc["organization"]["management_account_id"] == MGMT
    assert sum(1 for p in doc["organization"]["policies"] if p["type"] == "SCP") >= 2


def test_escalation_paths_of_different_techniques(capsys: pytest.CaptureFixture[str], store: str) -> None:
    reports = {r["source"]: r for r in cli_json(capsys, store, "paths", "--to", "admin")}
    techniques = {s["technique"] for r in reports.values() for p in r["paths"] for s in p["steps"]}
    assert {"iam-007", "lambda-001", "sts-001"} <= techniques
    chain = reports[user_arn(PROD, "ci-deployer")]["paths"][0]["steps"]
    assert [s["technique"] for s in chain] == ["sts-001", "sts-001"]
    assert chain[-1]["to"] == role_arn(PROD, "admin-role")


def test_supervisor_delegates_to_a_sub_agent_that_reaches_admin_through_passrole(
    capsys: pytest.CaptureFixture[str], store: str
) -> None:
    report = cli_json(capsys, store, "paths", "--from", "orchestrator", "--to", "admin")
    steps = report["paths"][0]["steps"]
    assert [s["technique"] for s in steps] == ["delegation", "runs-as", "lambda-001"]
    assert [s["owner"] for s in steps] == ["alice@example.com", "dave@example.com", "dave@example.com"]
    delegation = cli_json(capsys, store, "delegation", "--from", "orchestrator")
    assert delegation["chains"] == [
        [{"from": "orchestrator", "to": "deploy-helper", "mechanism": "bedrock-collaborator"}]
    ]
    helper = cli_json(capsys, store, "paths", "--from", "deploy-helper")
    assert helper["paths"][0]["steps"][0]["technique"] == "runs-as"


def test_owners_from_every_source(capsys: pytest.CaptureFixture[str], store: str) -> None:
    rows = {r["identity"]: r for r in cli_json(capsys, store, "owners")}
    assert {r["source"] for r in rows.values()} == {
        "manifest",
        "tag",
        "cloudtrail-creator",
        "account",
        "none",
    }
    assert rows[user_arn(PROD, "intern-bob")]["owner"] == "frank@example.com"
    assert rows[user_arn(PROD, "intern-bob")]["source"] == "cloudtrail-creator"
    assert rows[role_arn(SANDBOX, "legacy-automation")]["source"] == "none"


def test_every_finding_kind_appears(capsys: pytest.CaptureFixture[str], store: str) -> None:
    findings = cli_json(capsys, store, "findings")
    by_kind: dict[str, set[str]] = {}
    for f in findings:
        by_kind.setdefault(f["kind"], set()).add(f["subject"])
    assert by_kind["vendor-hosted-escalation"] == {"vendor-copilot"}
    assert role_arn(PROD, "break-glass-admin") in by_kind["break-glass-unbounded"]
    assert role_arn(SANDBOX, "legacy-automation") in by_kind["unowned-escalation"]
    assert "demo-0005-create-function-after-window" in by_kind["outside-task-window"]
    assert "demo-0003-create-function-in-window" not in by_kind["outside-task-window"]
    assert by_kind["agent-long-lived-keys"] == {user_arn(PROD, "report-bot")}


def test_events_inside_and_outside_the_task_window(capsys: pytest.CaptureFixture[str], store: str) -> None:
    inside = cli_json(capsys, store, "trail", "demo-0003-create-function-in-window")
    assert inside["classification"] == "design" and inside["task_approval"]["task"] == "CHG-2001"
    outside = cli_json(capsys, store, "trail", "demo-0005-create-function-after-window")
    assert outside["classification"] == "control-failure"
    glass = cli_json(capsys, store, "trail", "demo-0007-break-glass")
    assert glass["classification"] == "control-failure"
    assert glass["identity_proof"]["human"] == "grace@example.com"
    vendor = cli_json(capsys, store, "trail", "demo-0006-vendor-attach")
    assert vendor["classification"] == "misconfiguration"

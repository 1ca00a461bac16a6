"""`agentpath scan`: baselines, the --fail-on gate, stable ids, bad input, and FILE vs --store parity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import IAM_VULNERABLE, run_cli, shared_file, write_json
from tests.reports_helpers import ACCT, DAVE, estate, with_agent_and_trail, with_dave_escalating


def scan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, *argv: str
) -> tuple[int, dict[str, Any]]:
    out = tmp_path / name
    code, _, err = run_cli(capsys, "scan", *argv, "--output", str(out))
    assert code in (0, 1), err
    return code, json.loads(out.read_text())


@pytest.fixture
def estate_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "estate.json", estate())


def test_json_contract(capsys: pytest.CaptureFixture[str], tmp_path: Path, estate_file: Path) -> None:
    code, report = scan(capsys, tmp_path, "r.json", str(estate_file))
    assert code == 0
    assert {"generated_at", "snapshot", "findings", "summary"} <= set(report)
    assert report["findings"], "the estate has four paths to admin"
    for f in report["findings"]:
        assert {"id", "kind", "severity", "score", "subject", "path", "owner", "frameworks"} <= set(f)
        assert f["severity"] in ("critical", "high", "medium", "low") and 0 <= f["score"] <= 100
    paths = {f["subject"].rsplit("/", 1)[-1]: f for f in report["findings"] if f["kind"] == "path-to-admin"}
    assert set(paths) == {"alice", "bob", "carol", "deployer"}
    alice = paths["alice"]
    assert [s["technique"] for s in alice["path"]] == ["sts-001", "lambda-001"]
    assert alice["owner"] == "alice@example.com" and all(s["owner"] for s in alice["path"])
    assert alice["risk"]["score"] == alice["score"] == sum(x["points"] for x in alice["risk"]["factors"])


@pytest.mark.parametrize("which", ["estate", "iam-vulnerable"])
def test_same_snapshot_twice_reports_zero_new_and_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, estate_file: Path, which: str
) -> None:
    src = str(estate_file) if which == "estate" else str(shared_file("gaad", IAM_VULNERABLE.name))
    _, first = scan(capsys, tmp_path, "first.json", src)
    code, second = scan(
        capsys, tmp_path, "second.json", src, "--baseline", str(tmp_path / "first.json"), "--fail-on", "low"
    )
    assert code == 0
    assert second["summary"]["new"] == 0 and second["summary"]["resolved"] == 0
    assert second["summary"]["unchanged"] == len(first["findings"]) > 0
    assert {f["status"] for f in second["findings"]} == {"unchanged"}
    assert [f["id"] for f in first["findings"]] == [f["id"] for f in second["findings"]]


def test_one_added_escalation_is_exactly_the_one_new_finding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, estate_file: Path
) -> None:
    _, before = scan(capsys, tmp_path, "before.json", str(estate_file))
    changed = write_json(tmp_path / "changed.json", with_dave_escalating(estate()))
    code, after = scan(
        capsys,
        tmp_path,
        "after.json",
        str(changed),
        "--baseline",
        str(tmp_path / "before.json"),
        "--fail-on",
        "high",
    )
    new = [f for f in after["findings"] if f["status"] == "new"]
    assert len(new) == 1, new
    assert new[0]["kind"] == "path-to-admin" and new[0]["subject"] == DAVE
    assert new[0]["severity"] in ("high", "critical")
    assert code == 1
    assert after["summary"]["failing"] == [new[0]["id"]]
    assert after["summary"]["unchanged"] == len(before["findings"]) and after["summary"]["resolved"] == 0


def test_an_added_unowned_escalation_is_still_one_new_finding(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, estate_file: Path
) -> None:
    """Dave without an owner tag: the accountability gap folds into the path finding, not a second one."""
    base = estate()
    for user in base["authorization_details"][ACCT]["UserDetailList"]:
        if user["Arn"] == DAVE:
            user["Tags"] = []
    scan(capsys, tmp_path, "before.json", str(write_json(tmp_path / "base.json", base)))
    changed = write_json(tmp_path / "changed.json", with_dave_escalating(base))
    code, after = scan(
        capsys,
        tmp_path,
        "after.json",
        str(changed),
        "--baseline",
        str(tmp_path / "before.json"),
        "--fail-on",
        "high",
    )
    new = [f for f in after["findings"] if f["status"] == "new"]
    assert [(f["kind"], f["subject"]) for f in new] == [("path-to-admin", DAVE)]
    assert new[0]["owner"] is None and new[0].get("unowned") is True
    assert code == 1


def test_fail_on_counts_only_new_findings_at_or_above(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, estate_file: Path
) -> None:
    scan(capsys, tmp_path, "before.json", str(estate_file))
    changed = write_json(tmp_path / "changed.json", with_dave_escalating(estate()))
    code, after = scan(
        capsys,
        tmp_path,
        "after.json",
        str(changed),
        "--baseline",
        str(tmp_path / "before.json"),
        "--fail-on",
        "critical",
    )
    (new,) = [f for f in after["findings"] if f["status"] == "new"]
    assert new["severity"] == "high"  # an owned human one step from admin: 45 + 10 + 15 = 70
    assert code == 0 and after["summary"]["failing"] == []
    # without a baseline every finding is new: the gate fails on any at or above the level
    code, _ = scan(capsys, tmp_path, "nobase.json", str(estate_file), "--fail-on", "high")
    assert code == 1


def test_resolved_findings_are_carried_and_do_not_fail(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, estate_file: Path
) -> None:
    changed = write_json(tmp_path / "changed.json", with_dave_escalating(estate()))
    scan(capsys, tmp_path, "before.json", str(changed))
    code, after = scan(
        capsys,
        tmp_path,
        "after.json",
        str(estate_file),
        "--baseline",
        str(tmp_path / "before.json"),
        "--fail-on",
        "low",
    )
    resolved = [f for f in after["findings"] if f["status"] == "resolved"]
    assert [f["subject"] for f in resolved] == [DAVE]
    assert code == 0 and after["summary"]["resolved"] == 1 and after["summary"]["findings"] == 4
    # a report with resolved entries is a valid baseline; resolved history is not resolved again
    code, again = scan(
        capsys, tmp_path, "again.json", str(estate_file), "--baseline", str(tmp_path / "after.json")
    )
    assert again["summary"]["resolved"] == 0 and again["summary"]["new"] == 0


def test_ids_hash_the_finding_not_the_run() -> None:
    from queries.scan import finding_id

    a = finding_id("path-to-admin", "arn:x", "arn:y", ["iam-001"])
    assert a == finding_id("path-to-admin", "arn:x", "arn:y", ["iam-001"]) and a.startswith("AP-")
    assert a != finding_id("path-to-admin", "arn:x", "arn:y", ["iam-002"])
    assert a != finding_id("unowned-escalation", "arn:x", "arn:y", ["iam-001"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["/nonexistent/gaad.json"], "no such file"),
        (["{estate}", "--baseline", "/nonexistent/prev.json"], "--baseline"),
        (["{estate}", "--baseline", "{garbage}"], "not valid JSON"),
        (["{estate}", "--baseline", "{notreport}"], "not an agentpath scan report"),
    ],
)
def test_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, estate_file: Path, argv: list[str], message: str
) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    notreport = write_json(tmp_path / "notreport.json", {"findings": "nope"})
    args = [a.format(estate=estate_file, garbage=garbage, notreport=notreport) for a in argv]
    code, _, err = run_cli(capsys, "scan", *args)
    assert code == 2 and message in err


def test_unknown_fail_on_level_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], estate_file: Path
) -> None:
    with pytest.raises(SystemExit) as exc:
        run_cli(capsys, "scan", str(estate_file), "--fail-on", "severe")
    assert exc.value.code == 2


def test_agents_and_cloudtrail_shape_the_score(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = write_json(tmp_path / "agents.json", with_agent_and_trail(estate()))
    _, report = scan(capsys, tmp_path, "r.json", str(src))
    paths = {f["subject"].rsplit("/", 1)[-1]: f for f in report["findings"] if f["kind"] == "path-to-admin"}
    factors = {k: {x["name"]: x["value"] for x in f["risk"]["factors"]} for k, f in paths.items()}
    assert factors["deploy-bot"]["start"] == "vendor-hosted-agent" and factors["deploy-bot"]["hops"] == "1"
    assert factors["deployer"]["start"] == "vendor-hosted-agent"  # the role the agent runs as
    assert factors["alice"]["exercised"] == "1" and factors["alice"]["start"] == "human"
    assert paths["deploy-bot"]["path"][0]["technique"] == "runs-as"
    assert paths["deploy-bot"]["severity"] == "critical"


def test_store_scan_matches_file_scan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = str(write_json(tmp_path / "agents.json", with_agent_and_trail(estate())))
    store = f"embedded:{tmp_path / 'store'}"
    code, _, err = run_cli(capsys, "--store", store, "ingest", src)
    assert code == 0, err
    try:
        _, from_file = scan(capsys, tmp_path, "file.json", src)
        _, from_store = scan(capsys, tmp_path, "store.json", "--store", store)
    finally:
        run_cli(capsys, "--store", store, "store", "stop")
    assert len(from_file["findings"]) > 4  # paths, the agent's path and the accountability findings
    assert [f["id"] for f in from_file["findings"]] == [f["id"] for f in from_store["findings"]]
    assert [f["score"] for f in from_file["findings"]] == [f["score"] for f in from_store["findings"]]
    assert from_file["snapshot"]["digest"] == from_store["snapshot"]["digest"]

"""Offline ingest: real exports load, pages merge, and bad input is refused with one clear line and an
untouched store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import IAM_VULNERABLE, SHARED_DATA, run_cli, run_json, shared_file, write_json

GAAD_DIR = SHARED_DATA / "gaad"


def _gaad_files() -> list[Path]:
    if not GAAD_DIR.exists():
        return []
    return sorted(
        p
        for p in GAAD_DIR.rglob("*.json")
        if "expected_results" not in p.name
        and json.loads(p.read_text()).keys()
        & {"UserDetailList", "RoleDetailList", "GroupDetailList", "Policies"}
    )


def _user(account: str, name: str, policy: dict | None = None) -> dict:
    return {
        "UserName": name,
        "UserId": f"AIDA{name.upper()}",
        "Arn": f"arn:aws:iam::{account}:user/{name}",
        "Path": "/",
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "Tags": [],
        "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": policy}] if policy else [],
    }


SELF_ESCALATE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "*"}],
}


@pytest.mark.parametrize(
    "path",
    _gaad_files() or [pytest.param(None, marks=pytest.mark.skip("no shared GAAD"))],
    ids=lambda p: p.name if p else "none",
)
def test_every_shared_gaad_file_ingests(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "--store", f"embedded:{tmp_path}", "ingest", str(path))
    assert code == 0, err
    assert out.startswith("ingested 1 accounts,"), out
    principals = run_json(
        capsys, "--store", f"embedded:{tmp_path}", "query", "principals", "--format", "json"
    )
    doc = json.loads(path.read_text())
    expected = len(doc.get("UserDetailList", [])) + len(doc.get("RoleDetailList", []))
    assert len(principals) == expected


def test_iam_vulnerable_summary_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file("gaad", IAM_VULNERABLE.name)
    code, out, _ = run_cli(capsys, "--store", f"embedded:{tmp_path}", "ingest", str(path))
    assert code == 0
    assert "1 accounts, 116 principals, 56 managed policies" in out  # 41 users + 75 roles


def test_paginated_pages_of_one_account_merge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page1 = {"UserDetailList": [_user("111111111111", "alice")], "IsTruncated": True, "Marker": "abc"}
    page2 = {"UserDetailList": [_user("111111111111", "bob", SELF_ESCALATE)], "IsTruncated": False}
    other = {"UserDetailList": [_user("222222222222", "carol")]}
    files = [write_json(tmp_path / f"p{i}.json", d) for i, d in enumerate((page1, page2, other))]
    code, out, err = run_cli(capsys, "--store", f"embedded:{tmp_path / 's'}", "ingest", *map(str, files))
    assert code == 0, err
    assert out.startswith("ingested 2 accounts, 3 principals"), out
    report = run_json(
        capsys,
        "--store",
        f"embedded:{tmp_path / 's'}",
        "paths",
        "--from",
        "arn:aws:iam::111111111111:user/bob",
        "--to",
        "admin",
        "--format",
        "json",
    )
    assert report["reaches_admin"] is True
    assert report["paths"][0]["steps"][0]["technique"] == "iam-007"
    assert report["paths"][0]["target"] == "arn:aws:iam::111111111111:user/bob"  # self-escalation


def test_a_new_snapshot_of_an_account_replaces_the_old_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"embedded:{tmp_path / 's'}"
    first = write_json(
        tmp_path / "a.json", {"UserDetailList": [_user("111111111111", "old"), _user("111111111111", "kept")]}
    )
    other = write_json(tmp_path / "b.json", {"UserDetailList": [_user("222222222222", "elsewhere")]})
    second = write_json(tmp_path / "c.json", {"UserDetailList": [_user("111111111111", "kept")]})
    for f in (first, other, second):
        assert run_cli(capsys, "--store", store, "ingest", str(f))[0] == 0
    names = sorted(
        p["name"] for p in run_json(capsys, "--store", store, "query", "principals", "--format", "json")
    )
    assert names == ["elsewhere", "kept"]


BAD_INPUTS = [
    ("malformed.json", '{"UserDetailList": [', "line 1 column"),
    (
        "wrong-shape.json",
        json.dumps({"UserDetailList": {"UserName": "x"}}),
        "UserDetailList: expected a list",
    ),
    ("unknown-field.json", json.dumps({"UserDetailList": [], "Surprise": 1}), "Surprise: unknown field"),
    ("no-arn.json", json.dumps({"RoleDetailList": [{"RoleName": "r"}]}), "RoleDetailList[0].Arn"),
    (
        "bad-effect.json",
        json.dumps(
            {
                "UserDetailList": [
                    _user(
                        "111111111111",
                        "u",
                        {"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]},
                    )
                ]
            }
        ),
        "Statement[0].Effect",
    ),
    (
        "bundle-bad-org.json",
        json.dumps(
            {
                "format": "agentpath-bundle/1",
                "authorization_details": {},
                "organization": {"policies": [{"type": "XCP", "targets": [], "document": {}}]},
            }
        ),
        "organization.policies[0].type",
    ),
    ("not-iam.json", json.dumps({"hello": "world"}), "not a GAAD export"),
    ("empty.json", "", "empty file"),
    (
        "bad-window.yaml",
        "agents:\n  - id: a1\n    task_window: {start: notadate, end: 2026-12-01T00:00:00Z}\n",
        "agents[0].task_window.start",
    ),
    (
        "inverted-window.json",
        json.dumps(
            {
                "tasks": [
                    {"id": "t", "window": {"start": "2026-12-02T00:00:00Z", "end": "2026-12-01T00:00:00Z"}}
                ]
            }
        ),
        "tasks[0].window: start is after end",
    ),
    (
        "bad-trail.json",
        json.dumps({"Records": [{"eventName": "CreateRole", "eventTime": "not-a-time"}]}),
        "Records[0].eventTime",
    ),
]


@pytest.mark.parametrize(("name", "content", "needle"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_one_line_exit_2_and_store_untouched(
    name: str, content: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"embedded:{tmp_path / 's'}"
    good = write_json(
        tmp_path / "good.json", {"UserDetailList": [_user("111111111111", "alice", SELF_ESCALATE)]}
    )
    assert run_cli(capsys, "--store", store, "ingest", str(good))[0] == 0
    bad = tmp_path / name
    bad.write_text(content)
    code, out, err = run_cli(capsys, "--store", store, "ingest", str(good), str(bad))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(bad) in lines[0] and needle in lines[0], lines[0]
    names = [p["name"] for p in run_json(capsys, "--store", store, "query", "principals", "--format", "json")]
    assert names == ["alice"]  # the previous run is intact; nothing of the failed run was written


def test_huge_file_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTPATH_MAX_FILE_MB", "0.01")
    big = write_json(
        tmp_path / "big.json", {"UserDetailList": [_user("111111111111", f"u{i}") for i in range(200)]}
    )
    code, _, err = run_cli(capsys, "--store", f"embedded:{tmp_path / 's'}", "ingest", str(big))
    assert code == 2
    assert "big.json" in err and "limit" in err and len(err.strip().splitlines()) == 1


def test_gzip_input_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import gzip

    path = tmp_path / "gaad.json.gz"
    path.write_bytes(
        gzip.compress(json.dumps({"UserDetailList": [_user("111111111111", "zipped")]}).encode())
    )
    code, out, err = run_cli(capsys, "--store", f"embedded:{tmp_path / 's'}", "ingest", str(path))
    assert code == 0, err
    assert "1 principals" in out

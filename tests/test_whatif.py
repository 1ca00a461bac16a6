"""What-if: known answers on the hand-built estate, the real iam-vulnerable export, errors, and the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph_model.whatif import (
    AddBoundary,
    AddScp,
    RemoveStatement,
    WhatIfError,
    analyse_full,
    apply_changes,
    what_if,
)
from ingest.bundle import to_bundle
from tests.helpers import IAM_VULNERABLE, run_cli, shared_file, write_json
from tests.reports_helpers import ALICE, BOB, CAROL, DEPLOY_POLICY, DEPLOYER, estate

TRUST = f"trust:{DEPLOYER}"


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return to_bundle(estate(), "estate")


@pytest.fixture(scope="module")
def before(bundle: dict[str, Any]) -> Any:
    return analyse_full(bundle)


def short(arns: list[str]) -> set[str]:
    return {a.rsplit("/", 1)[-1] for a in arns}


@pytest.mark.parametrize(
    "changes, cut_off",
    [
        (
            [RemoveStatement(DEPLOY_POLICY, "0")],
            {"alice", "carol", "deployer"},
        ),  # the PassRole everyone needs
        (
            [RemoveStatement(TRUST, "1")],
            {"carol"},
        ),  # carol is trusted by name; alice through the account root
        ([RemoveStatement(TRUST, "0")], {"alice"}),
        ([RemoveStatement(f"{ALICE}#inline/dev", "0")], {"alice"}),
        ([RemoveStatement(f"{BOB}#inline/a", "0")], set()),  # b still allows the same step
        ([RemoveStatement(f"{BOB}#inline/a", "0"), RemoveStatement(f"{BOB}#inline/b", "SelfEdit")], {"bob"}),
        (
            [
                AddBoundary(
                    DEPLOYER,
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": ["lambda:*", "sts:AssumeRole"], "Resource": "*"}
                        ],
                    },
                    "no-passrole",
                )
            ],
            {"alice", "carol", "deployer"},
        ),
        (
            [
                AddScp(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Deny",
                                "Action": ["iam:PassRole", "iam:PutUserPolicy"],
                                "Resource": "*",
                            }
                        ],
                    },
                    "guardrail",
                )
            ],
            {"alice", "bob", "carol", "deployer"},
        ),
    ],
)
def test_known_answers(bundle: dict[str, Any], before: Any, changes: list[Any], cut_off: set[str]) -> None:
    result = what_if(bundle, changes, before=before)
    assert short(result["no_longer_reach_admin"]) == cut_off
    assert {short([p["source"]]).pop() for p in result["disappeared"]} == cut_off
    assert result["appeared"] == [] and result["newly_reach_admin"] == []
    assert result["before"]["paths"] - result["after"]["paths"] == len(cut_off)
    assert result["admins_lost"] == []


def test_removing_the_admin_policy_shows_admins_lost(bundle: dict[str, Any], before: Any) -> None:
    from tests.reports_helpers import ADMIN_POLICY, ADMIN_ROLE

    result = what_if(bundle, [RemoveStatement(ADMIN_POLICY, "0")], before=before)
    assert result["admins_lost"] == [ADMIN_ROLE]
    assert short(result["no_longer_reach_admin"]) == {"alice", "carol", "deployer"}  # bob still edits himself


def test_indices_keep_their_meaning_across_removals(bundle: dict[str, Any]) -> None:
    changed = apply_changes(
        bundle, [RemoveStatement(DEPLOY_POLICY, "0"), RemoveStatement(DEPLOY_POLICY, "1")]
    )
    pol = next(
        p for p in changed["authorization_details"]["111111111111"]["Policies"] if p["Arn"] == DEPLOY_POLICY
    )
    stmts = pol["PolicyVersionList"][0]["Document"]["Statement"]
    assert len(stmts) == 2 and all(s["Action"] == [] for s in stmts)
    original = next(
        p for p in bundle["authorization_details"]["111111111111"]["Policies"] if p["Arn"] == DEPLOY_POLICY
    )
    assert (
        original["PolicyVersionList"][0]["Document"]["Statement"][0]["Action"] == "iam:PassRole"
    )  # untouched


@pytest.mark.parametrize(
    "change, message",
    [
        (RemoveStatement("arn:aws:iam::111111111111:policy/nope", "0"), "no such policy"),
        (RemoveStatement(DEPLOY_POLICY, "7"), "out of range"),
        (RemoveStatement(f"{BOB}#inline/a", "NoSuchSid"), "no statement with Sid"),
        (AddBoundary("arn:aws:iam::111111111111:role/nope", {"Statement": []}), "no such user or role"),
    ],
)
def test_bad_changes_are_refused(bundle: dict[str, Any], change: Any, message: str) -> None:
    with pytest.raises(WhatIfError, match=message):
        apply_changes(bundle, [change])


def test_cli_whatif_and_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = write_json(tmp_path / "estate.json", estate())
    scp = write_json(
        tmp_path / "deny-passrole.json",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}],
        },
    )
    code, out, err = run_cli(capsys, "whatif", str(src), "--add-scp", str(scp), "--format", "json")
    assert code == 0, err
    assert short(json.loads(out)["no_longer_reach_admin"]) == {"alice", "carol", "deployer"}
    code, out, _ = run_cli(capsys, "whatif", str(src), "--remove-statement", f"{TRUST}#1")
    assert code == 0 and "disappeared: 1" in out
    for argv in (
        ["--remove-statement", "no-index"],
        ["--remove-statement", f"{DEPLOY_POLICY}#9"],
        ["--add-boundary", f"{CAROL}"],
        ["--add-scp", str(tmp_path / "missing.json")],
        [],
    ):
        code, _, err = run_cli(capsys, "whatif", str(src), *argv)
        assert code == 2, (argv, err)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}))
    code, _, err = run_cli(capsys, "whatif", str(src), "--add-scp", str(bad))
    assert code == 2 and "Effect" in err


def test_whatif_never_touches_the_store(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from queries.store import open_store

    src = write_json(tmp_path / "estate.json", estate())
    store = f"embedded:{tmp_path / 'store'}"
    assert run_cli(capsys, "--store", store, "ingest", str(src))[0] == 0
    try:
        with open_store(store) as s:
            run_before, source_before = s.last_run(), s.source()
        code, out, err = run_cli(
            capsys, "whatif", "--store", store, "--remove-statement", f"{DEPLOY_POLICY}#0", "--format", "json"
        )
        assert code == 0, err
        assert short(json.loads(out)["no_longer_reach_admin"]) == {"alice", "carol", "deployer"}
        with open_store(store) as s:
            assert s.last_run() == run_before and s.source() == source_before
    finally:
        run_cli(capsys, "--store", store, "store", "stop")


def test_iam_vulnerable_removal_closes_the_paths_it_carries() -> None:
    """On the real export: removing the trust statement of the high-privilege service role closes every path
    that goes through it, and nothing appears."""
    from ingest.pipeline import read_inputs

    bundle = read_inputs([str(shared_file("gaad", IAM_VULNERABLE.name))])
    before = analyse_full(bundle)
    role = "arn:aws:iam::111122223333:role/privesc-high-priv-service-role"
    result = what_if(bundle, [RemoveStatement(f"trust:{role}", "0")], before=before)
    through = {p["id"] for p in result["disappeared"]}
    assert through
    assert all(
        all(s["to"] != role for s in p["steps"]) for p in result["appeared"]
    )  # re-routed, not through it
    from graph_model.whatif import path_records

    old = path_records(before.view)
    assert through == {i for i, p in old.items() if any(s["to"] == role for s in p.steps)}

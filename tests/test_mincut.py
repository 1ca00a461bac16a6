"""Minimum cut: a hand-built estate with a known answer (checked by brute force through re-analysis), the
alternative-statement model, and the real iam-vulnerable export, where re-analysis proves every cut."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from graph_model.mincut import (
    CutModel,
    ModelEdge,
    build_model,
    solve_account,
    sources_by_account,
    statement_index,
    suggest_fixes,
    support_of,
)
from graph_model.policy import StatementRef
from graph_model.whatif import RemoveStatement, analyse_full, apply_changes, what_if
from ingest.bundle import to_bundle
from tests.helpers import IAM_VULNERABLE, run_cli, shared_file, write_json
from tests.reports_helpers import BOB, DEPLOY_POLICY, estate


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return to_bundle(estate(), "estate")


def reaching(analysis: Any) -> set[str]:
    from graph_model.whatif import path_records

    return {p.source for p in path_records(analysis.view).values()}


def test_known_minimum_cut(bundle: dict[str, Any]) -> None:
    (acct,) = suggest_fixes(bundle)["accounts"]
    chosen = [s["statement"] for s in acct["statements"]]
    assert acct["method"] == "exact" and acct["verified"] and acct["lower_bound"] == 3
    assert len(chosen) == 3
    assert {f"{BOB}#inline/a#0", f"{BOB}#inline/b#0"} <= set(chosen)  # both alternatives, or bob stays
    assert chosen[0] in (f"{DEPLOY_POLICY}#0", f"{DEPLOY_POLICY}#1")  # one statement closes three paths
    assert acct["statements"][0]["closes_paths"] == 3 and acct["statements"][1]["closes_paths"] == 1
    after = analyse_full(apply_changes(bundle, [RemoveStatement.parse(s) for s in chosen]))
    assert reaching(after) == set()


def test_no_smaller_cut_exists_by_brute_force(bundle: dict[str, Any]) -> None:
    """Every pair of cited statements, removed and re-analysed: none closes all paths, so 3 is the minimum."""
    before = analyse_full(bundle)
    admins = before.view.admin_set(True)
    cited = sorted(
        {
            f"{r.policy}#{r.index}"
            for e in before.derived.edges
            if e.source not in admins
            for r in e.statements
        }
    )
    assert len(cited) >= 6
    for pair in itertools.combinations(cited, 2):
        result = what_if(bundle, [RemoveStatement.parse(s) for s in pair], before=before)
        assert result["after"]["paths"] > 0, pair


def test_alternatives_need_all_removed(bundle: dict[str, Any]) -> None:
    analysis = analyse_full(bundle)
    (edge,) = [e for e in analysis.derived.edges if e.source == BOB]
    (clause,) = support_of(edge, statement_index(analysis.snapshot))
    assert {r.policy for r in clause} == {f"{BOB}#inline/a", f"{BOB}#inline/b"}
    model = build_model(analysis.derived, statement_index(analysis.snapshot), analysis.view.admin_set(True))
    i = model.by_key[edge.key]
    a, b = sorted(clause, key=lambda r: r.policy)
    assert model.alive(i, frozenset({a})) and not model.alive(i, frozenset({a, b}))
    assert model.kill_options(i, frozenset()) == [frozenset({a, b})]


def test_two_action_technique_dies_with_either_statement(bundle: dict[str, Any]) -> None:
    analysis = analyse_full(bundle)
    (edge,) = [
        e for e in analysis.derived.edges if e.technique == "lambda-001" and e.source.endswith("deployer")
    ]
    model = build_model(analysis.derived, statement_index(analysis.snapshot), analysis.view.admin_set(True))
    options = model.kill_options(model.by_key[edge.key], frozenset())
    assert frozenset({StatementRef(DEPLOY_POLICY, 0)}) in options
    assert frozenset({StatementRef(DEPLOY_POLICY, 1)}) in options


def test_refinement_learns_alternatives_evidence_did_not_cite() -> None:
    """A model that only knows one alternative proposes a cut; the second support (learned from re-analysis)
    makes the solver pick both."""
    a, b = StatementRef("p", 0), StatementRef("p", 1)
    model = CutModel(
        [ModelEdge(("s", "t", "CAN_ESCALATE_TO", "x"), "s", "\x00admin", [(frozenset({a}),)])], frozenset()
    )
    assert solve_account(model, "1", ["s"]).cut == frozenset({a})
    model.edges[0].supports.append((frozenset({b}),))
    model.reindex()
    assert solve_account(model, "1", ["s"]).cut == frozenset({a, b})


def test_admin_statements_are_never_proposed(bundle: dict[str, Any]) -> None:
    analysis = analyse_full(bundle)
    model = build_model(analysis.derived, statement_index(analysis.snapshot), analysis.view.admin_set(True))
    assert StatementRef("arn:aws:iam::111111111111:policy/admin-policy", 0) in model.protected
    (acct,) = suggest_fixes(bundle, before=analysis)["accounts"]
    assert all("admin-policy" not in s["statement"] for s in acct["statements"])
    assert acct["verification"]["admins_unchanged"]


def test_agents_are_the_sources_when_declared(bundle: dict[str, Any]) -> None:
    """With an agent running as alice, only alice's path has to be cut: one statement."""
    with_agent = dict(
        bundle,
        agents_manifest={
            "people": [],
            "teams": [],
            "tasks": [],
            "agents": [
                {
                    "id": "helper",
                    "kind": "external",
                    "runs_as": ["arn:aws:iam::111111111111:user/alice"],
                    "owner": "alice@example.com",
                }
            ],
        },
    )
    (acct,) = suggest_fixes(with_agent)["accounts"]
    assert acct["sources_chosen_by"] == "agents" and acct["sources"] == 1
    assert len(acct["statements"]) == 1 and acct["verified"]


def test_iam_vulnerable_cut_is_proven_by_reanalysis() -> None:
    from ingest.pipeline import read_inputs

    bundle = read_inputs([str(shared_file("gaad", IAM_VULNERABLE.name))])
    before = analyse_full(bundle)
    result = suggest_fixes(bundle, before=before)
    (acct,) = result["accounts"]
    chosen = [s["statement"] for s in acct["statements"]]
    assert acct["verified"] and acct["sources_reaching_admin"] > 20 and chosen
    assert acct["lower_bound"] <= len(chosen)
    assert [s["closes_paths"] for s in acct["statements"]] == sorted(
        (s["closes_paths"] for s in acct["statements"]), reverse=True
    )
    # independent of the solver: re-analyse with every suggested statement removed
    after = analyse_full(apply_changes(bundle, [RemoveStatement.parse(s) for s in chosen]))
    stuck = set(acct["uncuttable_sources"])
    assert reaching(before) - stuck and not reaching(after) - stuck
    assert after.view.admin_set(True) == before.view.admin_set(True)
    # irredundant: putting any one statement back re-opens some path
    admins = before.view.admin_set(True)
    model = build_model(before.derived, statement_index(before.snapshot), admins)
    known = {r for e in model.edges for sup in e.supports for c in sup for r in c}
    cut = frozenset(r for r in known if f"{r.policy}#{r.index}" in chosen)
    assert len(cut) == len(chosen)
    ((_, sources),) = sources_by_account(before, admins).values()
    for ref in cut:
        assert model.find_path(sources, cut - {ref}) is not None, ref


def test_cli_fixes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = write_json(tmp_path / "estate.json", estate())
    code, out, err = run_cli(capsys, "fixes", str(src), "--format", "json")
    assert code == 0, err
    (acct,) = json.loads(out)["accounts"]
    assert len(acct["statements"]) == 3
    code, out, _ = run_cli(capsys, "fixes", str(src))
    assert (
        code == 0 and "verified by re-analysis: yes" in out and "agentpath whatif --remove-statement" in out
    )

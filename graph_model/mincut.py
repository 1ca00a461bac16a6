"""Fix suggestions: the fewest policy (or trust) statements whose removal cuts every path to admin.

The escalation graph is cut by statements, not by edges: one statement can allow many edges (a managed policy
attached to twenty roles), and one edge can need several statements (the caller's `iam:PassRole` *and* its
`lambda:CreateFunction`) or be allowed by alternatives (two policies that both grant `sts:AssumeRole`). Each
edge is modelled as a monotone formula over statements, built from the evidence derivation cites:

    edge alive  <=>  some support is alive
    support     =    clauses that must all hold (the trust statement; one clause per required action)
    clause      =    alternatives (every statement that allows that action); dead when all are removed

So removing one of two alternatives kills nothing, and removing either half of a two-action technique kills
it. Evidence can understate alternatives (an evaluator cites one conditional grant, not all), so every answer
is re-analysed: the statements are removed from a copy of the inputs (see `graph_model.whatif`), everything
is derived again, and any edge that survives adds its new evidence as another support, until the
re-analysis shows no path left (`verified`) or a round limit is hit.

Choosing the fewest statements is a minimum *label* cut, NP-hard in general. Per account the search is:
1. greedy: repeatedly remove the kill option that closes the most remaining paths per statement, then drop
   statements that turned out unnecessary (the result is irredundant);
2. a lower bound: paths that share no removable statement each need one of their own (a packing);
3. if greedy meets the bound it is optimal; otherwise branch and bound over "kill some edge of a remaining
   path" proves the optimum within a node budget (`method: exact`). When the budget runs out the greedy
   answer is returned as `method: greedy`, with its lower bound, so the size of the possible gap is stated.

Statements that make an administrator an administrator are never proposed: cutting admin itself would empty
the goal instead of closing the paths to it. Sources are, per account, the identities agents run as (and
the agents' own first steps); in an account without agents, every non-admin user, role and identity provider.
Paths of any length are cut, not only those within the scan's hop limit.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph_model.arn import account_of
from graph_model.evaluation import _match_actions
from graph_model.paths import PathOptions
from graph_model.policy import Statement, StatementRef

if TYPE_CHECKING:
    from graph_model.derive import Derived, EscalationEdge
    from graph_model.snapshot import Snapshot
    from graph_model.whatif import Analysis

SINK = "\x00admin"
Clause = frozenset[StatementRef]
Support = tuple[Clause, ...]
EdgeKey = tuple[str, str, str, str]


def ref_text(ref: StatementRef) -> str:
    """The `--remove-statement` argument for a statement: POLICY#INDEX."""
    return f"{ref.policy}#{ref.index}"


# --- statements by reference ----------------------------------------------------------------------------
def statement_index(snapshot: Snapshot) -> dict[tuple[str, int], Statement]:
    out: dict[tuple[str, int], Statement] = {}

    def add(stmts: Iterable[Statement]) -> None:
        for s in stmts:
            out[(s.ref.policy, s.ref.index)] = s

    for p in snapshot.principals.values():
        for inline in p.inline_policies:
            add(inline.document.statements)
        if p.trust_policy is not None:
            add(p.trust_policy.statements)
    for pol in snapshot.policies.values():
        add(pol.document.statements)
    for rp in snapshot.resource_policies.values():
        if rp.document is not None:
            add(rp.document.statements)
    if snapshot.organization:
        for op in snapshot.organization.policies:
            add(op.document.statements)
    return out


def support_of(edge: EscalationEdge, index: Mapping[tuple[str, int], Statement]) -> Support:
    """The clauses one piece of evidence implies: every cited trust (or resource) statement is one clause of
    alternatives, and so are, per required action, the cited identity statements that match the action."""
    clauses: list[Clause] = []
    for kind in ("trust", "resource"):
        refs = frozenset(r for r in edge.statements if r.kind == kind)
        if refs:
            clauses.append(refs)
    identity = [r for r in edge.statements if r.kind == "identity"]
    for action in edge.actions:
        alts = frozenset(
            r
            for r in identity
            if (st := index.get((r.policy, r.index))) is not None and _match_actions(st, action)
        )
        if alts:
            clauses.append(alts)
    return tuple(dict.fromkeys(clauses))


# --- the model ------------------------------------------------------------------------------------------
@dataclass
class ModelEdge:
    key: EdgeKey
    source: str
    target: str  # SINK when the step lands on (or makes) an administrator
    supports: list[Support]


@dataclass
class CutModel:
    edges: list[ModelEdge]
    protected: frozenset[StatementRef]
    out: dict[str, list[int]] = field(default_factory=dict)
    by_key: dict[EdgeKey, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        self.out = {}
        self.by_key = {}
        for i, e in enumerate(self.edges):
            self.out.setdefault(e.source, []).append(i)
            self.by_key[e.key] = i

    def alive(self, i: int, removed: frozenset[StatementRef]) -> bool:
        return any(all(not clause <= removed for clause in sup) for sup in self.edges[i].supports)

    def kill_options(self, i: int, removed: frozenset[StatementRef]) -> list[frozenset[StatementRef]]:
        """Every minimal way to kill edge i, given what is removed: one removable clause per support."""
        per_support = []
        for sup in self.edges[i].supports:
            choices = [c - removed for c in sup if not (c & self.protected)]
            if any(not c for c in choices):
                continue  # this support is already dead
            if not choices:
                return []  # a support that cannot be killed: the edge stays
            per_support.append(choices)
        if not per_support:
            return []
        return list(dict.fromkeys(frozenset().union(*combo) for combo in itertools.product(*per_support)))

    def removable(self, i: int, removed: frozenset[StatementRef]) -> frozenset[StatementRef]:
        out: set[StatementRef] = set()
        for opt in self.kill_options(i, removed):
            out |= opt
        return frozenset(out)

    def find_path(
        self,
        sources: Iterable[str],
        removed: frozenset[StatementRef],
        avoid: frozenset[StatementRef] = frozenset(),
    ) -> list[int] | None:
        """A shortest alive path from any source to admin (edge indices), skipping edges whose removable
        statements touch `avoid` (used by the packing bound)."""
        parent: dict[str, tuple[str, int] | None] = {}
        queue: deque[str] = deque()
        for s in sorted(sources):
            if s not in parent:
                parent[s] = None
                queue.append(s)
        while queue:
            node = queue.popleft()
            for i in self.out.get(node, []):
                if not self.alive(i, removed):
                    continue
                if avoid and self.removable(i, removed) & avoid:
                    continue
                target = self.edges[i].target
                if target in parent:
                    continue
                parent[target] = (node, i)
                if target == SINK:
                    path = []
                    cur = SINK
                    while parent[cur] is not None:
                        prev, idx = parent[cur]  # type: ignore[misc]
                        path.append(idx)
                        cur = prev
                    return path[::-1]
                queue.append(target)
        return None

    def lower_bound(self, sources: Sequence[str], removed: frozenset[StatementRef]) -> int:
        """Paths whose removable statements are pairwise disjoint each need a statement of their own."""
        used: frozenset[StatementRef] = frozenset()
        count = 0
        while True:
            path = self.find_path(sources, removed, used)
            if path is None:
                return count
            stmts = frozenset().union(*(self.removable(i, removed) for i in path))
            if not stmts:
                return count  # an uncuttable path; sources with one are set aside before solving
            count += 1
            used |= stmts


def build_model(
    derived: Derived,
    statements: Mapping[tuple[str, int], Statement],
    admins: set[str],
    options: PathOptions | None = None,
) -> CutModel:
    options = options or PathOptions()
    protected = frozenset(
        r for arn in admins for r in (derived.admin[arn].statements if arn in derived.admin else [])
    )
    edges = []
    for e in derived.edges:
        if e.conditional and not options.include_conditional:
            continue
        if e.potential and not options.include_potential:
            continue
        if e.source in admins:
            continue  # paths end at an administrator
        target = SINK if (e.grants_admin or e.target in admins) else e.target
        edges.append(ModelEdge(e.key, e.source, target, [support_of(e, statements)]))
    return CutModel(edges, protected)


def refine(
    model: CutModel, derived_after: Derived, statements: Mapping[tuple[str, int], Statement], admins: set[str]
) -> int:
    """Add what a re-analysis cites for edges that survived a cut as new supports; returns how many were
    added. Edges the model did not know at all (none in practice: removing an Allow only takes away) are
    added too."""
    added = 0
    for e in derived_after.edges:
        if e.source in admins:
            continue
        sup = support_of(e, statements)
        i = model.by_key.get(e.key)
        if i is None:
            target = SINK if (e.grants_admin or e.target in admins) else e.target
            model.edges.append(ModelEdge(e.key, e.source, target, [sup]))
            added += 1
        elif sup not in model.edges[i].supports:
            model.edges[i].supports.append(sup)
            added += 1
    model.reindex()
    return added


# --- solving --------------------------------------------------------------------------------------------
def _preference(ref: StatementRef) -> tuple[int, str, int]:
    """Ties go to statements the account owns: AWS-managed policies cannot be edited, only detached."""
    return (1 if ref.policy.startswith("arn:aws:iam::aws:") else 0, ref.policy, ref.index)


def uncuttable_sources(model: CutModel, sources: Sequence[str]) -> list[str]:
    """Sources with a path to admin made only of edges no allowed removal can kill."""
    out = []
    everything = (
        frozenset(r for e in model.edges for sup in e.supports for c in sup for r in c) - model.protected
    )
    for s in sources:
        if model.find_path([s], everything) is not None:
            out.append(s)
    return out


def greedy_cut(model: CutModel, sources: Sequence[str]) -> frozenset[StatementRef]:
    removed: frozenset[StatementRef] = frozenset()
    while True:
        paths = [p for s in sources if (p := model.find_path([s], removed)) is not None]
        if not paths:
            break
        score: dict[frozenset[StatementRef], int] = {}
        for p in paths:
            options: set[frozenset[StatementRef]] = set()
            for i in p:
                options.update(model.kill_options(i, removed))
            for o in options:
                score[o] = score.get(o, 0) + 1
        if not score:
            break  # only uncuttable paths remain
        best = min(score, key=lambda o: (-score[o] / len(o), len(o), sorted(_preference(r) for r in o)))
        removed = removed | best
    for ref in sorted(removed, key=_preference, reverse=True):
        trial = removed - {ref}
        if model.find_path(sources, trial) is None:
            removed = trial
    return removed


class _Budget(Exception):
    pass


def exact_cut(
    model: CutModel, sources: Sequence[str], upper: frozenset[StatementRef], node_budget: int, seconds: float
) -> tuple[frozenset[StatementRef], bool]:
    """Branch and bound; returns (best cut, proven optimal)."""
    best = upper
    seen: set[frozenset[StatementRef]] = set()
    nodes = 0
    deadline = time.monotonic() + seconds

    def rec(removed: frozenset[StatementRef]) -> None:
        nonlocal best, nodes
        path = model.find_path(sources, removed)
        if path is None:
            if len(removed) < len(best):
                best = removed
            return
        if len(removed) + max(1, model.lower_bound(sources, removed)) >= len(best):
            return
        nodes += 1
        if nodes > node_budget or time.monotonic() > deadline:
            raise _Budget
        options: set[frozenset[StatementRef]] = set()
        for i in path:
            options.update(model.kill_options(i, removed))
        for o in sorted(options, key=lambda o: (len(o), sorted(_preference(r) for r in o))):
            nxt = removed | o
            if nxt not in seen:
                seen.add(nxt)
                rec(nxt)

    try:
        rec(frozenset())
    except _Budget:
        return best, False
    return best, True


@dataclass
class AccountCut:
    account: str
    sources: list[str]
    reaching: list[str]
    uncuttable: list[str]
    cut: frozenset[StatementRef]
    method: str
    lower_bound: int


def solve_account(
    model: CutModel, account: str, sources: Sequence[str], node_budget: int = 4000, seconds: float = 20.0
) -> AccountCut:
    reaching = [s for s in sources if model.find_path([s], frozenset()) is not None]
    stuck = uncuttable_sources(model, reaching)
    todo = [s for s in reaching if s not in stuck]
    if not todo:
        return AccountCut(account, list(sources), reaching, stuck, frozenset(), "exact", 0)
    greedy = greedy_cut(model, todo)
    bound = model.lower_bound(todo, frozenset())
    if len(greedy) <= bound:
        return AccountCut(account, list(sources), reaching, stuck, greedy, "exact", bound)
    best, proven = exact_cut(model, todo, greedy, node_budget, seconds)
    return AccountCut(
        account,
        list(sources),
        reaching,
        stuck,
        best,
        "exact" if proven else "greedy",
        len(best) if proven else bound,
    )


# --- sources --------------------------------------------------------------------------------------------
def sources_by_account(analysis: Analysis, admins: set[str]) -> dict[str, tuple[str, list[str]]]:
    """account -> (how sources were chosen, sources). Agents count through the identities they run as."""
    view = analysis.view
    runs_as: set[str] = set()
    for e in view.edges:
        if e["relationship"] == "RUNS_AS" and e["source"] in view.agents:
            runs_as.add(e["target"])
    for a in view.agents.values():
        runs_as.update(a.get("runs_as") or [])
    runs_as = {a for a in runs_as if a in analysis.snapshot.principals and a not in admins}
    candidates: set[str] = {a for a, p in analysis.snapshot.principals.items() if p.kind in ("user", "role")}
    candidates |= {
        e.source
        for e in analysis.derived.edges
        if ":oidc-provider/" in e.source or ":saml-provider/" in e.source
    }
    out: dict[str, tuple[str, list[str]]] = {}
    for acct in sorted(analysis.snapshot.accounts):
        agent_sources = sorted(a for a in runs_as if account_of(a) == acct)
        if agent_sources:
            out[acct] = ("agents", agent_sources)
        else:
            out[acct] = (
                "all non-admin principals",
                sorted(a for a in candidates if account_of(a) == acct and a not in admins),
            )
    return out


# --- the whole procedure --------------------------------------------------------------------------------
def _closes(
    model: CutModel, cut: frozenset[StatementRef], paths: Sequence[Mapping[str, Any]]
) -> dict[StatementRef, list[str]]:
    """For each statement of the cut, the listed paths it helps close: the path has an edge whose every
    support has a clause fully removed by the cut, with this statement in such a clause."""
    out: dict[StatementRef, list[str]] = {r: [] for r in cut}
    for path in paths:
        hit: set[StatementRef] = set()
        for step in path["steps"]:
            i = model.by_key.get((step["from"], step["to"], step["relationship"], step["technique"]))
            if i is None or model.alive(i, cut):
                continue
            for sup in model.edges[i].supports:
                for clause in sup:
                    if clause <= cut:
                        hit |= clause
        for r in hit:
            out[r].append(path["id"])
    return out


def _paths_by_account(analysis: Analysis, options: PathOptions) -> dict[str, list[dict[str, Any]]]:
    from queries.scan import admin_paths, path_id

    out: dict[str, list[dict[str, Any]]] = {}
    for source, path in admin_paths(analysis.view, options):
        steps = [
            {
                "from": s.source,
                "to": s.target,
                "technique": s.edge["technique"],
                "relationship": s.edge.get("relationship", ""),
            }
            for s in path.steps
        ]
        acct = account_of(source) or ""
        out.setdefault(acct, []).append({"id": path_id(source, path), "source": source, "steps": steps})
    return out


def suggest_fixes(
    bundle: Mapping[str, Any],
    options: PathOptions | None = None,
    *,
    accounts: Sequence[str] | None = None,
    verify: bool = True,
    max_rounds: int = 4,
    node_budget: int = 4000,
    seconds: float = 20.0,
    before: Analysis | None = None,
) -> dict[str, Any]:
    """Per account: the statements to remove, ranked by how many listed paths each helps close, and the
    re-analysis that proves (or fails to prove) that they close every path."""
    from graph_model.whatif import RemoveStatement, analyse_full, apply_changes

    options = options or PathOptions()
    analysis = before or analyse_full(bundle)
    admins = analysis.view.admin_set(options.include_conditional)
    statements = statement_index(analysis.snapshot)
    model = build_model(analysis.derived, statements, admins, options)
    listed = _paths_by_account(analysis, options)
    results = []
    for acct, (chosen_by, sources) in sources_by_account(analysis, admins).items():
        if accounts and acct not in accounts:
            continue
        rounds, verified, remaining, admins_kept = 0, not verify, [], True
        solved = solve_account(model, acct, sources, node_budget, seconds)
        while verify and solved.cut and rounds < max_rounds:
            rounds += 1
            changed = apply_changes(
                bundle, [RemoveStatement(r.policy, str(r.index)) for r in sorted(solved.cut, key=_preference)]
            )
            after = analyse_full(changed)
            after_admins = after.view.admin_set(options.include_conditional)
            admins_kept = after_admins == admins
            check = build_model(after.derived, statements, after_admins, options)
            todo = [s for s in solved.reaching if s not in solved.uncuttable]
            remaining = [s for s in todo if check.find_path([s], frozenset()) is not None]
            if not remaining and admins_kept:
                verified = True
                break
            if not refine(model, after.derived, statements, admins):
                break  # nothing new to learn: report unverified
            solved = solve_account(model, acct, sources, node_budget, seconds)
        if not solved.cut:
            verified = True  # nothing cuttable reaches admin: there is nothing to prove
        closes = _closes(model, solved.cut, listed.get(acct, []))
        ranked = sorted(solved.cut, key=lambda r: (-len(closes[r]), _preference(r)))
        results.append(
            {
                "account": acct,
                "sources_chosen_by": chosen_by,
                "sources": len(solved.sources),
                "sources_reaching_admin": len(solved.reaching),
                "listed_paths": len(listed.get(acct, [])),
                "method": solved.method,
                "lower_bound": solved.lower_bound,
                "statements": [
                    {
                        "statement": ref_text(r),
                        "policy": r.policy,
                        "index": r.index,
                        "sid": r.sid,
                        "kind": r.kind,
                        "aws_managed": r.policy.startswith("arn:aws:iam::aws:"),
                        "closes_paths": len(closes[r]),
                        "paths": closes[r],
                    }
                    for r in ranked
                ],
                "uncuttable_sources": solved.uncuttable,
                "verified": verified,
                "verification": {
                    "rounds": rounds,
                    "remaining_sources": remaining,
                    "admins_unchanged": admins_kept,
                },
                "whatif_args": " ".join(f"--remove-statement '{ref_text(r)}'" for r in ranked),
            }
        )
    return {"accounts": results, "admins": len(admins)}

"""CLI verbs for pipelines and threat modelling: `scan`, `whatif`, `fixes`, `export`.

Every verb reads either FILE arguments (analysed in memory, no store needed: what CI wants) or the store's
kept inputs (`--store`); none of them writes to a store. Exit codes follow `ui/cli.py`: 0 ok, 1 a scan found
a *new* finding at the `--fail-on` level, 2 bad input, 3 store error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph_model.paths import PathOptions
from graph_model.risk import SEVERITIES

EXIT_OK, EXIT_FINDINGS = 0, 1


class InputError(ValueError):
    """A file argument that cannot be read or parsed (maps to exit code 2 in `ui.cli.main`)."""


# --- inputs ---------------------------------------------------------------------------------------------
def _store_uri(args: argparse.Namespace) -> str | None:
    return getattr(args, "store", None)


def load_bundle(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """The merged inputs and a label for reports: FILE arguments, else the store's kept inputs."""
    if args.files:
        from ingest.pipeline import read_inputs

        return read_inputs(args.files), ", ".join(args.files)
    from queries.api import EmptyStore
    from queries.store import default_store_uri, open_store

    uri = _store_uri(args) or default_store_uri()
    with open_store(uri) as store:
        source = store.source()
    if source is None:
        raise EmptyStore("the store is empty: run `agentpath ingest FILE...` first, or pass FILE arguments")
    return source, uri


def _read_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except OSError as exc:
        raise InputError(f"{what} {path}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} {path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc


def _options(args: argparse.Namespace) -> PathOptions:
    return PathOptions(max_hops=args.max_hops)


def _write(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).write_text(text)
        except OSError as exc:
            raise InputError(f"--output {output}: {exc.strerror or exc}") from exc
    else:
        sys.stdout.write(text)


# --- scan -----------------------------------------------------------------------------------------------
def _scan_context(args: argparse.Namespace, options: PathOptions) -> Any:
    from queries.scan import ScanContext, bundle_digest, layer_findings, rows_from_graph

    if args.files:
        from graph_model.whatif import analyse_full

        bundle, label = load_bundle(args)
        analysis = analyse_full(bundle)
        rows = rows_from_graph(analysis.graph)
        return ScanContext(
            analysis.snapshot,
            analysis.view,
            label,
            bundle_digest(bundle),
            options,
            layer_findings(rows, analysis.view, options),
        )
    from queries.api import load_view, snapshot_from_store
    from queries.library import library, run_named
    from queries.store import default_store_uri, open_store

    uri = _store_uri(args) or default_store_uri()
    with open_store(uri) as store:
        view = load_view(store)
        snapshot = snapshot_from_store(store)
        source = store.source() or {}
        try:
            from queries.agents_api import findings_report

            extra = findings_report(store, options, view=view)
        except ImportError:
            extra = []
        scheduled = {
            q.name: run_named(store, q.name) for q in library().values() if q.scheduled and not q.params
        }
    return ScanContext(snapshot, view, uri, bundle_digest(source), options, extra, scheduled)


def run_scan(args: argparse.Namespace) -> tuple[dict[str, Any], int]:
    """The report and the exit code; separate from printing so tests can call it."""
    from queries.scan import apply_baseline, build_report, check_report, with_gate

    started = time.monotonic()
    previous = None
    if args.baseline:  # read first: a bad baseline must fail before minutes of analysis
        previous = check_report(_read_json(args.baseline, "--baseline"), args.baseline)
    report = build_report(_scan_context(args, _options(args)))
    if previous is not None:
        report = apply_baseline(report, previous, args.baseline)
    report = with_gate(report, args.fail_on)
    report["summary"]["seconds"] = round(time.monotonic() - started, 2)
    return report, EXIT_FINDINGS if report["summary"]["failing"] else EXIT_OK


def scan_line(report: Mapping[str, Any]) -> str:
    s = report["summary"]
    sev = ", ".join(f"{s['by_severity'][k]} {k}" for k in SEVERITIES)
    gate = ""
    if s.get("fail_on"):
        gate = (
            f"; --fail-on {s['fail_on']}: {len(s['failing'])} new at or above"
            if s["failing"]
            else f"; --fail-on {s['fail_on']}: passed"
        )
    return (
        f"scan: {s['findings']} findings ({sev}); {s['new']} new, {s['unchanged']} unchanged, "
        f"{s['resolved']} resolved{gate} in {s.get('seconds', 0)} s"
    )


def cmd_scan(args: argparse.Namespace) -> int:
    from ui.reports import scan_writers

    report, code = run_scan(args)
    _write(scan_writers()[args.format](report), args.output)
    print(scan_line(report), file=sys.stderr if not args.output else sys.stdout)
    return code


# --- whatif ---------------------------------------------------------------------------------------------
def parse_changes(args: argparse.Namespace) -> list[Any]:
    from graph_model.whatif import RemoveStatement, WhatIfError, boundary_change, scp_change

    changes: list[Any] = [RemoveStatement.parse(text) for text in args.remove_statement]
    for text in args.add_boundary:
        principal, sep, path = text.rpartition("=")
        if not sep or not principal or not path:
            raise WhatIfError(f"--add-boundary {text!r}: expected ROLE_ARN=POLICY.json")
        changes.append(boundary_change(principal, _read_json(path, "--add-boundary"), Path(path).stem))
    for path in args.add_scp:
        changes.append(scp_change(_read_json(path, "--add-scp"), Path(path).stem))
    if not changes:
        raise WhatIfError("whatif needs at least one --remove-statement, --add-boundary or --add-scp")
    return changes


def whatif_text(result: Mapping[str, Any]) -> str:
    from ui.tables import render, short

    lines = [
        "changes: " + "; ".join(result["changes"]),
        f"paths to admin: {result['before']['paths']} -> {result['after']['paths']}   "
        f"admins: {result['before']['admins']} -> {result['after']['admins']}",
    ]
    for title, key in (("disappeared", "disappeared"), ("appeared", "appeared")):
        items = result[key]
        lines.append(f"\n{title}: {len(items)}")
        if items:
            lines.append(
                render(
                    ["id", "source", "hops", "route"],
                    [
                        [
                            p["id"],
                            short(p["source"]),
                            p["hops"],
                            " -> ".join(
                                [short(p["source"])]
                                + [f"[{s['technique']}] {short(s['to'])}" for s in p["steps"]]
                            ),
                        ]
                        for p in items
                    ],
                )
            )
    for title, key in (
        ("no longer reach admin", "no_longer_reach_admin"),
        ("newly reach admin", "newly_reach_admin"),
        ("admins lost", "admins_lost"),
    ):
        if result[key]:
            lines.append(f"\n{title}: " + ", ".join(short(x) for x in result[key]))
    return "\n".join(lines)


def cmd_whatif(args: argparse.Namespace) -> int:
    from graph_model.whatif import what_if

    changes = parse_changes(args)
    bundle, _ = load_bundle(args)
    result = what_if(bundle, changes, _options(args))
    text = json.dumps(result, indent=2) + "\n" if args.format == "json" else whatif_text(result) + "\n"
    _write(text, args.output)
    return EXIT_OK


# --- fixes ----------------------------------------------------------------------------------------------
def fixes_text(result: Mapping[str, Any]) -> str:
    from ui.tables import render, short

    lines = []
    for a in result["accounts"]:
        head = (
            f"account {a['account']}: {a['sources_reaching_admin']} of {a['sources']} sources "
            f"({a['sources_chosen_by']}) reach admin; cut with {len(a['statements'])} statement(s), "
            f"{a['method']} (lower bound {a['lower_bound']}); verified by re-analysis: "
            f"{'yes' if a['verified'] else 'NO'}"
        )
        lines.append(head)
        if a["statements"]:
            lines.append(
                render(
                    ["#", "remove statement", "kind", "closes paths"],
                    [
                        [n, s["statement"], s["kind"], s["closes_paths"]]
                        for n, s in enumerate(a["statements"], 1)
                    ],
                )
            )
            lines.append(f"  try it: agentpath whatif {a['whatif_args']}")
        if a["uncuttable_sources"]:
            lines.append(
                "  no statement removal cuts: " + ", ".join(short(s) for s in a["uncuttable_sources"])
            )
        lines.append("")
    return "\n".join(lines).rstrip()


def cmd_fixes(args: argparse.Namespace) -> int:
    from graph_model.mincut import suggest_fixes

    bundle, _ = load_bundle(args)
    result = suggest_fixes(bundle, _options(args), accounts=args.account or None, verify=not args.no_verify)
    text = json.dumps(result, indent=2) + "\n" if args.format == "json" else fixes_text(result) + "\n"
    _write(text, args.output)
    return EXIT_OK


# --- export ---------------------------------------------------------------------------------------------
def cmd_export(args: argparse.Namespace) -> int:
    from ui.reports import export_writers
    from ui.reports.graph_export import export_graph

    if args.files:
        from graph_model.whatif import analyse_full

        bundle, _ = load_bundle(args)
        view = analyse_full(bundle).view
    else:
        from queries.api import load_view
        from queries.store import default_store_uri, open_store

        with open_store(_store_uri(args) or default_store_uri()) as store:
            view = load_view(store)
    graph = export_graph(view, args.source, paths_only=args.paths, options=_options(args))
    _write(export_writers()[args.format](graph), args.output)
    if args.output:
        print(
            f"exported {len(graph['nodes'])} nodes, {len(graph['edges'])} edges ({graph['scope']}) "
            f"to {args.output}"
        )
    return EXIT_OK


# --- parser ---------------------------------------------------------------------------------------------
def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="GAAD files, bundles, manifests, CloudTrail logs: analysed in memory, no store needed",
    )
    p.add_argument(
        "--store",
        default=argparse.SUPPRESS,
        help="read the inputs kept in this store instead of FILE arguments (never written)",
    )
    p.add_argument("--max-hops", type=int, default=6, help="longest path to search (default 6)")
    p.add_argument("--output", "-o", default=None, help="write here instead of standard output")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "scan",
        help="scheduled scan: paths to admin and findings as one report, with baselines",
        description="Exit 1 only when a new finding at or above --fail-on appears.",
    )
    _common(p)
    p.add_argument("--format", choices=("json", "csv", "sarif", "markdown"), default="json")
    p.add_argument(
        "--baseline",
        default=None,
        metavar="PREVIOUS.json",
        help="a previous JSON report: mark findings new, unchanged or resolved",
    )
    p.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default=None,
        help="exit 1 when a NEW finding at or above this severity appears",
    )
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("whatif", help="re-derive after removing statements or adding boundaries/SCPs")
    _common(p)
    p.add_argument(
        "--remove-statement",
        action="append",
        default=[],
        metavar="POLICY#INDEX",
        help="POLICY_ARN#INDEX, <principal arn>#inline/<name>#INDEX, trust:<role arn>#INDEX "
        "(a Sid works in place of INDEX)",
    )
    p.add_argument("--add-boundary", action="append", default=[], metavar="ROLE_ARN=POLICY.json")
    p.add_argument(
        "--add-scp",
        action="append",
        default=[],
        metavar="POLICY.json",
        help="attached at every organization root (an organization is assumed if none is known)",
    )
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_whatif)

    p = sub.add_parser(
        "fixes", help="per account, the fewest statements whose removal cuts every path to admin"
    )
    _common(p)
    p.add_argument("--account", action="append", default=[], help="only this account (repeatable)")
    p.add_argument("--no-verify", action="store_true", help="skip the re-analysis that proves each cut")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_fixes)

    p = sub.add_parser("export", help="threat-model export: Mermaid, GraphML or BloodHound OpenGraph JSON")
    _common(p)
    p.add_argument("--format", choices=("mermaid", "graphml", "bloodhound-opengraph"), required=True)
    p.add_argument(
        "--from",
        dest="source",
        default=None,
        metavar="ARN",
        help="only the paths to admin from this principal, agent or identity provider",
    )
    p.add_argument("--paths", action="store_true", help="only the steps of the scan's paths to admin")
    p.set_defaults(func=cmd_export)

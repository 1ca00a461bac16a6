"""`agentpath`: the command line.

Exit codes: 0 success, 1 a scan found new findings at the `--fail-on` level, 2 bad input or usage,
3 the store could not be reached or refused the operation.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_STORE = 0, 1, 2, 3


class UsageError(Exception):
    pass


def _emit(payload: Any, fmt: str, text: Callable[[Any], str]) -> None:
    if fmt == "json":
        print(json.dumps(payload, indent=2, sort_keys=False, default=str))
    else:
        print(text(payload))


def _path_options(args: argparse.Namespace) -> Any:
    from graph_model.paths import PathOptions

    return PathOptions(
        max_hops=args.max_hops,
        include_conditional=not args.exclude_conditional,
        include_potential=not args.exclude_potential,
    )


# --- verbs --------------------------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    from ingest.pipeline import ingest_files

    def progress(stage: str, done: int, total: int) -> None:
        if args.progress:
            print(f"\r  loading {stage}: {done}/{total}", end="", file=sys.stderr, flush=True)

    summary = ingest_files(args.files, args.store, progress)
    if args.progress:
        print(file=sys.stderr)
    print(summary.line())
    return EXIT_OK


def cmd_paths(args: argparse.Namespace) -> int:
    from queries.api import all_paths_to_admin, load_view, path_report
    from queries.store import open_store
    from ui.tables import path_report_text, render, short

    with open_store(args.store) as store:
        view = load_view(store)
    options = _path_options(args)
    if args.source:
        report = path_report(view, args.source, args.to, options)
        _emit(report, args.format, path_report_text)
        return EXIT_OK
    if args.to != "admin":
        raise UsageError("paths without --from needs --to admin")
    reports = all_paths_to_admin(view, options)

    def text(items: list[dict[str, Any]]) -> str:
        rows = []
        for r in items:
            path = r["paths"][0] if r["paths"] else None
            route = (
                " -> ".join(
                    [short(r["source"])] + [f"[{s['technique']}] {short(s['to'])}" for s in path["steps"]]
                )
                if path
                else "(is admin)"
            )
            rows.append(
                [short(r["source"]), "admin" if r["source_is_admin"] else path["hops"] if path else "", route]
            )
        return (
            render(["principal", "hops", "shortest path"], rows)
            + f"\n\n{len(items)} principals and agents reach admin: "
            + f"{sum(1 for r in items if r['source_is_admin'])} are admin already, "
            + f"{sum(1 for r in items if not r['source_is_admin'])} can escalate"
        )

    _emit(reports, args.format, text)
    return EXIT_OK


def _parse_context(pairs: Sequence[str]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--context {pair!r}: expected KEY=VALUE")
        if key in out:
            prev = out[key]
            out[key] = (prev if isinstance(prev, list) else [prev]) + [value]
        else:
            out[key] = value
    return out


def cmd_check(args: argparse.Namespace) -> int:
    from queries.api import check, snapshot_from_store
    from queries.store import open_store

    with open_store(args.store) as store:
        snapshot = snapshot_from_store(store)
    result = check(
        snapshot,
        args.principal,
        args.action,
        args.resource,
        _parse_context(args.context),
        args.resource_account,
    )

    def text(r: dict[str, Any]) -> str:
        lines = [f"{r['decision']}: {r['principal']} -> {r['action']} on {r['resource']}"]
        lines += [
            f"  statement: {s['policy']} #{s['sid'] or s['index']} ({s['kind']})" for s in r["statements"]
        ]
        lines += [f"  passed: {c}" for c in r.get("checks", [])]
        if r.get("undecided"):
            lines.append(f"  undecided conditions: {json.dumps(r['undecided'])}")
        return "\n".join(lines)

    _emit(result, args.format, text)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from queries.api import load_view, snapshot_from_store
    from queries.explain import explain
    from queries.store import open_store
    from ui.tables import render, short

    with open_store(args.store) as store:
        view = load_view(store)
        snapshot = snapshot_from_store(store)
    result = explain(snapshot, view, args.source, args.to, _path_options(args))

    def text(r: dict[str, Any]) -> str:
        if not r["reachable"]:
            return f"{short(r['source'])}: no path to {r['to']}" + (
                " (it is admin)" if r["source_is_admin"] else ""
            )
        lines = [f"{short(r['source'])} -> {short(r['target'])} in {r['hops']} step(s)"]
        for n, step in enumerate(r["steps"], 1):
            lines.append(
                f"\n{n}. {short(step['from'])} -> {short(step['to'])}  [{step['technique']}]  "
                f"owner: {step.get('owner') or 'UNOWNED'}"
            )
            rows = [
                [
                    a["action"],
                    a["resource"],
                    "; ".join(f"{s['policy']}#{s['sid'] or s['index']}" for s in a["statements"]),
                    "; ".join(a["checks_passed"]),
                    "yes" if a["conditions"] else "",
                ]
                for a in step.get("actions", [])
            ]
            if rows:
                lines.append(
                    render(["action", "resource", "allowed by", "checks passed", "conditional"], rows)
                )
            else:
                lines.append(f"   {step.get('evidence', '')}")
        return "\n".join(lines)

    _emit(result, args.format, text)
    return EXIT_OK


def cmd_techniques(args: argparse.Namespace) -> int:
    from graph_model.techniques.loader import catalogue
    from ui.tables import render

    items = [t.as_dict() for t in catalogue()]
    _emit(
        items,
        args.format,
        lambda ts: render(["id", "category", "name"], [[t["id"], t["category"], t["name"]] for t in ts]),
    )
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    from queries.library import library, run_named
    from queries.store import open_store
    from ui.tables import render

    if not args.name:
        rows = [[q.name, q.purpose] for q in library().values()]
        print(render(["query", "purpose"], rows))
        return EXIT_OK
    params: dict[str, Any] = {}
    for pair in args.param:
        key, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--param {pair!r}: expected KEY=VALUE (VALUE may be JSON)")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    with open_store(args.store) as store:
        rows_out = run_named(store, args.name, params)
    cols = list(rows_out[0]) if rows_out else []
    _emit(rows_out, args.format, lambda rs: render(cols, [[r[c] for c in cols] for r in rs]))
    return EXIT_OK


def cmd_ui(args: argparse.Namespace) -> int:
    from ui.serve import serve

    return serve(args.store, args.port, headless=args.headless)


def cmd_store(args: argparse.Namespace) -> int:
    from queries.store import default_store_uri, open_store
    from queries.store.embedded import default_data_dir

    uri = args.store or default_store_uri()
    if args.action in ("start", "stop") and not uri.startswith("embedded"):
        raise UsageError(f"store {args.action} manages the embedded store only; {uri} is run by you")
    if args.action == "start":
        open_store(uri, keep_running=True)
        print(f"embedded store running for {uri} (stop it with `agentpath store stop`)")
        return EXIT_OK
    if args.action == "stop":
        from queries.store.embedded import stop_server_at

        folder = uri.partition(":")[2] if uri != "embedded" else str(default_data_dir())
        print("stopped" if stop_server_at(folder) else "not running")
        return EXIT_OK
    with open_store(uri) as store:
        run = store.last_run()
        print(json.dumps({"store": uri, "last_run": run}, indent=2))
    return EXIT_OK


# --- parser -------------------------------------------------------------------------------------------------
def _add_path_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-hops", type=int, default=6, help="longest path to search (default 6)")
    p.add_argument(
        "--exclude-conditional",
        action="store_true",
        help="drop steps that hold only when a request condition holds (MFA, source IP, ...)",
    )
    p.add_argument(
        "--exclude-potential",
        action="store_true",
        help="drop steps that need an existing resource the snapshot does not list",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agentpath", description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument(
        "--store",
        default=None,
        help="embedded:PATH (default, per-user data folder) or bolt://HOST:PORT; env AGENTPATH_STORE",
    )
    sub = parser.add_subparsers(dest="verb", required=True)

    p = sub.add_parser("ingest", help="load GAAD files, bundles, agent manifests or CloudTrail logs")
    p.add_argument("files", nargs="+")
    p.add_argument("--progress", action="store_true", help="show load progress on stderr")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("paths", help="privilege-escalation paths to admin (or to a principal)")
    p.add_argument("--from", dest="source", help="principal ARN or agent id")
    p.add_argument("--to", default="admin", help="admin (default) or a principal ARN")
    p.add_argument("--format", choices=("table", "json"), default="table")
    _add_path_flags(p)
    p.set_defaults(func=cmd_paths)

    p = sub.add_parser("check", help="evaluate one request like AWS would")
    p.add_argument("--principal", required=True)
    p.add_argument("--action", required=True)
    p.add_argument("--resource", required=True)
    p.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a request key; give a key twice for a multi-valued key",
    )
    p.add_argument("--resource-account", default=None)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "explain", help="why each step of a path is allowed: statements, guardrails, conditions"
    )
    p.add_argument("--from", dest="source", required=True, help="principal ARN or agent id")
    p.add_argument("--to", default="admin", help="admin (default) or a principal ARN")
    p.add_argument("--format", choices=("table", "json"), default="table")
    _add_path_flags(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("techniques", help="the escalation technique catalogue")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_techniques)

    p = sub.add_parser("query", help="run a named query of the library (no name: list them)")
    p.add_argument("name", nargs="?")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("ui", help="serve the Streamlit explorer")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--headless", action="store_true", help="do not try to open a browser")
    p.set_defaults(func=cmd_ui)

    p = sub.add_parser("store", help="start, stop or inspect the embedded store server")
    p.add_argument("action", choices=("start", "stop", "status"))
    p.set_defaults(func=cmd_store)

    for register in _extensions():
        register(sub)
    return parser


def _extensions() -> list[Callable[[Any], None]]:
    """Verbs that live with their own layer (collect; agents and owners; scans and reports)."""
    from ingest.collect.cli import add_parser as collect_verbs
    from ui.cli_agents import register as agent_verbs
    from ui.cli_reports import register as report_verbs

    return [collect_verbs, agent_verbs, report_verbs]


def main(argv: Sequence[str] | None = None) -> int:
    from ingest.errors import IngestError
    from queries.store.base import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except (UsageError, ValueError) as exc:  # bad input, incl. NotFound (a name not in the store)
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except StoreError as exc:
        print(f"error: store: {exc}", file=sys.stderr)
        return EXIT_STORE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `agentpath ... | head`: the reader left; that is not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

"""CLI verbs of the accountability layer: `delegation`, `owners`, `findings`, `trail`.

Registered by `ui.cli` when this module is present. `--format json` prints the contracts of issue 5 exactly;
the table format is for people reading a terminal or a CI log.
"""

from __future__ import annotations

import argparse
from typing import Any

from ui.tables import render, short


def _emit(payload: Any, fmt: str, text: Any) -> None:
    from ui.cli import _emit as emit

    emit(payload, fmt, text)


def cmd_delegation(args: argparse.Namespace) -> int:
    from queries.agents_api import delegation_report
    from queries.store import open_store

    with open_store(args.store) as store:
        report = delegation_report(store, args.source)

    def text(r: dict[str, Any]) -> str:
        if not r["chains"]:
            return f"{r['source']} delegates to no agent"
        lines = [f"delegation chains from {r['source']}:"]
        for chain in r["chains"]:
            hops = "".join(f" --{link['mechanism']}--> {link['to']}" for link in chain)
            lines.append(f"  {r['source']}{hops}")
        return "\n".join(lines)

    _emit(report, args.format, text)
    return 0


def cmd_owners(args: argparse.Namespace) -> int:
    from queries.agents_api import owners_report
    from queries.store import open_store

    with open_store(args.store) as store:
        rows = owners_report(store)
    if args.unowned:
        rows = [r for r in rows if not r["owner"]]

    def text(items: list[dict[str, Any]]) -> str:
        table = render(["identity", "owner", "source", "team"],
                       [[short(r["identity"]), r["owner"] or "UNOWNED", r["source"],
                         r["team"] or ""] for r in items])
        unowned = sum(1 for r in items if not r["owner"])
        return f"{table}\n\n{len(items)} identities and agents, {unowned} unowned"

    _emit(rows, args.format, text)
    return 0


def cmd_findings(args: argparse.Namespace) -> int:
    from graph_model.paths import PathOptions
    from queries.agents_api import findings_report
    from queries.store import open_store

    with open_store(args.store) as store:
        rows = findings_report(store, PathOptions(max_hops=args.max_hops))
    if args.kind:
        rows = [r for r in rows if r["kind"] in args.kind]

    def text(items: list[dict[str, Any]]) -> str:
        table = render(["severity", "kind", "subject", "detail", "frameworks"],
                       [[r["severity"], r["kind"], short(r["subject"]), r["detail"],
                         ", ".join(f["id"] for f in r["frameworks"])] for r in items])
        return f"{table}\n\n{len(items)} findings"

    _emit(rows, args.format, text)
    return 0


def _layer_lines(name: str, layer: dict[str, Any]) -> list[str]:
    lines = [f"{name}:"]
    for key, value in layer.items():
        if value in (None, "", [], {}):
            continue
        lines.append(f"  {key}: {value}")
    return lines


def cmd_trail(args: argparse.Namespace) -> int:
    from queries.agents_api import trail_report
    from queries.store import open_store

    with open_store(args.store) as store:
        report = trail_report(store, args.event_id)

    def text(r: dict[str, Any]) -> str:
        lines = [f"event {r['event_id']}: {r['classification'].upper()}",
                 f"  why: {r['oversight'].get('verdict', '')}"]
        for key in ("task_approval", "identity_proof", "privilege_event", "oversight"):
            lines += _layer_lines(key.replace("_", " "), r[key])
        return "\n".join(lines)

    _emit(report, args.format, text)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("delegation", help="delegation chains from an agent (each link with its mechanism)")
    p.add_argument("--from", dest="source", required=True,
                   help="agent id (or a Bedrock agent id / platform ARN)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_delegation)

    p = sub.add_parser("owners", help="the accountable human of every identity and agent, with the source")
    p.add_argument("--unowned", action="store_true", help="only identities and agents nobody owns")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_owners)

    p = sub.add_parser("findings",
                       help="accountability findings (unowned escalation, break-glass, agents, ...)")
    p.add_argument("--kind", action="append", default=[], help="only this kind (repeatable)")
    p.add_argument("--max-hops", type=int, default=6, help="longest path to search (default 6)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_findings)

    p = sub.add_parser("trail",
                       help="the evidence chain of one privilege event (task, identity, event, oversight)")
    p.add_argument("event_id", help="the CloudTrail eventID")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_trail)

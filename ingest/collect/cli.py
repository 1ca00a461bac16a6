"""The `agentpath collect` verb.

Why a separate module with `add_parser`/`run`: the main CLI (ui/cli.py) owns the program and its global
options (`--store`); this module only adds the verb, so `collect` stays importable and testable on its own
(`python -m ingest.collect` runs it standalone).

Exit codes: 0 the bundle is written (it may list `incomplete` parts; the summary line names them); 1 the
bundle is written but no account's IAM could be read; 2 bad arguments or unusable credentials; 3 `--ingest`
asked for but the ingest pipeline is not available.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from ingest.collect.bundle_writer import write_bundle
from ingest.collect.collector import (
    SKIPPABLE_SERVICES,
    CollectOptions,
    CollectorFatal,
    CollectResult,
    collect,
)
from ingest.collect.policy import DEFAULT_MEMBER_ROLE_NAME, policy_json
from ingest.collect.session import DEFAULT_MAX_RETRIES

MAX_LISTED_GAPS = 10

EPILOG = """\
examples:
  agentpath collect --profile audit --regions us-east-1 eu-west-1 --output bundle.json
  agentpath collect --org --member-role-name agentpath-readonly --output org.json --ingest
  agentpath collect --role-arn arn:aws:iam::111111111111:role/agentpath-readonly --output one.json
  agentpath collect --print-policy > collector-policy.json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The verb's options (shared by the main CLI and the standalone entry point)."""
    parser.add_argument("--profile", metavar="NAME",
                        help="named AWS profile (SSO profiles work); default: the standard credential chain "
                             "(environment, SSO, instance/task role)")
    parser.add_argument("--role-arn", dest="role_arns", action="append", default=[], metavar="ARN",
                        help="collect the account of this role by assuming it (repeatable)")
    parser.add_argument("--org", action="store_true",
                        help="read the organization and collect every ACTIVE account in it")
    parser.add_argument("--member-role-name", default=DEFAULT_MEMBER_ROLE_NAME, metavar="NAME",
                        help=f"read-only role assumed in member accounts with --org (default: "
                             f"{DEFAULT_MEMBER_ROLE_NAME})")
    parser.add_argument("--regions", nargs="+", metavar="R",
                        help="regions to read agent platforms in (default: the profile's region)")
    parser.add_argument("--endpoint-url", metavar="URL", help="send every call to this endpoint (emulators)")
    parser.add_argument("--max-retries", type=int, default=DEFAULT_MAX_RETRIES, metavar="N",
                        help=f"retries per call after the first attempt, with adaptive backoff on throttling "
                             f"(default: {DEFAULT_MAX_RETRIES})")
    parser.add_argument("--skip-service", dest="skip_services", action="append", default=[],
                        choices=SKIPPABLE_SERVICES, help="do not read this service (repeatable)")
    parser.add_argument("--output", "-o", metavar="BUNDLE.json", help="bundle file to write (required)")
    parser.add_argument("--ingest", action="store_true",
                        help="ingest the bundle into the store (--store of the main CLI) once written")
    parser.add_argument("--print-policy", action="store_true",
                        help="print the minimal read-only IAM policy the collector needs, and exit")


def add_parser(subparsers: Any) -> None:
    """Register `collect` on the main CLI's subparsers."""
    parser = subparsers.add_parser(
        "collect",
        help="read one AWS account or a whole organization (read-only) into a bundle file",
        description="Read-only collection of IAM, Organizations guardrails and agent platforms "
                    "(Bedrock Agents, AgentCore, Lambda) into an agentpath bundle.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the verb; returns the exit code (see the module docstring)."""
    if args.print_policy:
        sys.stdout.write(policy_json(args.member_role_name))
        return 0
    if not args.output:
        print("agentpath collect: --output BUNDLE.json is required", file=sys.stderr)
        return 2
    if args.max_retries < 0:
        print("agentpath collect: --max-retries cannot be negative", file=sys.stderr)
        return 2
    options = CollectOptions(
        profile=args.profile,
        role_arns=list(args.role_arns),
        org=args.org,
        member_role_name=args.member_role_name,
        regions=args.regions,
        endpoint_url=args.endpoint_url,
        max_retries=args.max_retries,
        skip_services=frozenset(args.skip_services),
    )
    try:
        result = collect(options)
    except CollectorFatal as exc:
        print(f"agentpath collect: {exc}", file=sys.stderr)
        return 2
    try:
        path = write_bundle(result.bundle, args.output)
    except OSError as exc:
        print(f"agentpath collect: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for account, counter in sorted(result.recorder.calls.items()):
        print(f"[collect] {account}: {sum(counter.values())} calls", file=sys.stderr)
    print(summary_line(result, path))
    if not result.accounts:
        print("agentpath collect: no account's IAM could be read; see 'incomplete' in the bundle",
              file=sys.stderr)
        return 1
    if args.ingest:
        return _ingest(path, getattr(args, "store", None))
    return 0


def summary_line(result: CollectResult, path: Path) -> str:
    """One line: what was collected, what it cost, where it is, and which parts are missing."""
    head = (f"agentpath collect: {len(result.accounts)} account(s) [{', '.join(result.accounts)}], "
            f"regions [{', '.join(result.regions)}], {result.recorder.total()} API calls, "
            f"{result.seconds:.1f} s -> {path}")
    gaps = result.incomplete
    if not gaps:
        return f"{head}; complete"
    listed = "; ".join(
        f"{g['account_id']} {g['region']} {g['service']}:{g['operation']} ({g['error'].split(':')[0]})"
        for g in gaps[:MAX_LISTED_GAPS])
    hidden = len(gaps) - MAX_LISTED_GAPS
    more = f"; +{hidden} more in the bundle's 'incomplete'" if hidden > 0 else ""
    return f"{head}; INCOMPLETE ({len(gaps)}): {listed}{more}"


def _ingest(path: Path, store_uri: str | None) -> int:
    try:
        # Imported by name at run time: the store stack is heavy and not needed to collect, and the collector
        # must not depend on the pipeline's types to type-check.
        ingest_files = importlib.import_module("ingest.pipeline").ingest_files
    except (ImportError, AttributeError) as exc:
        print(f"agentpath collect: --ingest: ingest.pipeline.ingest_files is not available ({exc}); "
              f"the bundle is written, ingest it with `agentpath ingest {path}`", file=sys.stderr)
        return 3
    print(ingest_files([str(path)], store_uri).line())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point (`python -m ingest.collect ...`)."""
    parser = argparse.ArgumentParser(prog="agentpath-collect", epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", metavar="URI", help="store for --ingest (e.g. embedded:DIR)")
    add_arguments(parser)
    return run(parser.parse_args(argv))

"""Benchmark: `agentpath scan` (and optionally `fixes`) on the synthetic organization of generate_org.py.

Run `python bench/bench_scan.py [--scale 1.0] [--store] [--fixes]`. Times a FILE scan end to end as CI runs it
(read + validate, derive, findings, JSON report), a second scan with the first as baseline, and, with
`--store`, a scan of an ingested store (named queries instead of derivation).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate_org import generate  # noqa: E402


def _scan(argv: list[str]) -> tuple[float, int]:
    from ui.cli import main as cli

    t = time.perf_counter()
    code = cli(argv)
    return time.perf_counter() - t, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--store", action="store_true", help="also time a scan of an ingested embedded store")
    parser.add_argument("--fixes", action="store_true", help="also time the minimum-cut suggestions")
    args = parser.parse_args()
    s = args.scale
    tmp = Path(tempfile.mkdtemp(prefix="agentpath-bench-scan-"))
    raw = generate(
        roles=int(5000 * s), users=int(2000 * s), groups=max(5, int(200 * s)), policies=int(10000 * s)
    )
    org = tmp / "org.json"
    org.write_text(json.dumps(raw))
    first, second = tmp / "scan-1.json", tmp / "scan-2.json"
    t1, code1 = _scan(["scan", str(org), "--output", str(first)])
    t2, code2 = _scan(
        ["scan", str(org), "--baseline", str(first), "--fail-on", "high", "--output", str(second)]
    )
    report = json.loads(first.read_text())
    print(
        f"organization: {len(report['snapshot']['accounts'])} accounts, {report['snapshot']['principals']} "
        f"users+roles, {report['snapshot']['escalation_edges']} escalation edges "
        f"({org.stat().st_size / 1e6:.0f} MB)"
    )
    print(
        f"scan FILE: {t1:.1f} s (exit {code1}), {report['summary']['findings']} findings "
        f"{report['summary']['by_severity']}"
    )
    print(
        f"scan FILE --baseline --fail-on high: {t2:.1f} s (exit {code2}), "
        f"{json.loads(second.read_text())['summary']['new']} new"
    )
    if args.store:
        store = f"embedded:{tmp / 'store'}"
        _scan(["--store", store, "store", "start"])  # one server for both commands: no reload between them
        t = time.perf_counter()
        _scan(["--store", store, "ingest", str(org)])
        ingest_s = time.perf_counter() - t
        t3, code3 = _scan(["--store", store, "scan", "--output", str(tmp / "scan-store.json")])
        _scan(["--store", store, "store", "stop"])
        print(f"ingest into embedded store: {ingest_s:.1f} s; scan --store: {t3:.1f} s (exit {code3})")
    if args.fixes:
        t4, code4 = _scan(["fixes", str(org), "--format", "json", "--output", str(tmp / "fixes.json")])
        fixes = json.loads((tmp / "fixes.json").read_text())
        per = [
            (a["account"], len(a["statements"]), a["method"], a["lower_bound"], a["verified"])
            for a in fixes["accounts"]
        ]
        print(
            f"fixes: {t4:.1f} s (exit {code4}); per account "
            f"(statements, method, lower bound, verified): {per}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()

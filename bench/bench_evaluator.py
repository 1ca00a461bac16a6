"""Benchmark: evaluator throughput (decisions per second) on the benchmark organization.

Run `python bench/bench_evaluator.py [--scale 1.0] [--requests 50000]`. Requests mix the principals, actions
and resources of the estate (closed world, like `agentpath check`), and open-world requests like those of edge
derivation.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate_org import generate  # noqa: E402


def main() -> None:
    from graph_model.evaluation import Evaluator
    from ingest.bundle import normalize_bundle
    from ingest.transform import build_snapshot

    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=50000)
    args = parser.parse_args()
    s = args.scale
    raw = generate(
        roles=int(5000 * s), users=int(2000 * s), groups=max(5, int(200 * s)), policies=int(10000 * s)
    )
    snapshot = build_snapshot(normalize_bundle(raw, "bench"))
    ev = Evaluator(snapshot)
    rng = random.Random(1)
    actors = [p for p in snapshot.principals.values() if p.kind in ("user", "role")]
    roles = [p.arn for p in actors if p.kind == "role"]
    actions = [
        "s3:GetObject",
        "iam:PassRole",
        "sts:AssumeRole",
        "lambda:CreateFunction",
        "iam:PutUserPolicy",
        "dynamodb:GetItem",
        "kms:Decrypt",
        "ec2:RunInstances",
    ]
    requests = []
    for _ in range(args.requests):
        p = rng.choice(actors)
        action = rng.choice(actions)
        if action in ("iam:PassRole", "sts:AssumeRole"):
            resource = rng.choice(roles)
        elif action.startswith("s3:"):
            resource = f"arn:aws:s3:::bucket-{p.account_id}-{rng.randint(0, 300)}/key"
        else:
            resource = "*"
        requests.append((ev.caller(p.arn), action, resource))
    for open_world in (False, True):
        allowed = 0
        t0 = time.perf_counter()
        for caller, action, resource in requests:
            allowed += ev.authorize(caller, action, resource, open_world=open_world).allowed
        dt = time.perf_counter() - t0
        mode = "open world (derivation)" if open_world else "closed world (check)"
        print(
            f"{mode}: {len(requests)} decisions in {dt:.2f} s = {len(requests) / dt:,.0f} decisions/s "
            f"({allowed} allowed)"
        )


if __name__ == "__main__":
    main()

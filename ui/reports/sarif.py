"""SARIF 2.1.0 for code-scanning dashboards: rules are finding kinds and techniques, results are findings.

Each result carries the finding id as a partial fingerprint (dashboards then track it across runs the way
the JSON baseline does), its path as a code flow, and its identity as a logical location. IAM has no source
files, so the physical location is a stable pseudo-path per identity (`aws/<account>/<type>/<name>`), which
dashboards that require one can display.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from graph_model.arn import parse_arn
from ui.reports import framework_labels

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
BASELINE_STATES = {"new": "new", "unchanged": "unchanged", "resolved": "absent"}
KIND_TEXT = {
    "path-to-admin": "An identity can reach administrator through privilege-escalation steps.",
    "delegation-into-escalation": "An agent delegates to another agent whose identity reaches administrator.",
    "unowned-step": "A step on a path to administrator has no accountable human.",
}


def _uri(subject: str) -> str:
    parsed = parse_arn(subject)
    if parsed and parsed.account:
        rest = f"{parsed.resource_type}/{parsed.name}" if parsed.resource_type else parsed.resource
        return "aws/" + "/".join(quote(p, safe="") for p in [parsed.account, *rest.split("/")])
    return "aws/" + quote(re.sub(r"[^\w.@-]+", "-", subject) or "unknown", safe="")


def _location(arn: str, message: str | None = None) -> dict[str, Any]:
    loc: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": _uri(arn)}},
        "logicalLocations": [{"fullyQualifiedName": arn, "kind": "resource"}],
    }
    if message:
        loc["message"] = {"text": message}
    return loc


def _techniques() -> dict[str, Any]:
    from graph_model.techniques.loader import catalogue

    return {t.id: t for t in catalogue()}


def to_sarif(report: Mapping[str, Any], version: str = "0.1.0") -> dict[str, Any]:
    findings = list(report.get("findings", []))
    catalogue = _techniques()
    kinds = sorted({f["kind"] for f in findings})
    used = sorted({t for f in findings for t in f.get("techniques") or []})
    worst: dict[str, int] = {}
    for f in findings:
        for rid in [f["kind"], *(f.get("techniques") or [])]:
            worst[rid] = max(worst.get(rid, 0), int(f["score"]))
    rules: list[dict[str, Any]] = []
    for k in kinds:
        rules.append(
            {
                "id": k,
                "name": re.sub(r"[^A-Za-z0-9]", "", k.title()),
                "shortDescription": {"text": KIND_TEXT.get(k, f"agentpath finding: {k}")},
                "properties": {
                    "tags": ["security", "iam", "finding-kind"],
                    "security-severity": f"{worst.get(k, 0) / 10:.1f}",
                },
            }
        )
    for tid in used:
        t = catalogue.get(tid)
        text = f"{t.name} ({t.category})" if t else tid
        rule: dict[str, Any] = {
            "id": tid,
            "shortDescription": {"text": text},
            "properties": {
                "tags": ["security", "iam", "technique"],
                "security-severity": f"{worst.get(tid, 0) / 10:.1f}",
            },
        }
        if t is not None and t.description:
            rule["fullDescription"] = {"text": t.description}
        rules.append(rule)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f["kind"],
            "ruleIndex": index[f["kind"]],
            "level": LEVELS.get(f["severity"], "warning"),
            "message": {
                "text": f"{f.get('title') or f['kind']} [{f['severity']}, score {f['score']}; owner: "
                f"{f.get('owner') or 'UNOWNED'}]"
            },
            "locations": [_location(f["subject"])],
            "partialFingerprints": {"agentpathFindingId/v1": f["id"]},
            "properties": {
                "severity": f["severity"],
                "score": f["score"],
                "target": f.get("target", ""),
                "owner": f.get("owner") or "",
                "techniques": list(f.get("techniques") or []),
                "frameworks": framework_labels(f.get("frameworks")),
            },
        }
        if f.get("status") in BASELINE_STATES and (report.get("summary") or {}).get("baseline"):
            result["baselineState"] = BASELINE_STATES[f["status"]]
        steps = f.get("path") or []
        if steps:
            result["codeFlows"] = [
                {
                    "threadFlows": [
                        {
                            "locations": [
                                {
                                    "location": _location(
                                        s["from"],
                                        f"{s['from']} -[{s['technique']}]-> {s['to']}"
                                        + ("" if s.get("owner") else " (no owner)"),
                                    ),
                                    "executionOrder": n,
                                }
                                for n, s in enumerate(steps, 1)
                            ]
                        }
                    ]
                }
            ]
        results.append(result)
    snap = report.get("snapshot", {})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "agentpath", "version": version, "rules": rules}},
                "automationDetails": {"id": "agentpath/scan/"},
                "results": results,
                "properties": {
                    "generatedAt": report.get("generated_at", ""),
                    "snapshot": snap.get("digest", ""),
                    "accounts": list(snap.get("accounts", [])),
                },
            }
        ],
    }


def to_sarif_text(report: Mapping[str, Any]) -> str:
    return json.dumps(to_sarif(report), indent=2) + "\n"

"""Every input file becomes a bundle-shaped dict (see shared/design/BUNDLE_FORMAT.md).

GAAD files, bundles, agents manifests and CloudTrail logs all land in the same shape, so merging pages,
several files of one run, and a new run over what the store already holds are three small dict operations.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from ingest.errors import IngestError
from ingest.gaad import gaad_account, is_gaad, merge_gaad, normalize_gaad

BUNDLE_FORMAT = "agentpath-bundle/1"
BUNDLE_KEYS = {
    "format",
    "collected_at",
    "authorization_details",
    "organization",
    "resource_policies",
    "identity_providers",
    "sessions",
    "agents_manifest",
    "agent_resources",
    "cloudtrail",
    "accounts",
    "incomplete",
    "collector",
    "credential_report",
}
MANIFEST_KEYS = {"people", "teams", "agents", "tasks", "accounts"}
AGENT_RESOURCE_KEYS = {
    "bedrock_agents",
    "bedrock_agent_collaborators",
    "agentcore_runtimes",
    "workload_identities",
    "lambda_functions",
    "ecs_task_definitions",
    "ec2_instances",
}


def empty_bundle() -> dict[str, Any]:
    return {"format": BUNDLE_FORMAT, "authorization_details": {}}


def classify(doc: Any) -> str:
    """gaad | bundle | manifest | cloudtrail | unknown."""
    if isinstance(doc, dict):
        if "authorization_details" in doc or str(doc.get("format", "")).startswith("agentpath-bundle"):
            return "bundle"
        if is_gaad(doc):
            return "gaad"
        if isinstance(doc.get("Records"), list) or isinstance(doc.get("Events"), list):
            return "cloudtrail"
        if doc and set(doc) <= MANIFEST_KEYS:
            return "manifest"
    if isinstance(doc, list) and doc and all(isinstance(x, dict) and "eventName" in x for x in doc):
        return "cloudtrail"
    if isinstance(doc, list) and doc and all(_wrapped_event(x) is not None for x in doc):
        return "cloudtrail"  # detection-rule test files wrap each record: [{"event": {...}}, ...]
    return "unknown"


def _wrapped_event(item: Any) -> dict[str, Any] | None:
    if isinstance(item, dict) and isinstance(item.get("event"), dict) and "eventName" in item["event"]:
        return dict(item["event"])
    return None


def _require(cond: bool, source: str, field: str, message: str) -> None:
    if not cond:
        raise IngestError(source, field, message)


def _check_list_of_objects(value: Any, source: str, field: str) -> list[dict[str, Any]]:
    _require(isinstance(value, list), source, field, "expected a list")
    for i, item in enumerate(value):
        _require(isinstance(item, dict), source, f"{field}[{i}]", "expected an object")
    return list(value)


def _validate_organization(org: Any, source: str) -> dict[str, Any]:
    _require(isinstance(org, dict), source, "organization", "expected an object")
    members = org.get("member_accounts", {})
    _require(
        isinstance(members, dict), source, "organization.member_accounts", "expected {account: [targets]}"
    )
    for acct, chain in members.items():
        _require(
            isinstance(chain, list) and all(isinstance(t, str) for t in chain),
            source,
            f"organization.member_accounts.{acct}",
            "expected a list of target ids (root, OUs, account)",
        )
    policies = _check_list_of_objects(org.get("policies", []), source, "organization.policies")
    for i, pol in enumerate(policies):
        _require(
            pol.get("type") in ("SCP", "RCP"),
            source,
            f"organization.policies[{i}].type",
            "must be SCP or RCP",
        )
        _require(
            isinstance(pol.get("targets"), list),
            source,
            f"organization.policies[{i}].targets",
            "expected a list",
        )
        _require(
            isinstance(pol.get("document"), (dict, str)),
            source,
            f"organization.policies[{i}].document",
            "expected a policy document",
        )
    return org


def normalize_bundle(doc: dict[str, Any], source: str) -> dict[str, Any]:
    unknown = sorted(k for k in doc if k not in BUNDLE_KEYS)
    if unknown:
        raise IngestError(source, unknown[0], "unknown field in a bundle")
    fmt = doc.get("format", BUNDLE_FORMAT)
    _require(
        fmt == BUNDLE_FORMAT,
        source,
        "format",
        f"unsupported bundle format {fmt!r} (expected {BUNDLE_FORMAT})",
    )
    out = empty_bundle()
    if "collected_at" in doc:
        out["collected_at"] = doc["collected_at"]
    details = doc.get("authorization_details", {})
    _require(isinstance(details, dict), source, "authorization_details", "expected {account_id: GAAD}")
    for acct, gaad in details.items():
        where = f"authorization_details.{acct}"
        _require(
            isinstance(acct, str) and acct.isdigit() and len(acct) == 12,
            source,
            where,
            "account ids are 12 digits",
        )
        norm = normalize_gaad(gaad, source, where)
        seen = gaad_account(norm, source, where)
        _require(seen in (None, acct), source, where, f"holds entities of account {seen}, not {acct}")
        out["authorization_details"][acct] = norm
    if doc.get("organization") is not None:
        out["organization"] = _validate_organization(doc["organization"], source)
    for key, id_field in (
        ("resource_policies", "arn"),
        ("identity_providers", "arn"),
        ("sessions", "session_arn"),
    ):
        if key in doc:
            items = _check_list_of_objects(doc[key], source, key)
            for i, item in enumerate(items):
                _require(isinstance(item.get(id_field), str), source, f"{key}[{i}].{id_field}", "missing")
            out[key] = items
    if "sessions" in out:
        for i, s in enumerate(out["sessions"]):
            _require(isinstance(s.get("role_arn"), str), source, f"sessions[{i}].role_arn", "missing")
    if doc.get("agents_manifest") is not None:
        out["agents_manifest"] = normalize_manifest(doc["agents_manifest"], source, "agents_manifest")
    if doc.get("agent_resources") is not None:
        res = doc["agent_resources"]
        _require(isinstance(res, dict), source, "agent_resources", "expected an object of lists")
        for key, items in res.items():
            _require(
                key in AGENT_RESOURCE_KEYS, source, f"agent_resources.{key}", "unknown agent resource list"
            )
            _check_list_of_objects(items, source, f"agent_resources.{key}")
        out["agent_resources"] = res
    if doc.get("cloudtrail") is not None:
        records = _check_list_of_objects(doc["cloudtrail"], source, "cloudtrail")
        out["cloudtrail"] = _check_records([_wrapped_event(r) or r for r in records], source, "cloudtrail")
    if doc.get("accounts") is not None:
        out["accounts"] = _validate_accounts(doc["accounts"], source, "accounts")
    if doc.get("credential_report") is not None:
        out["credential_report"] = _check_list_of_objects(
            doc["credential_report"], source, "credential_report"
        )
    if doc.get("incomplete"):
        out["incomplete"] = doc["incomplete"]
    return out


def _validate_accounts(value: Any, source: str, field: str) -> list[dict[str, Any]]:
    items = _check_list_of_objects(value, source, field)
    for i, item in enumerate(items):
        _require(isinstance(item.get("id"), str), source, f"{field}[{i}].id", "missing account id")
    return items


def _plain_scalars(value: Any) -> Any:
    """YAML turns unquoted timestamps into datetimes; the store keeps inputs as JSON: make them ISO text."""
    if isinstance(value, dict):
        return {k: _plain_scalars(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_scalars(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat().replace("+00:00", "Z")
    return value


def normalize_manifest(doc: Any, source: str, where: str = "") -> dict[str, Any]:
    prefix = f"{where}." if where else ""
    _require(isinstance(doc, dict), source, where or "(top level)", "expected a manifest object")
    doc = _plain_scalars(doc)
    unknown = sorted(k for k in doc if k not in MANIFEST_KEYS)
    if unknown:
        raise IngestError(source, f"{prefix}{unknown[0]}", "unknown field in an agents manifest")
    out: dict[str, Any] = {}
    for key in ("people", "teams", "agents", "tasks"):
        items = _check_list_of_objects(doc.get(key) or [], source, f"{prefix}{key}")
        for i, item in enumerate(items):
            _require(
                isinstance(item.get("id"), str) and item["id"],
                source,
                f"{prefix}{key}[{i}].id",
                "every entry needs a string id",
            )
        out[key] = items
    if doc.get("accounts") is not None:
        out["accounts"] = _validate_accounts(doc["accounts"], source, f"{prefix}accounts")
    for key, window_field in (("agents", "task_window"), ("tasks", "window")):
        for i, item in enumerate(out[key]):
            window = item.get(window_field)
            if window is None:
                continue
            where_w = f"{prefix}{key}[{i}].{window_field}"
            _require(isinstance(window, dict), source, where_w, "expected {start: TIME, end: TIME}")
            bounds = {}
            for edge in ("start", "end"):
                if window.get(edge) is not None:
                    bounds[edge] = _timestamp(window[edge], source, f"{where_w}.{edge}")
            if len(bounds) == 2:
                _require(bounds["start"] <= bounds["end"], source, where_w, "start is after end")
    for i, agent in enumerate(out["agents"]):
        runs_as = agent.get("runs_as", [])
        _require(
            isinstance(runs_as, list) and all(isinstance(a, str) for a in runs_as),
            source,
            f"{prefix}agents[{i}].runs_as",
            "expected a list of ARNs",
        )
    return out


def _timestamp(value: Any, source: str, field: str) -> datetime:
    """ISO 8601 (with `Z` or an offset; no zone means UTC); anything else is an error naming the field."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise IngestError(source, field, f"expected an ISO 8601 time such as 2026-11-30T08:00:00Z, got {value!r}")


def _check_records(records: list[Any], source: str, field: str) -> list[dict[str, Any]]:
    """Every CloudTrail record names its API call and when it happened; without those it is not evidence."""
    for i, record in enumerate(records):
        where = f"{field}[{i}]"
        _require(isinstance(record, dict), source, where, "expected a CloudTrail record object")
        if "CloudTrailEvent" in record:  # lookup-events: the record is a JSON string inside
            continue
        _require(isinstance(record.get("eventName"), str), source, f"{where}.eventName", "missing")
        if record.get("eventTime") is not None:  # test records may omit it
            _timestamp(record["eventTime"], source, f"{where}.eventTime")
        identity = record.get("userIdentity")
        _require(
            identity is None or isinstance(identity, dict),
            source,
            f"{where}.userIdentity",
            "expected an object",
        )
    return records


def _cloudtrail_records(doc: Any, source: str) -> list[dict[str, Any]]:
    if isinstance(doc, list):
        return _check_records([_wrapped_event(x) or x for x in doc], source, "(records)")
    if isinstance(doc.get("Records"), list):
        return _check_records(_check_list_of_objects(doc["Records"], source, "Records"), source, "Records")
    events = _check_list_of_objects(doc["Events"], source, "Events")
    return events  # lookup-events output: each has CloudTrailEvent (a JSON string), expanded later


def to_bundle(doc: Any, source: str) -> dict[str, Any]:
    """Any supported input document -> a normalised bundle."""
    kind = classify(doc)
    if kind == "bundle":
        return normalize_bundle(doc, source)
    if kind == "gaad":
        norm = normalize_gaad(doc, source)
        acct = gaad_account(norm, source)
        if acct is None:
            raise IngestError(
                source, "(top level)", "no user, group, role or customer policy ARN names the account"
            )
        bundle = empty_bundle()
        bundle["authorization_details"][acct] = norm
        return bundle
    if kind == "manifest":
        bundle = empty_bundle()
        bundle["agents_manifest"] = normalize_manifest(doc, source)
        return bundle
    if kind == "cloudtrail":
        bundle = empty_bundle()
        bundle["cloudtrail"] = _cloudtrail_records(doc, source)
        return bundle
    raise IngestError(
        source,
        "(top level)",
        "not a GAAD export, an agentpath bundle, an agents manifest or a CloudTrail log "
        "(expected UserDetailList/RoleDetailList/..., authorization_details, agents/people, or Records)",
    )


def _merge_by(items_a: list[dict[str, Any]], items_b: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    merged = {str(i.get(key)): i for i in items_a}
    for item in items_b:
        merged[str(item.get(key))] = item
    return list(merged.values())


def _event_key(event: dict[str, Any]) -> str:
    return str(event.get("eventID") or event.get("EventId") or id(event))


def merge_run(bundles: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge the files of one ingest run: pages of one account merge entry by entry."""
    out = empty_bundle()
    for b in bundles:
        for acct, gaad in b.get("authorization_details", {}).items():
            prev = out["authorization_details"].get(acct)
            out["authorization_details"][acct] = merge_gaad(prev, gaad) if prev else gaad
        _overlay_extras(out, b)
    return out


def overlay(previous: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A new run over the stored state: an account in the new run replaces that account's old snapshot
    (so entities deleted in AWS disappear); accounts not in the new run are kept."""
    out = {**previous, "authorization_details": dict(previous.get("authorization_details", {}))}
    out["authorization_details"].update(new.get("authorization_details", {}))
    _overlay_extras(out, new)
    return out


def _overlay_extras(out: dict[str, Any], b: dict[str, Any]) -> None:
    if "organization" in b:
        out["organization"] = b["organization"]
    if "collected_at" in b:
        out["collected_at"] = b["collected_at"]
    for key, id_field in (
        ("resource_policies", "arn"),
        ("identity_providers", "arn"),
        ("sessions", "session_arn"),
        ("accounts", "id"),
        ("credential_report", "arn"),
    ):
        if key in b:
            out[key] = _merge_by(out.get(key, []), b[key], id_field)
    if "agents_manifest" in b:
        prev = out.get("agents_manifest") or {}
        merged = dict(prev)
        for key in ("people", "teams", "agents", "tasks", "accounts"):
            if key in b["agents_manifest"]:
                merged[key] = _merge_by(prev.get(key, []), b["agents_manifest"][key], "id")
        out["agents_manifest"] = merged
    if "agent_resources" in b:
        res = dict(out.get("agent_resources") or {})
        res.update(b["agent_resources"])
        out["agent_resources"] = res
    if "cloudtrail" in b:
        events = {_event_key(e): e for e in out.get("cloudtrail", [])}
        for e in b["cloudtrail"]:
            events[_event_key(e)] = e
        out["cloudtrail"] = list(events.values())
    if "incomplete" in b:
        out["incomplete"] = b["incomplete"]

"""CloudTrail ingest: which records become privilege events, what each links to, and every file shape.

Shapes: a log file (`Records`, gzip or plain), a folder of them, `lookup-events` output (each record a JSON
string), and bare lists. The real records in ../shared/data/cloudtrail are read at test time (never copied
into the repository) and must ingest without error and produce PrivilegeEvent nodes.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

from graph_model.cloudtrail import (
    IdentityIndex,
    access_keys,
    expand_records,
    normalize_api,
    privilege_events,
)
from graph_model.snapshot import Snapshot
from ingest.demo import (
    account_trust,
    allow,
    assume_role_event,
    bundle,
    document,
    event,
    gaad,
    iam_user_identity,
    role,
    role_arn,
    service_trust,
    session_identity,
    user,
    user_arn,
)
from ingest.transform import build_snapshot
from ui.cli import main

A = "121212121212"
SHARED = Path(os.environ.get("AGENTPATH_SHARED", Path(__file__).resolve().parents[2] / "shared"))
REAL = SHARED / "data" / "cloudtrail"
DEV = iam_user_identity(A, "dev", "AKIADEV0000000000001")


def iam() -> dict[str, Any]:
    return gaad(roles=[role(A, "app-role", account_trust(A), path="/apps/"),
                       role(A, "web-role", service_trust("ec2.amazonaws.com"),
                            instance_profiles=["web-profile"]),
                       role(A, "cfn-role", service_trust("cloudformation.amazonaws.com"))],
                users=[user(A, "dev", inline={"a": document(allow("sts:AssumeRole"))})])


def records() -> list[dict[str, Any]]:
    dev = DEV
    app = session_identity(A, "app-role", "run-1", key="ASIAAPP", path="/apps/",
                           source_identity="dev@example.com")
    return [
        assume_role_event("e-assume", "2026-03-01T10:00:00Z", dev, role_arn(A, "app-role", "/apps/"), "run-1",
                          account=A, new_key="ASIAAPP"),
        event("e-fn", "CreateFunction20150331", "2026-03-01T10:01:00Z", app, source="lambda.amazonaws.com",
              account=A,
              request={"functionName": "f", "role": role_arn(A, "app-role", "/apps/")}),
        event("e-run", "RunInstances", "2026-03-01T10:02:00Z", app, source="ec2.amazonaws.com", account=A,
              request={"instanceType": "t3.micro",
                       "iamInstanceProfile": {"arn": f"arn:aws:iam::{A}:instance-profile/web-profile"}}),
        event("e-run-plain", "RunInstances", "2026-03-01T10:03:00Z", app, source="ec2.amazonaws.com",
              account=A,
              request={"instanceType": "t3.micro"}),
        event("e-stack", "CreateStack", "2026-03-01T10:04:00Z", app, source="cloudformation.amazonaws.com",
              account=A, request={"stackName": "s", "roleARN": role_arn(A, "cfn-role")}),
        event("e-stack-plain", "CreateStack", "2026-03-01T10:05:00Z", app,
              source="cloudformation.amazonaws.com",
              account=A, request={"stackName": "s"}),
        event("e-put", "PutRolePolicy", "2026-03-01T10:06:00Z", app, account=A,
              request={"roleName": "app-role", "policyName": "more", "policyDocument": "{}"}),
        event("e-attach", "AttachUserPolicy", "2026-03-01T10:07:00Z", dev, account=A,
              request={"userName": "dev", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
        event("e-key", "CreateAccessKey", "2026-03-01T10:08:00Z", dev, account=A,
              response={"accessKey": {"userName": "dev", "accessKeyId": "AKIANEWKEY", "status": "Active"}}),
        event("e-login", "UpdateLoginProfile", "2026-03-01T10:09:00Z", dev, account=A,
              request={"userName": "dev"}),
        event("e-read", "GetRole", "2026-03-01T10:10:00Z", dev, account=A, request={"roleName": "app-role"}),
        event("e-list", "ListUsers", "2026-03-01T10:11:00Z", dev, account=A),
        event("e-denied", "CreateUser", "2026-03-01T10:12:00Z", app, account=A, request={"userName": "x"},
              error="AccessDenied"),
    ]


def snapshot(recs: list[dict[str, Any]] | None = None) -> Snapshot:
    return build_snapshot(bundle({A: iam()}, cloudtrail=recs if recs is not None else records()))


def by_id() -> dict[str, Any]:
    return {e.event_id: e for e in privilege_events(snapshot())}


def test_api_version_suffixes_are_stripped() -> None:
    assert normalize_api("CreateFunction20150331") == "CreateFunction"
    assert normalize_api("UpdateFunctionConfiguration20150331v2") == "UpdateFunctionConfiguration"
    assert normalize_api("AssumeRole") == "AssumeRole"


def test_only_privilege_events_are_kept() -> None:
    events = by_id()
    assert set(events) == {"e-assume", "e-fn", "e-run", "e-stack", "e-put", "e-attach", "e-key", "e-login",
                           "e-denied"}
    assert events["e-fn"].action == "lambda:CreateFunction" and events["e-fn"].category == "passrole"
    assert events["e-denied"].succeeded is False and events["e-denied"].error_code == "AccessDenied"


def test_each_event_links_to_what_it_granted() -> None:
    events = by_id()
    app = role_arn(A, "app-role", "/apps/")
    assert events["e-assume"].targets == [app] and events["e-assume"].new_session.endswith("/app-role/run-1")
    assert events["e-fn"].passed_roles == [app]
    assert events["e-run"].passed_roles == [role_arn(A, "web-role")]  # through the instance profile
    assert events["e-stack"].passed_roles == [role_arn(A, "cfn-role")]
    assert events["e-put"].targets == [app]  # the role name resolves to the ARN with its path
    assert events["e-put"].policies == [f"{app}#inline/more"]
    assert events["e-attach"].policies == ["arn:aws:iam::aws:policy/AdministratorAccess"]
    assert events["e-key"].targets == [user_arn(A, "dev")] and events["e-key"].new_access_key == "AKIANEWKEY"


def test_identity_proof_follows_the_session() -> None:
    events = by_id()
    actor = events["e-fn"].actor
    assert actor.type == "AssumedRole" and actor.principal == role_arn(A, "app-role", "/apps/")
    assert actor.session_name == "run-1" and actor.source_identity == "dev@example.com"
    assert actor.key_type == "temporary"
    assert events["e-attach"].actor.key_type == "long-term"


def test_lookup_events_output_is_expanded() -> None:
    wrapped = [{"EventId": r["eventID"], "EventName": r["eventName"], "CloudTrailEvent": json.dumps(r)}
               for r in records()]
    assert [r["eventID"] for r in expand_records(wrapped)] == [r["eventID"] for r in records()]
    assert {e.event_id for e in privilege_events(snapshot(wrapped))} == set(by_id())


def test_malformed_records_are_skipped_not_fatal() -> None:
    odd: list[Any] = [{"eventName": "CreateRole"}, {"eventName": "AssumeRole",
                                                    "eventSource": "sts.amazonaws.com",
                                                   "userIdentity": None, "requestParameters": None},
                      {"CloudTrailEvent": "{not json"}, 7, {"eventName": None},
                      {"eventName": "RunInstances", "eventSource": "ec2.amazonaws.com",
                       "requestParameters": {"iamInstanceProfile": "oops"}}]
    events = privilege_events(snapshot(odd))
    assert [e.api for e in events] == ["AssumeRole"]


def test_access_keys_from_the_trail_and_the_credential_report() -> None:
    recs = records() + [event("e-del", "DeleteAccessKey", "2026-03-02T00:00:00Z", DEV,
                              account=A, request={"userName": "dev", "accessKeyId": "AKIANEWKEY"})]
    snap = snapshot(recs)
    keys = access_keys(snap, privilege_events(snap))
    # AKIANEWKEY was deleted; AKIADEV... signed calls and was never deleted.
    assert keys[user_arn(A, "dev")].active and keys[user_arn(A, "dev")].keys == ("AKIADEV0000000000001",)
    report = [{"arn": user_arn(A, "dev"), "access_key_1_active": "false", "access_key_2_active": "false"}]
    assert not access_keys(snap, privilege_events(snap), report)[user_arn(A, "dev")].active


def test_identity_index_resolves_paths_and_instance_profiles() -> None:
    index = IdentityIndex(snapshot())
    assert index.canonical(f"arn:aws:iam::{A}:role/app-role") == role_arn(A, "app-role", "/apps/")
    profile = f"arn:aws:iam::{A}:instance-profile/web-profile"
    assert index.roles_of_profile(profile) == [role_arn(A, "web-role")]


# --- files through the CLI ----------------------------------------------------------------------------------
def count_events(store: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["--store", store, "query", "privilege_events", "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_gzip_files_folders_and_lookup_events(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "iam.json").write_text(json.dumps(bundle({A: iam()})))
    logs = tmp_path / "AWSLogs" / A / "CloudTrail" / "us-east-1"
    logs.mkdir(parents=True)
    recs = records()
    (logs / "one.json.gz").write_bytes(gzip.compress(json.dumps({"Records": recs[:6]}).encode()))
    (logs / "two.json").write_text(json.dumps({"Records": recs[6:9]}))
    lookup = {"Events": [{"EventId": r["eventID"], "CloudTrailEvent": json.dumps(r)} for r in recs[9:]]}
    (tmp_path / "lookup.json").write_text(json.dumps(lookup))
    store = f"embedded:{tmp_path / 'store'}"
    assert main(["--store", store, "ingest", str(tmp_path / "iam.json"), str(tmp_path / "AWSLogs"),
                 str(tmp_path / "lookup.json")]) == 0
    rows = count_events(store, capsys)
    assert {r["event_id"] for r in rows} == set(by_id())
    fn = next(r for r in rows if r["event_id"] == "e-fn")
    assert fn["event_name"] == "CreateFunction20150331" and fn["action"] == "lambda:CreateFunction"
    assert fn["principal"] == role_arn(A, "app-role", "/apps/")
    capsys.readouterr()
    assert main(["--store", store, "query", "privilege_event_links", "--format", "json"]) == 0
    links = json.loads(capsys.readouterr().out)
    assert {"performer": role_arn(A, "app-role", "/apps/"), "event_id": "e-fn",
            "granted": role_arn(A, "app-role", "/apps/")} in links
    assert {"performer": user_arn(A, "dev"), "event_id": "e-attach",
            "granted": user_arn(A, "dev")} in links


def _real_files() -> list[Path]:
    if not REAL.is_dir():
        pytest.skip(f"the real CloudTrail records are absent: {REAL} (set AGENTPATH_SHARED)")
    return sorted(REAL.rglob("*.json"))


def test_real_cloudtrail_records_ingest_and_produce_privilege_events(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _real_files()
    inputs: list[str] = []
    expected_names: set[str] = set()
    for path in files:
        doc = json.loads(path.read_text())
        if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "event" in doc[0]:
            # Panther's detection-rule fixtures wrap each record: hand over the records as a log file would.
            doc = {"Records": [item["event"] for item in doc]}
            path = tmp_path / f"unwrapped-{path.name}"
            path.write_text(json.dumps(doc))
        recs = doc["Records"] if isinstance(doc, dict) else doc
        expected_names |= {normalize_api(r.get("eventName", "")) for r in recs}
        inputs.append(str(path))
    store = f"embedded:{tmp_path / 'store'}"
    assert main(["--store", store, "ingest", *inputs]) == 0, capsys.readouterr().err
    rows = count_events(store, capsys)
    names = {r["event_name"] for r in rows}
    assert len(rows) >= 25
    # The privilege calls these captures are known for are all there, with their identity.
    for name in ("AssumeRole", "CreateRole", "AttachRolePolicy", "CreateUser", "AttachUserPolicy",
                 "CreateAccessKey",
                 "UpdateAssumeRolePolicy", "CreateLoginProfile", "UpdateLoginProfile", "PutUserPolicy"):
        assert name in names, name
    assert {"GetSecretValue", "DescribeInstances", "ConsoleLogin"} & names == set()
    assert all(r["principal"] or r["actor_arn"] for r in rows if r["event_name"] != "AssumeRole")
    run = [r for r in rows if r["event_name"] == "RunInstances"]
    assert run and all(r["category"] == "passrole" for r in run)
    event_id = next(r["event_id"] for r in rows if r["event_name"] == "CreateRole")
    capsys.readouterr()
    assert main(["--store", store, "trail", event_id, "--format", "json"]) == 0
    trail = json.loads(capsys.readouterr().out)
    assert trail["privilege_event"]["event_name"] == "CreateRole"
    assert trail["classification"] in ("design", "misconfiguration", "control-failure")

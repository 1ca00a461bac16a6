"""Throttling, denied regions, unreachable endpoints, paginated GAAD and interrupted writes.

Faults come from a small HTTP proxy in front of the moto server that answers chosen requests with the error
bodies AWS sends; botocore parses them and applies its real (adaptive) retry policy. Pagination of GAAD,
which moto never paginates, is driven with botocore's Stubber.
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "collect"))
import collect_testkit as kit  # noqa: E402

from ingest.collect.agents import collect_region  # noqa: E402
from ingest.collect.api import Api, CallRecorder  # noqa: E402
from ingest.collect.bundle_writer import write_bundle  # noqa: E402
from ingest.collect.iam import GAAD_FILTERS, collect_authorization_details  # noqa: E402
from ingest.collect.session import ClientFactory, client_config  # noqa: E402

MGMT = kit.MGMT
NO_AGENT_PLATFORMS = ["--skip-service", "bedrock-agent", "--skip-service", "bedrock-agentcore-control"]


@pytest.fixture(scope="session")
def world() -> kit.World:
    return kit.world()


@pytest.fixture()
def proxy(world: kit.World) -> Iterator[kit.FaultProxy]:
    fault = kit.FaultProxy(world.url)
    yield fault
    fault.close()


def _collect(proxy: kit.FaultProxy, tmp_path: Path, *extra: str) -> kit.Run:
    return kit.run_collect(
        ["--profile", kit.PROFILE, "--endpoint-url", proxy.url, *extra],
        tmp_path / "bundle.json",
        kit.aws_config(tmp_path),
    )


def test_throttling_is_retried_until_the_bundle_is_complete(proxy: kit.FaultProxy, tmp_path: Path) -> None:
    gaad = proxy.add(
        lambda r: r.action == "GetAccountAuthorizationDetails",
        kit.query_error("Throttling", "Rate exceeded"),
        times=3,
    )
    functions = proxy.add(
        lambda r: r.service == "lambda" and r.path.startswith("/2015-03-31/functions"),
        kit.rest_json_error("TooManyRequestsException", "Rate exceeded", 429),
        times=2,
    )
    roots = proxy.add(
        lambda r: r.action == "ListRoots",
        (
            400,
            json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode(),
            {"Content-Type": "application/x-amz-json-1.1"},
        ),
        times=1,
    )
    run = _collect(proxy, tmp_path, *NO_AGENT_PLATFORMS)
    bundle = run.bundle
    assert run.rc == 0, run.stderr
    assert (gaad.hits, functions.hits, roots.hits) == (3, 2, 1)  # every injected throttle was answered
    assert bundle["incomplete"] == [] and run.stdout.rstrip().endswith("; complete")
    assert bundle["collector"]["retries"][MGMT] == {
        "iam:GetAccountAuthorizationDetails": 3,
        "lambda:ListFunctions": 2,
        "organizations:ListRoots": 1,
    }
    assert bundle["collector"]["calls"][MGMT]["iam:GetAccountAuthorizationDetails"] == 1  # one logical call
    assert {u["UserName"] for u in bundle["authorization_details"][MGMT]["UserDetailList"]} >= {
        "dev",
        "intern",
    }
    assert [f["FunctionName"] for f in bundle["agent_resources"]["lambda_functions"]] == ["report-agent"]
    assert bundle["organization"]["management_account_id"] == MGMT


def test_access_denied_region_is_recorded_and_the_run_goes_on(proxy: kit.FaultProxy, tmp_path: Path) -> None:
    denied = proxy.add(
        lambda r: r.service == "lambda" and r.region == "eu-west-1",
        kit.rest_json_error("AccessDeniedException", "explicit deny in an SCP", 403),
    )
    run = _collect(proxy, tmp_path, "--regions", "us-east-1", "eu-west-1", *NO_AGENT_PLATFORMS)
    assert run.rc == 0
    assert run.output.exists()
    bundle = run.bundle
    assert bundle["incomplete"] == [
        {
            "account_id": MGMT,
            "region": "eu-west-1",
            "service": "lambda",
            "operation": "ListFunctions",
            "error": "AccessDeniedException: explicit deny in an SCP",
        }
    ]
    assert denied.hits == 1  # access denied is not retried
    assert run.stdout.rstrip().endswith(
        f"INCOMPLETE (1): {MGMT} eu-west-1 lambda:ListFunctions (AccessDeniedException)"
    )
    assert [f["FunctionName"] for f in bundle["agent_resources"]["lambda_functions"]] == ["report-agent"]
    assert MGMT in bundle["authorization_details"]


def test_region_not_enabled_is_a_gap_per_service(proxy: kit.FaultProxy, tmp_path: Path) -> None:
    """Opt-in regions that are not enabled answer every call with UnrecognizedClientException."""
    proxy.add(
        lambda r: r.region == "ap-east-1",
        kit.rest_json_error(
            "UnrecognizedClientException", "The security token included in the request is invalid.", 403
        ),
    )
    run = _collect(proxy, tmp_path, "--regions", "ap-east-1", "--skip-service", "organizations")
    bundle = run.bundle
    assert run.rc == 0
    assert sorted(
        (g["region"], g["service"], g["operation"], g["error"].split(":")[0]) for g in bundle["incomplete"]
    ) == [
        ("ap-east-1", "bedrock-agent", "ListAgents", "UnrecognizedClientException"),
        ("ap-east-1", "bedrock-agentcore-control", "ListAgentRuntimes", "UnrecognizedClientException"),
        ("ap-east-1", "lambda", "ListFunctions", "UnrecognizedClientException"),
    ]
    assert "INCOMPLETE (3)" in run.stdout
    assert bundle["authorization_details"][MGMT]["UserDetailList"]  # IAM is global: still read


def test_member_role_that_cannot_be_assumed_is_a_gap(
    world: kit.World, proxy: kit.FaultProxy, tmp_path: Path
) -> None:
    proxy.add(
        lambda r: r.action == "AssumeRole",
        kit.query_error("AccessDenied", "not authorized to perform: sts:AssumeRole", 403),
    )
    run = _collect(
        proxy,
        tmp_path,
        "--org",
        "--member-role-name",
        "audit-ro",
        *NO_AGENT_PLATFORMS,
        "--skip-service",
        "lambda",
    )
    bundle = run.bundle
    assert run.rc == 0
    assert list(bundle["authorization_details"]) == [MGMT]
    assert bundle["incomplete"] == [
        {
            "account_id": world.member_account,
            "region": "us-east-1",
            "service": "sts",
            "operation": "AssumeRole",
            "error": "AccessDenied: not authorized to perform: sts:AssumeRole",
            "resource": f"arn:aws:iam::{world.member_account}:role/audit-ro",
        }
    ]
    assert f"{world.member_account} us-east-1 sts:AssumeRole (AccessDenied)" in run.stdout


def test_no_readable_account_exits_1_but_keeps_the_bundle(proxy: kit.FaultProxy, tmp_path: Path) -> None:
    proxy.add(lambda r: r.service == "iam", kit.query_error("AccessDenied", "no iam", 403))
    run = _collect(
        proxy, tmp_path, "--skip-service", "organizations", *NO_AGENT_PLATFORMS, "--skip-service", "lambda"
    )
    assert run.rc == 1
    assert run.bundle["authorization_details"] == {}
    assert {g["operation"] for g in run.bundle["incomplete"]} == {
        "GetAccountAuthorizationDetails",
        "ListOpenIDConnectProviders",
    }


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_endpoint_is_a_gap_per_service() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    session = boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="y", region_name="eu-south-2"
    )
    clients = {
        svc: session.client(svc, endpoint_url=url, config=client_config(max_retries=0))
        for svc in ("bedrock-agent", "bedrock-agentcore-control", "lambda")
    }
    api = Api(CallRecorder(), MGMT)
    found = collect_region(api, clients)
    assert all(items == [] for items in found.values())
    assert [(g["region"], g["service"], g["error"].split(":")[0]) for g in api.incomplete] == [
        ("eu-south-2", "bedrock-agent", "EndpointConnectionError"),
        ("eu-south-2", "bedrock-agentcore-control", "EndpointConnectionError"),
        ("eu-south-2", "lambda", "EndpointConnectionError"),
    ]
    assert api.recorder.calls[MGMT] == {
        "bedrock:ListAgents": 1,
        "bedrock-agentcore:ListAgentRuntimes": 1,
        "lambda:ListFunctions": 1,
    }


def _gaad_page(**lists: Any) -> dict[str, Any]:
    return {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": [], **lists}


def test_every_gaad_page_of_every_filter_is_merged() -> None:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    trust = {"Version": "2012-10-17", "Statement": []}
    iam = boto3.client("iam", aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
    pages = [
        _gaad_page(
            UserDetailList=[
                {
                    "UserName": "a",
                    "Arn": f"arn:aws:iam::{MGMT}:user/a",
                    "UserId": "AIDAEXAMPLEUSER001",
                    "Path": "/",
                    "AttachedManagedPolicies": [
                        {
                            "PolicyName": "ReadOnlyAccess",
                            "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                        }
                    ],
                }
            ],
            IsTruncated=True,
            Marker="m1",
        ),
        _gaad_page(
            RoleDetailList=[
                {
                    "RoleName": "r",
                    "Arn": f"arn:aws:iam::{MGMT}:role/r",
                    "RoleId": "AROAEXAMPLEROLE001",
                    "Path": "/",
                    "AssumeRolePolicyDocument": json.dumps(trust),
                }
            ],
            IsTruncated=True,
            Marker="m2",
        ),
        _gaad_page(
            Policies=[  # as moto sends them: no PolicyName, no PolicyId, unused AWS-managed included
                {
                    "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                    "DefaultVersionId": "v1",
                    "PolicyVersionList": [
                        {"Document": json.dumps(doc), "VersionId": "v1", "IsDefaultVersion": True}
                    ],
                },
                {
                    "Arn": "arn:aws:iam::aws:policy/AmazonEC2FullAccess",
                    "DefaultVersionId": "v1",
                    "PolicyVersionList": [
                        {"Document": json.dumps(doc), "VersionId": "v1", "IsDefaultVersion": True}
                    ],
                },
            ],
            IsTruncated=False,
        ),
    ]
    with Stubber(iam) as stub:
        for page, marker in zip(pages, (None, "m1", "m2"), strict=True):
            expected: dict[str, Any] = {"Filter": GAAD_FILTERS, "MaxItems": 1000}
            if marker:
                expected["Marker"] = marker
            stub.add_response("get_account_authorization_details", page, expected)
        api = Api(CallRecorder(), MGMT)
        gaad = collect_authorization_details(api, iam)
        stub.assert_no_pending_responses()
    assert [u["UserName"] for u in gaad["UserDetailList"]] == ["a"]
    assert [r["RoleName"] for r in gaad["RoleDetailList"]] == ["r"]
    assert [(p["PolicyName"], p["Path"]) for p in gaad["Policies"]] == [("ReadOnlyAccess", "/")]
    assert gaad["Policies"][0]["PolicyVersionList"][0]["Document"] == doc
    assert "IsTruncated" not in gaad and "Marker" not in gaad
    assert api.recorder.calls[MGMT] == {"iam:GetAccountAuthorizationDetails": 3}


def test_interrupted_write_leaves_the_previous_bundle_intact(tmp_path: Path) -> None:
    target = tmp_path / "bundle.json"
    write_bundle({"format": "agentpath-bundle/1", "authorization_details": {}}, target)
    before = target.read_text()
    with pytest.raises(TypeError):
        write_bundle({"format": "agentpath-bundle/1", "authorization_details": {"x": object()}}, target)
    assert target.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["bundle.json"]


def test_a_region_without_the_service_is_detected_before_any_call() -> None:
    """Without an emulator endpoint, a regional host with no DNS record is a gap found in one lookup, instead
    of minutes of retried connection errors."""
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="y")
    factory = ClientFactory()
    missing = factory.client(session, "bedrock-agentcore-control", "xx-nowhere-1")
    assert factory.endpoint_missing(missing) is True
    emulated = ClientFactory(endpoint_url="http://127.0.0.1:1")
    assert emulated.endpoint_missing(emulated.client(session, "lambda", "xx-nowhere-1")) is False

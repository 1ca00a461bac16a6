"""agents.py on Bedrock Agents and AgentCore responses built from the shared botocore API models.

moto 5.2.5 implements only ListAgents/GetAgent and the agent-runtime calls (ListAgentCollaborators and
ListWorkloadIdentities answer HTTP 500), so these calls are driven with botocore's Stubber. Every response
is synthesised from the model JSON in ../shared/data/ai-agents/botocore-models at test time (required
members typed from the model, plus the identity fields under test, which must exist in the model), and
Stubber validates it against botocore's own copy of the same model.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "collect"))
import collect_testkit as kit  # noqa: E402

from ingest.collect.agents import REDACTED, collect_agentcore, collect_bedrock_agents, collect_region  # noqa: E402
from ingest.collect.api import Api, CallRecorder  # noqa: E402

pytestmark = pytest.mark.skipif(
    not kit.MODELS.is_dir(), reason="../shared/data/ai-agents/botocore-models absent"
)

ACCOUNT = "111122223333"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def agent_model() -> dict[str, Any]:
    return kit.load_model("bedrock-agent-2023-06-05")


@pytest.fixture(scope="module")
def core_model() -> dict[str, Any]:
    return kit.load_model("bedrock-agentcore-control-2023-06-05")


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")


def _role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def _agent(model: dict[str, Any], agent_id: str, role: str, collaboration: str) -> dict[str, Any]:
    return kit.synth(
        model,
        "Agent",
        {
            "agentId": agent_id,
            "agentName": agent_id.lower(),
            "agentVersion": "DRAFT",
            "agentArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:agent/{agent_id}",
            "agentResourceRoleArn": role,
            "agentCollaboration": collaboration,
            "foundationModel": "anthropic.claude",
        },
    )


def _summary(model: dict[str, Any], agent_id: str, latest: str) -> dict[str, Any]:
    return kit.synth(
        model,
        "AgentSummary",
        {"agentId": agent_id, "agentName": agent_id.lower(), "latestAgentVersion": latest},
    )


def _collaborator(model: dict[str, Any], agent_id: str, version: str, alias: str) -> dict[str, Any]:
    return kit.synth(
        model,
        "AgentCollaboratorSummary",
        {
            "agentId": agent_id,
            "agentVersion": version,
            "collaboratorId": "COLLAB0001",
            "collaboratorName": "remediation",
            "agentDescriptor": {"aliasArn": alias},
        },
    )


def test_bedrock_agents_all_pages_with_collaborators_per_version(agent_model: dict[str, Any]) -> None:
    alias = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:agent-alias/REMEDIATE1/ALIASID001"
    client = _client("bedrock-agent")
    api = Api(CallRecorder(), ACCOUNT)
    with Stubber(client) as stub:
        stub.add_response(
            "list_agents",
            {"agentSummaries": [_summary(agent_model, "SUPERVIS01", "3")], "nextToken": "page-2"},
            {},
        )
        stub.add_response(
            "get_agent",
            {"agent": _agent(agent_model, "SUPERVIS01", _role("triage-exec"), "SUPERVISOR")},
            {"agentId": "SUPERVIS01"},
        )
        for version in ("DRAFT", "3"):  # the working draft and the latest numbered version
            stub.add_response(
                "list_agent_collaborators",
                {"agentCollaboratorSummaries": [_collaborator(agent_model, "SUPERVIS01", version, alias)]},
                {"agentId": "SUPERVIS01", "agentVersion": version},
            )
        stub.add_response(
            "list_agents",
            {"agentSummaries": [_summary(agent_model, "LONEAGENT1", "DRAFT")]},
            {"nextToken": "page-2"},
        )
        stub.add_response(
            "get_agent",
            {"agent": _agent(agent_model, "LONEAGENT1", _role("lone-exec"), "DISABLED")},
            {"agentId": "LONEAGENT1"},
        )
        agents, collaborators = collect_bedrock_agents(api, client)
        assert api.incomplete == []
        stub.assert_no_pending_responses()  # DISABLED collaboration: no collaborator call for LONEAGENT1
    assert [(a["agentId"], a["agentResourceRoleArn"]) for a in agents] == [
        ("SUPERVIS01", _role("triage-exec")),
        ("LONEAGENT1", _role("lone-exec")),
    ]
    assert [(c["agentVersion"], c["agentDescriptor"]["aliasArn"]) for c in collaborators] == [
        ("DRAFT", alias),
        ("3", alias),
    ]
    assert api.recorder.calls[ACCOUNT] == {
        "bedrock:ListAgents": 2,
        "bedrock:GetAgent": 2,
        "bedrock:ListAgentCollaborators": 2,
    }
    for agent in agents:  # kept in GetAgent's own shape: no key the model does not define
        assert set(agent) <= kit.members(agent_model, "Agent")
    for collaborator in collaborators:
        assert set(collaborator) <= kit.members(agent_model, "AgentCollaboratorSummary")


def test_agentcore_runtimes_keep_roles_and_identities_but_not_secrets(core_model: dict[str, Any]) -> None:
    directory = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:workload-identity-directory/default"
    identity = f"{directory}/workload-identity/rem"
    client = _client("bedrock-agentcore-control")
    api = Api(CallRecorder(), ACCOUNT)
    runtime = kit.synth(
        core_model,
        "GetAgentRuntimeResponse",
        {
            "agentRuntimeId": "remediation-x1",
            "agentRuntimeArn": f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:runtime/remediation-x1",
            "roleArn": _role("remediation-exec"),
            "workloadIdentityDetails": {"workloadIdentityArn": identity},
            "environmentVariables": {"OPENAI_API_KEY": "sk-live-abc123", "LOG_LEVEL": "debug"},
        },
    )
    listed = kit.synth(core_model, "AgentRuntime", {"agentRuntimeId": "remediation-x1"})
    with Stubber(client) as stub:
        stub.add_response("list_agent_runtimes", {"agentRuntimes": [listed]}, {})
        stub.add_response("get_agent_runtime", runtime, {"agentRuntimeId": "remediation-x1"})
        stub.add_response(
            "list_workload_identities",
            {
                "workloadIdentities": [
                    kit.synth(
                        core_model, "WorkloadIdentityType", {"name": "rem", "workloadIdentityArn": identity}
                    )
                ],
                "nextToken": "n2",
            },
            {},
        )
        stub.add_response(
            "list_workload_identities",
            {
                "workloadIdentities": [
                    kit.synth(
                        core_model,
                        "WorkloadIdentityType",
                        {"name": "other", "workloadIdentityArn": identity + "2"},
                    )
                ]
            },
            {"nextToken": "n2"},
        )
        runtimes, identities = collect_agentcore(api, client)
        stub.assert_no_pending_responses()
    assert [(r["roleArn"], r["workloadIdentityDetails"]["workloadIdentityArn"]) for r in runtimes] == [
        (_role("remediation-exec"), identity)
    ]
    assert runtimes[0]["environmentVariables"] == {"OPENAI_API_KEY": REDACTED, "LOG_LEVEL": REDACTED}
    assert set(runtimes[0]) <= kit.members(core_model, "GetAgentRuntimeResponse")
    assert [i["name"] for i in identities] == ["rem", "other"]
    assert api.recorder.calls[ACCOUNT] == {
        "bedrock-agentcore:ListAgentRuntimes": 1,
        "bedrock-agentcore:GetAgentRuntime": 1,
        "bedrock-agentcore:ListWorkloadIdentities": 2,
    }


def test_a_failing_item_or_service_is_a_gap_and_the_rest_is_collected(
    agent_model: dict[str, Any], core_model: dict[str, Any]
) -> None:
    bedrock, core, lam = _client("bedrock-agent"), _client("bedrock-agentcore-control"), _client("lambda")
    api = Api(CallRecorder(), ACCOUNT)
    with Stubber(bedrock) as b, Stubber(core) as c, Stubber(lam) as lam_stub:
        b.add_response(
            "list_agents",
            {
                "agentSummaries": [
                    _summary(agent_model, "GONEAGENT1", "DRAFT"),
                    _summary(agent_model, "GOODAGENT1", "DRAFT"),
                ]
            },
            {},
        )
        b.add_client_error(
            "get_agent",
            "ResourceNotFoundException",
            "deleted meanwhile",
            404,
            expected_params={"agentId": "GONEAGENT1"},
        )
        b.add_response(
            "get_agent",
            {"agent": _agent(agent_model, "GOODAGENT1", _role("good"), "DISABLED")},
            {"agentId": "GOODAGENT1"},
        )
        c.add_client_error("list_agent_runtimes", "UnrecognizedClientException", "invalid token", 403)
        lam_stub.add_response(
            "list_functions",
            {
                "Functions": [
                    {
                        "FunctionName": "report",
                        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:report",
                        "Role": _role("report-exec"),
                        "Environment": {"Variables": {"DB_PASSWORD": "hunter2"}},
                    }
                ]
            },
            {},
        )
        lam_stub.add_response(
            "list_tags",
            {"Tags": {"agentpath:agent": "report"}},
            {"Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:report"},
        )
        found = collect_region(
            api, {"bedrock-agent": bedrock, "bedrock-agentcore-control": core, "lambda": lam}
        )
    assert [a["agentId"] for a in found["bedrock_agents"]] == ["GOODAGENT1"]
    assert found["agentcore_runtimes"] == [] and found["workload_identities"] == []
    assert found["lambda_functions"][0]["Tags"] == {"agentpath:agent": "report"}
    assert found["lambda_functions"][0]["Environment"]["Variables"] == {"DB_PASSWORD": REDACTED}
    assert api.incomplete == [
        {
            "account_id": ACCOUNT,
            "region": REGION,
            "service": "bedrock-agent",
            "operation": "GetAgent",
            "error": "ResourceNotFoundException: deleted meanwhile",
            "resource": "agent/GONEAGENT1",
        },
        {
            "account_id": ACCOUNT,
            "region": REGION,
            "service": "bedrock-agentcore-control",
            "operation": "ListAgentRuntimes",
            "error": "UnrecognizedClientException: invalid token",
        },
    ]


def test_identity_fields_used_by_the_collector_exist_in_the_models(
    agent_model: dict[str, Any], core_model: dict[str, Any]
) -> None:
    """The fields the bundle format names (BUNDLE_FORMAT.md `agent_resources`) are real API fields."""
    assert {"agentId", "agentArn", "agentResourceRoleArn", "agentCollaboration"} <= kit.members(
        agent_model, "Agent"
    )
    assert {"agentId", "collaboratorName", "agentDescriptor"} <= kit.members(
        agent_model, "AgentCollaboratorSummary"
    )
    assert {
        "agentRuntimeId",
        "agentRuntimeArn",
        "roleArn",
        "workloadIdentityDetails",
        "environmentVariables",
    } <= (kit.members(core_model, "GetAgentRuntimeResponse"))
    assert {"name", "workloadIdentityArn"} <= kit.members(core_model, "WorkloadIdentityType")
    ops = set(agent_model["operations"]) | set(core_model["operations"])
    assert {
        "ListAgents",
        "GetAgent",
        "ListAgentCollaborators",
        "ListAgentRuntimes",
        "GetAgentRuntime",
        "ListWorkloadIdentities",
    } <= ops

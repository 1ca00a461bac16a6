"""Agent platforms in one region: Bedrock Agents, AgentCore runtimes and workload identities, Lambda.

Why: an AI agent acts with an IAM identity that its platform names (`agentResourceRoleArn` of a Bedrock
agent, `roleArn` and `workloadIdentityDetails` of an AgentCore runtime, `Role` of a Lambda function) and may
delegate to other agents (Bedrock collaborators). Items are kept in the API's own shapes (GetAgent,
ListAgentCollaborators, GetAgentRuntime, ListWorkloadIdentities, ListFunctions = GetFunctionConfiguration +
`Tags`) so the ingester can read them with the botocore models as the reference.

Secrets: Lambda `Environment.Variables` and AgentCore `environmentVariables` often hold credentials. A
bundle is shared and stored, so their values are replaced by "<redacted>" (names are kept: they can tell
what an agent uses).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ingest.collect.api import Api, CollectError

REDACTED = "<redacted>"
DRAFT = "DRAFT"
# Agents whose collaboration is explicitly disabled have no collaborators: skip the call.
NO_COLLABORATION = "DISABLED"

AGENT_RESOURCE_KEYS = (
    "bedrock_agents",
    "bedrock_agent_collaborators",
    "agentcore_runtimes",
    "workload_identities",
    "lambda_functions",
)


def empty_agent_resources() -> dict[str, list[dict[str, Any]]]:
    return {key: [] for key in AGENT_RESOURCE_KEYS}


def collect_bedrock_agents(api: Api, client: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(GetAgent items, ListAgentCollaborators items). Raises CollectError when agents cannot be listed.

    Collaborators are read for the DRAFT version (what the test alias runs) and for the latest numbered
    version when there is one (what aliases usually point at); a collaborator is kept once per agent version.
    """
    agents: list[dict[str, Any]] = []
    collaborators: list[dict[str, Any]] = []
    for page in api.pages(client, "ListAgents"):
        for summary in page.get("agentSummaries", []):
            agent_id = summary["agentId"]
            try:
                agent = api.call(client, "GetAgent", agentId=agent_id)["agent"]
            except CollectError as exc:
                api.gap(exc.about(f"agent/{agent_id}"))
                continue
            agents.append(agent)
            if agent.get("agentCollaboration") == NO_COLLABORATION:
                continue
            versions = [DRAFT]
            latest = summary.get("latestAgentVersion")
            if latest and latest != DRAFT:
                versions.append(latest)
            seen: set[tuple[str, str]] = set()
            for version in versions:
                try:
                    for collab_page in api.pages(client, "ListAgentCollaborators", agentId=agent_id,
                                                 agentVersion=version):
                        for item in collab_page.get("agentCollaboratorSummaries", []):
                            key = (str(item.get("agentVersion", version)), str(item.get("collaboratorId")))
                            if key not in seen:
                                seen.add(key)
                                collaborators.append(item)
                except CollectError as exc:
                    api.gap(exc.about(f"agent/{agent_id}/version/{version}"))
    return agents, collaborators


def collect_agentcore(api: Api, client: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(GetAgentRuntime items, ListWorkloadIdentities items). Raises CollectError if runtimes are unlisted.

    Workload identities are listed separately: a failure there is a gap and the runtimes are still returned.
    """
    runtimes: list[dict[str, Any]] = []
    for page in api.pages(client, "ListAgentRuntimes"):
        for summary in page.get("agentRuntimes", []):
            try:
                runtime = api.call(client, "GetAgentRuntime", agentRuntimeId=summary["agentRuntimeId"])
            except CollectError as exc:
                api.gap(exc.about(f"runtime/{summary['agentRuntimeId']}"))
                continue
            if runtime.get("environmentVariables"):
                runtime["environmentVariables"] = {k: REDACTED for k in runtime["environmentVariables"]}
            runtimes.append(runtime)
    identities: list[dict[str, Any]] = []
    try:
        for page in api.pages(client, "ListWorkloadIdentities"):
            identities.extend(page.get("workloadIdentities", []))
    except CollectError as exc:
        api.gap(exc)
    return runtimes, identities


def collect_lambda_functions(api: Api, client: Any) -> list[dict[str, Any]]:
    """ListFunctions items (the GetFunctionConfiguration shape) with their `Tags`. Raises CollectError."""
    functions: list[dict[str, Any]] = []
    for page in api.pages(client, "ListFunctions"):
        for function in page.get("Functions", []):
            variables = function.get("Environment", {}).get("Variables")
            if variables:
                function["Environment"]["Variables"] = {k: REDACTED for k in variables}
            try:
                tags = api.call(client, "ListTags", Resource=function["FunctionArn"])
                function["Tags"] = tags.get("Tags", {})
            except CollectError as exc:
                api.gap(exc.about(function["FunctionArn"]))
                function["Tags"] = {}
            functions.append(function)
    return functions


def _bedrock(api: Api, client: Any) -> dict[str, list[dict[str, Any]]]:
    agents, collaborators = collect_bedrock_agents(api, client)
    return {"bedrock_agents": agents, "bedrock_agent_collaborators": collaborators}


def _agentcore(api: Api, client: Any) -> dict[str, list[dict[str, Any]]]:
    runtimes, identities = collect_agentcore(api, client)
    return {"agentcore_runtimes": runtimes, "workload_identities": identities}


def _lambda(api: Api, client: Any) -> dict[str, list[dict[str, Any]]]:
    return {"lambda_functions": collect_lambda_functions(api, client)}


SERVICE_COLLECTORS: tuple[tuple[str, Callable[[Api, Any], dict[str, list[dict[str, Any]]]]], ...] = (
    ("bedrock-agent", _bedrock),
    ("bedrock-agentcore-control", _agentcore),
    ("lambda", _lambda),
)


def collect_region(api: Api, clients: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every agent platform of one region; `clients` maps a botocore service name to its client.

    A service missing from `clients` is skipped (the user skipped it). A service that fails is a gap; the
    others are still collected. One progress line per service says what was found and how many calls it took.
    """
    found = empty_agent_resources()
    for service, collect_service in SERVICE_COLLECTORS:
        client = clients.get(service)
        if client is None:
            continue
        before, clock = api.recorder.total(api.account_id), time.monotonic()
        try:
            items = collect_service(api, client)
        except CollectError as exc:
            api.gap(exc)
            continue
        found.update(items)
        counts = ", ".join(f"{len(v)} {k.replace('_', ' ')}" for k, v in items.items())
        calls = api.recorder.total(api.account_id) - before
        api.progress(f"{api.account_id} {client.meta.region_name} {service}: {counts} "
                     f"({calls} calls, {time.monotonic() - clock:.1f} s)")
    return found

"""The examples of shared/design/AGENTS_MANIFEST.md and BUNDLE_FORMAT.md, as written there, give the picture
their prose describes (re-typed here: the design folder is documentation, not test data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from graph_model.enrich import analyse_accountability
from ingest.demo import (
    ADMIN_ARN,
    account_trust,
    admin_policy,
    allow,
    bundle,
    document,
    gaad,
    role,
    role_arn,
    service_trust,
)
from ingest.transform import build_snapshot
from ui.cli import main

A = "111111111111"

MANIFEST_YAML = """
people:
  - id: alice@example.com          # the stable key: an e-mail address
    name: Alice Example
    team: payments-platform
  - id: bob@example.com
    name: Bob Example
    team: security-operations
teams:
  - id: payments-platform
    lead: alice@example.com
agents:
  - id: invoice-agent
    name: Invoice reconciliation agent
    kind: bedrock-agent
    platform_arn: arn:aws:bedrock:us-east-1:111111111111:agent/EXAMPLEAG1
    runs_as:
      - arn:aws:iam::111111111111:role/invoice-agent-exec
    owner: alice@example.com
    sponsor_team: payments-platform
    approver: bob@example.com
    monitored_by: bob@example.com
    purpose: Reconcile supplier invoices against payments
    allowed_actions: ["s3:GetObject", "dynamodb:PutItem"]
    task_window: { start: "2026-11-01T00:00:00Z", end: "2026-12-31T00:00:00Z" }
    revocation: Disable the agent alias and detach the role policy
    delegates_to:
      - agent: report-agent
        mechanism: bedrock-collaborator
    vendor_hosted: false
    break_glass: false
tasks:
  - id: CHG-1042
    agent: invoice-agent
    requested_by: alice@example.com
    approved_by: bob@example.com
    reason: Quarterly reconciliation
    window: { start: "2026-11-30T08:00:00Z", end: "2026-11-30T18:00:00Z" }
"""

AGENT_RESOURCES: dict[str, Any] = {
    "bedrock_agents": [{"agentId": "EXAMPLEAG1", "agentName": "triage",
                        "agentArn": "arn:aws:bedrock:us-east-1:111111111111:agent/EXAMPLEAG1",
                        "agentResourceRoleArn": "arn:aws:iam::111111111111:role/triage-exec",
                        "agentCollaboration": "SUPERVISOR"}],
    "bedrock_agent_collaborators": [{"agentId": "EXAMPLEAG1", "collaboratorName": "remediation",
                                     "agentDescriptor": {
        "aliasArn": "arn:aws:bedrock:us-east-1:111111111111:agent-alias/EXAMPLEAG2/ALIAS1"}}],
    "agentcore_runtimes": [{
        "agentRuntimeId": "remediation-x1",
        "agentRuntimeArn": "arn:aws:bedrock-agentcore:us-east-1:111111111111:runtime/remediation-x1",
        "roleArn": "arn:aws:iam::111111111111:role/remediation-exec",
        "workloadIdentityDetails": {"workloadIdentityArn": "arn:aws:bedrock-agentcore:us-east-1:111111111111:"
                                                           "workload-identity-directory/default/workload-identity/"
                                                           "remediation"}}],
    "lambda_functions": [{"FunctionName": "report-agent",
                          "FunctionArn": "arn:aws:lambda:us-east-1:111111111111:function:report-agent",
                          "Role": "arn:aws:iam::111111111111:role/report-agent-exec",
                          "Tags": {"agentpath:agent": "report-agent"}}],
}


def iam() -> dict[str, Any]:
    return gaad(roles=[
        role(A, "triage-exec", service_trust("bedrock.amazonaws.com")),
        role(A, "remediation-exec", service_trust("bedrock-agentcore.amazonaws.com"), inline={"fix": document(
            allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]))}),
        role(A, "report-agent-exec", service_trust("lambda.amazonaws.com")),
        role(A, "invoice-agent-exec", service_trust("bedrock.amazonaws.com"), path="/agents/"),
        role(A, "lambda-admin", service_trust("lambda.amazonaws.com"), managed=[ADMIN_ARN]),
        role(A, "ops", account_trust(A)),
    ], policies=[admin_policy()])


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("design-examples")
    (tmp / "bundle.json").write_text(json.dumps(bundle({A: iam()}, agent_resources=AGENT_RESOURCES)))
    (tmp / "agents.yaml").write_text(MANIFEST_YAML)
    return tmp


def test_the_merged_picture(files: Path) -> None:
    import yaml

    doc = bundle({A: iam()}, agent_resources=AGENT_RESOURCES, agents_manifest=yaml.safe_load(MANIFEST_YAML))
    acc = analyse_accountability(build_snapshot(doc))
    agents = acc.catalog.agents
    # The manifest's `platform_arn` and the inventory name the same Bedrock agent (EXAMPLEAG1), which the
    # inventory calls `triage`: one agent, with a conflict about the role it runs as.
    assert {"invoice-agent", "remediation", "report-agent"} <= set(agents) and "triage" not in agents
    assert agents["invoice-agent"].sources == ["manifest", "bedrock-agent"]
    assert acc.catalog.resolve("triage") == acc.catalog.resolve("EXAMPLEAG1") == "invoice-agent"
    assert set(agents["invoice-agent"].runs_as) == {role_arn(A, "invoice-agent-exec", "/agents/"),
                                                    role_arn(A, "triage-exec")}
    # The manifest writes the role without its path; the export's ARN is used.
    assert role_arn(A, "invoice-agent-exec", "/agents/") in agents["invoice-agent"].runs_as
    assert agents["remediation"].kind == "agentcore-runtime"
    assert agents["remediation"].runs_as == {role_arn(A, "remediation-exec"): ["agentcore-runtime"]}
    links = {(d.source, d.target): d.mechanism for d in acc.delegations}
    assert links[("invoice-agent", "report-agent")] == "bedrock-collaborator"
    assert links[("invoice-agent", "remediation")] == "bedrock-collaborator"  # matched by collaborator name
    assert any(c.kind == "runs-as-mismatch" and c.agent == "invoice-agent" for c in acc.catalog.conflicts)


def test_through_the_cli(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    uri = f"embedded:{files / 'store'}"
    assert main(["--store", uri, "ingest", str(files / "bundle.json"), str(files / "agents.yaml")]) == 0
    capsys.readouterr()
    assert main(["--store", uri, "query", "agents", "--format", "json"]) == 0
    agents = {a["id"]: a for a in json.loads(capsys.readouterr().out)}
    assert "EXAMPLEAG1" in agents["invoice-agent"]["aliases"]
    assert json.loads(agents["invoice-agent"]["conflicts"])[0]["kind"] == "runs-as-mismatch"
    capsys.readouterr()
    assert main(["--store", uri, "delegation", "--from", "triage", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # remediation-exec may invoke any function, so the chain goes on to the report agent.
    assert out == {"source": "invoice-agent", "chains": [
        [{"from": "invoice-agent", "to": "report-agent", "mechanism": "bedrock-collaborator"}],
        [{"from": "invoice-agent", "to": "remediation", "mechanism": "bedrock-collaborator"},
         {"from": "remediation", "to": "report-agent", "mechanism": "invoke-permission"}]]}
    assert main(["--store", uri, "paths", "--from", "remediation", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["reaches_admin"] is True
    assert [s["technique"] for s in report["paths"][0]["steps"]] == ["runs-as", "lambda-001"]

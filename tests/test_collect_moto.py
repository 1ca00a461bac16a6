"""`agentpath collect` against a real moto server holding a small organization (no mocks for IAM,
Organizations,
Lambda or STS): the bundle holds what a user needs to find the escalation paths of the accounts."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "collect"))
import collect_testkit as kit  # noqa: E402

from ingest.collect.policy import POLICY_FILE  # noqa: E402

MGMT = kit.MGMT
# Operations moto 5.2.5 answers with HTTP 500 ("not implemented"): they must be gaps, never a crash.
NO_AGENTS = ["--skip-service", "bedrock-agent", "--skip-service", "bedrock-agentcore-control"]
MOTO_GAPS = {
    ("bedrock-agent", "ListAgentCollaborators"),
    ("bedrock-agentcore-control", "ListWorkloadIdentities"),
}


@pytest.fixture(scope="session")
def world() -> kit.World:
    return kit.world()


@pytest.fixture(scope="session")
def org(world: kit.World, tmp_path_factory: pytest.TempPathFactory) -> kit.Run:
    return kit.org_run(tmp_path_factory.mktemp)


@pytest.fixture(scope="session")
def bundle(org: kit.Run) -> dict[str, Any]:
    return org.bundle


def _by(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


def test_org_run_writes_a_bundle_and_names_only_the_emulator_gaps(
    org: kit.Run, bundle: dict[str, Any]
) -> None:
    assert org.rc == 0, org.stderr
    assert bundle["format"] == "agentpath-bundle/1"
    assert bundle["collected_at"].endswith("Z")
    gaps = {(g["service"], g["operation"]) for g in bundle["incomplete"]}
    assert gaps == MOTO_GAPS
    assert all(g["error"].startswith("HTTP 500") and g["region"] == "us-east-1" for g in bundle["incomplete"])
    summary = org.stdout.strip().splitlines()[-1]
    listed = summary.split("account(s) [", 1)[1].split("]", 1)[0].split(", ")
    assert summary.startswith("agentpath collect: 2 account(s) [")
    # moto picks the member's id at random, so the order in the line is not fixed
    assert MGMT in listed and sorted(listed) == sorted(bundle["authorization_details"])
    assert f"INCOMPLETE ({len(bundle['incomplete'])})" in summary
    assert f"{MGMT} us-east-1 bedrock-agent:ListAgentCollaborators (HTTP 500)" in summary
    assert f"{MGMT} us-east-1 bedrock-agentcore-control:ListWorkloadIdentities (HTTP 500)" in summary


def test_organization_chains_and_guardrails(world: kit.World, bundle: dict[str, Any]) -> None:
    org = bundle["organization"]
    assert org["id"] == world.client("organizations").describe_organization()["Organization"]["Id"]
    assert org["management_account_id"] == MGMT
    chains = org["member_accounts"]
    assert chains[world.member_account] == [
        world.root_id,
        world.workloads_ou,
        world.prod_ou,
        world.member_account,
    ]
    assert chains[MGMT] == [world.root_id, MGMT]
    assert chains[world.closed_account] == [world.root_id, world.closed_account]
    accounts = {a["id"]: (a["name"], a["status"]) for a in bundle["accounts"]}
    assert accounts == {
        MGMT: ("master", "ACTIVE"),
        world.member_account: ("prod-app", "ACTIVE"),
        world.closed_account: ("old-sandbox", "SUSPENDED"),
    }
    policies = {(p["type"], p["name"]): p for p in org["policies"]}
    scp = policies[("SCP", "DenyLeaveOrg")]
    assert scp["targets"] == [world.workloads_ou]
    assert scp["document"]["Statement"][0] == {
        "Effect": "Deny",
        "Action": "organizations:LeaveOrganization",
        "Resource": "*",
    }
    rcp = policies[("RCP", "DataPerimeter")]
    assert rcp["targets"] == [world.prod_ou]
    assert rcp["document"]["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert ("SCP", "FullAWSAccess") in policies and ("RCP", "RCPFullAWSAccess") in policies

    def applies(policy: dict[str, Any], account: str) -> bool:
        return any(target in chains[account] for target in policy["targets"])

    assert applies(scp, world.member_account) and not applies(scp, MGMT)
    assert applies(rcp, world.member_account) and not applies(rcp, MGMT)


def test_member_accounts_are_read_through_the_read_only_role(
    world: kit.World, org: kit.Run, bundle: dict[str, Any]
) -> None:
    details = bundle["authorization_details"]
    assert set(details) == {MGMT, world.member_account}  # the SUSPENDED account is not attempted
    assert f"{world.closed_account} skipped: status SUSPENDED" in org.stderr
    member = details[world.member_account]
    assert [u["UserName"] for u in member["UserDetailList"]] == ["app-deployer"]
    assert "agentpath-readonly" in {r["RoleName"] for r in member["RoleDetailList"]}
    assert {p["PolicyName"] for p in member["Policies"]} == {"AmazonS3ReadOnlyAccess", "SecurityAudit"}
    calls = bundle["collector"]["calls"]
    assert calls[MGMT]["sts:AssumeRole"] == 1  # made by the caller, for the one ACTIVE member
    assert calls[world.member_account]["iam:GetAccountAuthorizationDetails"] == 1
    assert not any(action.startswith(("organizations:", "sts:")) for action in calls[world.member_account])


def test_gaad_is_merged_trimmed_and_named(bundle: dict[str, Any]) -> None:
    gaad = bundle["authorization_details"][MGMT]
    users = _by(gaad["UserDetailList"], "UserName")
    dev = users["dev"]
    assert dev["GroupList"] == ["developers"]
    inline = dev["UserPolicyList"][0]
    assert inline["PolicyName"] == "dev-lambda"
    assert inline["PolicyDocument"]["Statement"][0]["Resource"] == kit.ADMIN_ROLE
    roles = _by(gaad["RoleDetailList"], "RoleName")
    trust = roles["lambda-admin"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert roles["lambda-admin"]["AttachedManagedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    ]
    # moto lists ~1,600 AWS-managed policies; only the used ones stay, with names and paths derived from ARNs.
    policies = _by(gaad["Policies"], "Arn")
    aws_managed = {arn.split(":policy/")[1] for arn in policies if arn.startswith("arn:aws:iam::aws:")}
    assert aws_managed == {
        "AdministratorAccess",
        "IAMReadOnlyAccess",
        "SecurityAudit",
        "PowerUserAccess",
        "service-role/AWSLambdaBasicExecutionRole",
    }
    customer = {p["PolicyName"]: p["Path"] for arn, p in policies.items() if f":{MGMT}:" in arn}
    assert customer == {
        "deploy-policy": "/",
        "unused-customer-policy": "/",
        "intern-boundary": "/boundaries/",
    }
    basic = policies["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    assert (basic["PolicyName"], basic["Path"]) == ("AWSLambdaBasicExecutionRole", "/service-role/")
    assert all(p["PolicyName"] for p in policies.values())


def test_permissions_boundaries_are_present_with_their_documents(bundle: dict[str, Any]) -> None:
    gaad = bundle["authorization_details"][MGMT]
    roles = _by(gaad["RoleDetailList"], "RoleName")
    boundary_arn = f"arn:aws:iam::{MGMT}:policy/boundaries/intern-boundary"
    assert roles["contractor"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary_arn
    assert "PermissionsBoundary" not in roles["lambda-admin"]
    deployer = roles["ci-deployer"]
    assert (
        deployer["PermissionsBoundary"]["PermissionsBoundaryArn"] == "arn:aws:iam::aws:policy/PowerUserAccess"
    )
    policies = _by(gaad["Policies"], "Arn")
    power_user = policies["arn:aws:iam::aws:policy/PowerUserAccess"]  # kept although only a boundary
    default = next(
        v for v in power_user["PolicyVersionList"] if v["VersionId"] == power_user["DefaultVersionId"]
    )
    assert default["Document"]["Statement"][0]["NotAction"]
    assert policies[boundary_arn]["PolicyVersionList"][0]["Document"]["Statement"][0]["Action"] == [
        "s3:Get*",
        "s3:List*",
    ]


def test_instance_profiles_and_identity_providers(bundle: dict[str, Any]) -> None:
    roles = _by(bundle["authorization_details"][MGMT]["RoleDetailList"], "RoleName")
    assert [p["InstanceProfileName"] for p in roles["ci-deployer"]["InstanceProfileList"]] == ["ci-profile"]
    assert bundle["collector"]["instance_profiles_without_role"] == [
        f"arn:aws:iam::{MGMT}:instance-profile/empty-profile"
    ]
    providers = _by(bundle["identity_providers"], "type")
    assert providers["OIDC"]["url"] == "https://token.actions.githubusercontent.com"
    assert (
        providers["OIDC"]["arn"] == f"arn:aws:iam::{MGMT}:oidc-provider/token.actions.githubusercontent.com"
    )
    assert providers["OIDC"]["client_ids"] == ["sts.amazonaws.com"]
    assert providers["SAML"]["arn"] == f"arn:aws:iam::{MGMT}:saml-provider/okta"


def test_agent_resources_with_tags_roles_and_redacted_secrets(
    world: kit.World, org: kit.Run, bundle: dict[str, Any]
) -> None:
    resources = bundle["agent_resources"]
    function = _by(resources["lambda_functions"], "FunctionName")["report-agent"]
    assert function["Tags"] == {"agentpath:agent": "report-agent", "owner": "alice@example.com"}
    assert function["Role"] == f"arn:aws:iam::{MGMT}:role/agents/report-agent-exec"
    assert function["Environment"]["Variables"] == {"API_TOKEN": "<redacted>"}
    assert "s3cr3t-value" not in org.output.read_text()
    agent = _by(resources["bedrock_agents"], "agentId")[world.bedrock_agent_id]
    assert agent["agentResourceRoleArn"] == f"arn:aws:iam::{MGMT}:role/triage-exec"
    runtime = _by(resources["agentcore_runtimes"], "agentRuntimeId")[world.runtime_id]
    assert runtime["roleArn"] == f"arn:aws:iam::{MGMT}:role/remediation-exec"
    assert runtime["workloadIdentityDetails"]["workloadIdentityArn"].startswith(
        f"arn:aws:bedrock-agentcore:us-east-1:{MGMT}:workload-identity-directory/"
    )


def test_calls_are_recorded_per_account_and_progress_is_reported(
    world: kit.World, org: kit.Run, bundle: dict[str, Any]
) -> None:
    calls = bundle["collector"]["calls"]
    assert calls[MGMT]["iam:GetAccountAuthorizationDetails"] == 1  # every filter, one page on moto
    assert calls[MGMT]["organizations:DescribePolicy"] == 4  # 2 SCPs + 2 RCPs, each read once
    assert calls[MGMT]["organizations:ListAccountsForParent"] == 3  # root, Workloads, Prod
    assert calls[MGMT]["lambda:ListTags"] == 1
    for account in (MGMT, world.member_account):
        total = sum(calls[account].values())
        assert f"[collect] {account}: {total} calls" in org.stderr
        assert f"{account} iam: " in org.stderr
        for service in ("bedrock-agent", "bedrock-agentcore-control", "lambda"):
            assert f"{account} us-east-1 {service}: " in org.stderr
    assert f"{sum(sum(c.values()) for c in calls.values())} API calls" in org.stdout


def test_bundle_file_is_complete_json_and_private(org: kit.Run) -> None:
    assert json.loads(org.output.read_text())["collector"]["accounts"]
    assert stat.S_IMODE(org.output.stat().st_mode) == 0o600
    assert not list(org.output.parent.glob("*.partial"))


def test_single_account_mode_reads_the_caller_only(world: kit.World, tmp_path: Path) -> None:
    run = kit.run_collect(
        [
            "--profile",
            kit.PROFILE,
            "--endpoint-url",
            world.url,
            "--max-retries",
            "0",
            "--skip-service",
            "bedrock-agent",
            "--skip-service",
            "bedrock-agentcore-control",
        ],
        tmp_path / "one.json",
        kit.aws_config(tmp_path),
    )
    bundle = run.bundle
    assert run.rc == 0 and bundle["incomplete"] == [] and run.stdout.rstrip().endswith("; complete")
    assert list(bundle["authorization_details"]) == [MGMT]
    assert bundle["collector"]["regions"] == ["us-east-1"]  # the profile's region
    assert bundle["organization"]["management_account_id"] == MGMT  # readable from the management account
    assert "sts:AssumeRole" not in bundle["collector"]["calls"][MGMT]


def test_role_arn_mode_reads_only_the_given_account(world: kit.World, tmp_path: Path) -> None:
    role = f"arn:aws:iam::{world.member_account}:role/agentpath-readonly"
    run = kit.run_collect(
        [
            "--profile",
            kit.PROFILE,
            "--endpoint-url",
            world.url,
            "--role-arn",
            role,
            "--skip-service",
            "organizations",
            "--skip-service",
            "bedrock-agent",
            "--skip-service",
            "bedrock-agentcore-control",
            "--regions",
            "us-east-1,eu-west-1",
        ],
        tmp_path / "role.json",
        kit.aws_config(tmp_path),
    )
    bundle = run.bundle
    assert run.rc == 0, run.stderr
    assert list(bundle["authorization_details"]) == [world.member_account]
    assert "organization" not in bundle
    assert bundle["collector"]["regions"] == ["us-east-1", "eu-west-1"]
    assert bundle["collector"]["calls"][MGMT] == {"sts:GetCallerIdentity": 1, "sts:AssumeRole": 1}
    assert bundle["collector"]["calls"][world.member_account]["lambda:ListFunctions"] == 2  # one per region


def test_usage_errors_exit_2(world: kit.World, tmp_path: Path) -> None:
    run = kit.run_collect(
        ["--profile", kit.PROFILE, "--endpoint-url", world.url, "--role-arn", "not-an-arn"],
        tmp_path / "bad.json",
        kit.aws_config(tmp_path),
    )
    assert run.rc == 2 and "not a role ARN" in run.stderr
    assert not (tmp_path / "bad.json").exists()
    run = kit.run_collect(["--profile", "no-such-profile"], tmp_path / "bad.json", kit.aws_config(tmp_path))
    assert run.rc == 2 and "no-such-profile" in run.stderr


def test_print_policy_matches_the_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    from ingest.collect.cli import main

    assert main(["--print-policy"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(POLICY_FILE.read_text())


def test_main_cli_registers_the_collect_verb() -> None:
    ui_cli = pytest.importorskip("ui.cli", reason="core CLI not built yet")
    args = ui_cli.build_parser().parse_args(
        ["collect", "--org", "--output", "x.json", "--regions", "us-east-1"]
    )
    assert (args.org, args.output, args.regions, args.member_role_name) == (
        True,
        "x.json",
        ["us-east-1"],
        "agentpath-readonly",
    )
    from ingest.collect.cli import run

    assert args.func is run


def test_ingest_flag_loads_the_written_bundle_into_the_store(world: kit.World, tmp_path: Path) -> None:
    pytest.importorskip("ingest.pipeline", reason="ingest pipeline not built yet")
    store = f"embedded:{tmp_path / 'store'}"
    run = kit.run_collect(
        ["--store", store, "--profile", kit.PROFILE, "--endpoint-url", world.url, "--ingest", *NO_AGENTS],
        tmp_path / "ingested.json",
        kit.aws_config(tmp_path),
    )
    assert run.rc == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines[0].startswith("agentpath collect: 1 account(s)")
    assert (
        lines[-1].startswith("ingested ") and "8 principals" in lines[-1]
    )  # 2 users + 6 roles of the caller

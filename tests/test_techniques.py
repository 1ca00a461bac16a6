"""The technique catalogue: complete against pathfinding.cloud, guarded by its schema, and interpreted right.

The engine-level tests build tiny snapshots by hand (bundle dicts through the real transform) so that each
binding kind has one case that must yield exactly the expected edge and near misses that must yield none: the
role trusts another service, the action is allowed on another resource only, or an explicit Deny applies.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph_model.derive import derive
from graph_model.snapshot import Snapshot
from graph_model.techniques.loader import RESOURCES_FILE, CatalogueError, catalogue, load_catalogue
from ingest.transform import build_snapshot
from tests.helpers import ROOT, SHARED_DATA

PATHFINDING = SHARED_DATA / "catalog" / "pathfinding-cloud" / "data" / "paths"
ACCT = "111122223333"
OTHER_ACCT = "999988887777"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
Edge = tuple[str, str, str, bool]


# --- (a) the CLI lists the whole pathfinding.cloud catalogue ------------------------------------------------
def _pathfinding_paths() -> list[dict[str, Any]]:
    if not PATHFINDING.exists():
        pytest.skip(
            f"pathfinding.cloud catalogue not present at {PATHFINDING} (read from ../shared at test time)"
        )
    return [yaml.safe_load(p.read_text()) for p in sorted(PATHFINDING.glob("*/*.yaml"))]


@pytest.fixture(scope="module")
def cli_techniques() -> list[dict[str, Any]]:
    """`agentpath techniques --format json`, run as a user would run it."""
    out = subprocess.run(
        [sys.executable, "-m", "ui.cli", "techniques", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return list(json.loads(out.stdout))


def test_cli_lists_every_pathfinding_path(cli_techniques: list[dict[str, Any]]) -> None:
    paths = _pathfinding_paths()
    assert len(paths) >= 65
    listed = {t["id"] for t in cli_techniques}
    missing = sorted(p["id"] for p in paths if p["id"] not in listed)
    assert not missing, f"pathfinding.cloud ids missing from `agentpath techniques`: {missing}"


def test_cli_contract_fields(cli_techniques: list[dict[str, Any]]) -> None:
    for t in cli_techniques:
        assert isinstance(t["id"], str) and isinstance(t["name"], str) and isinstance(t["category"], str)
        assert t["actions"] and all(isinstance(a, str) and ":" in a for a in t["actions"]), t["id"]
    ids = {t["id"] for t in cli_techniques}
    for extra in (
        "iam-setdefaultpolicyversion",
        "autoscaling-launchconfiguration",
        "ec2-instanceprofile-create-run",
        "iam-deleteuserpermissionsboundary",
        "iam-deleterolepermissionsboundary",
    ):
        assert extra in ids  # techniques other catalogues add
    assert all(t["frameworks"] for t in cli_techniques), "every technique names its ATT&CK techniques"


def test_techniques_match_pathfinding_permissions_and_category() -> None:
    """Our data says what the catalogue says: the same required permissions and the same category."""
    ours = {t.id: t for t in catalogue()}
    for path in _pathfinding_paths():
        t = ours[path["id"]]
        required = {p["permission"].lower() for p in path["permissions"]["required"]}
        assert {a.action.lower() for a in t.actions} == required, path["id"]
        assert t.category == path["category"], path["id"]


# --- (b) the schema refuses malformed techniques, naming the field ------------------------------------------
GOOD: dict[str, Any] = {
    "id": "x-001",
    "name": "iam:PassRole + x:Run",
    "category": "new-passrole",
    "yields": "passed-role",
    "service": "x.amazonaws.com",
    "actions": [
        {"action": "iam:PassRole", "applies_to": "passed-role"},
        {"action": "x:Run", "applies_to": "new", "resource": "arn:aws:x:{region}:{account}:thing/new"},
    ],
}


def _with(**changes: Any) -> dict[str, Any]:
    raw = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (_with(category="lateral-movement"), "category"),
        (_with(actions=[{"action": "iam:PassRole"}]), "actions.0.applies_to"),
        (_with(actions=[{"action": "PassRole", "applies_to": "passed-role"}]), "actions.0.action"),
        (_with(service=None), "service"),
        (_with(colour="red"), "colour"),
        (_with(id="X 001"), "id"),
        (_with(yields="existing-role", existing="no-such-kind"), "existing"),
        (_with(actions=[{"action": "x:Run", "applies_to": "new", "resource": "*"}]), "actions"),
        (
            _with(
                actions=[
                    {"action": "iam:PassRole", "applies_to": "passed-role"},
                    {"action": "x:Run", "applies_to": "new"},
                ]
            ),
            "actions.1.resource",
        ),
    ],
    ids=[
        "category",
        "applies_to",
        "action",
        "service",
        "unknown-field",
        "id",
        "existing-kind",
        "no-passrole",
        "new-resource",
    ],
)
def test_schema_rejects_malformed_technique_naming_the_field(
    raw: dict[str, Any], field: str, tmp_path: Path
) -> None:
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump([raw]))
    with pytest.raises(CatalogueError) as err:
        load_catalogue(tmp_path, RESOURCES_FILE)
    assert f"bad.yaml[0]: {field}:" in str(err.value)


def test_schema_accepts_the_good_example(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(yaml.safe_dump([GOOD]))
    [t] = load_catalogue(tmp_path, RESOURCES_FILE)
    assert t.services == ("x.amazonaws.com",) and not t.potential


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(yaml.safe_dump([GOOD]))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump([GOOD]))
    with pytest.raises(CatalogueError, match=r"b.yaml\[0\]: id: duplicate"):
        load_catalogue(tmp_path, RESOURCES_FILE)


# --- (c) each binding kind on a hand-built snapshot ---------------------------------------------------------
def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(
    action: str | list[str], resource: str | list[str] = "*", condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        stmt["Condition"] = condition
    return stmt


def deny(action: str | list[str], resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def arn(kind: str, name: str, account: str = ACCT) -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def user(
    name: str,
    *statements: dict[str, Any],
    groups: tuple[str, ...] = (),
    managed: tuple[str, ...] = (),
    boundary: str | None = None,
) -> dict[str, Any]:
    u: dict[str, Any] = {
        "UserName": name,
        "UserId": f"AIDA{name.upper()}",
        "Arn": arn("user", name),
        "Path": "/",
        "GroupList": list(groups),
        "AttachedManagedPolicies": [{"PolicyArn": a} for a in managed],
        "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": _doc(*statements)}]
        if statements
        else [],
    }
    if boundary:
        u["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    return u


def role(
    name: str,
    trust: dict[str, Any],
    *statements: dict[str, Any],
    managed: tuple[str, ...] = (),
    instance_profile: bool = False,
) -> dict[str, Any]:
    return {
        "RoleName": name,
        "RoleId": f"AROA{name.upper()}",
        "Arn": arn("role", name),
        "Path": "/",
        "AssumeRolePolicyDocument": _doc({"Effect": "Allow", "Principal": trust, "Action": "sts:AssumeRole"}),
        "AttachedManagedPolicies": [{"PolicyArn": a} for a in managed],
        "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": _doc(*statements)}]
        if statements
        else [],
        "InstanceProfileList": [{"Arn": arn("instance-profile", name)}] if instance_profile else [],
    }


def group(name: str, *statements: dict[str, Any]) -> dict[str, Any]:
    return {
        "GroupName": name,
        "GroupId": f"AGPA{name.upper()}",
        "Arn": arn("group", name),
        "Path": "/",
        "AttachedManagedPolicies": [],
        "GroupPolicyList": [{"PolicyName": "inline", "PolicyDocument": _doc(*statements)}]
        if statements
        else [],
    }


def policy(name: str, *versions: dict[str, Any]) -> dict[str, Any]:
    return {
        "PolicyName": name,
        "Arn": arn("policy", name),
        "Path": "/",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [
            {"VersionId": f"v{i + 1}", "IsDefaultVersion": i == 0, "Document": d}
            for i, d in enumerate(versions)
        ],
    }


def snapshot(
    users: tuple[dict[str, Any], ...] = (),
    roles: tuple[dict[str, Any], ...] = (),
    groups: tuple[dict[str, Any], ...] = (),
    policies: tuple[dict[str, Any], ...] = (),
    agent_resources: dict[str, Any] | None = None,
) -> Snapshot:
    bundle: dict[str, Any] = {
        "format": "agentpath-bundle/1",
        "authorization_details": {
            ACCT: {
                "UserDetailList": list(users),
                "RoleDetailList": list(roles),
                "GroupDetailList": list(groups),
                "Policies": list(policies),
            }
        },
    }
    if agent_resources:
        bundle["agent_resources"] = agent_resources
    return build_snapshot(bundle, "test")


def edges(snap: Snapshot, technique: str) -> set[Edge]:
    """(source name, target name, technique, potential) of the technique's edges, over the whole catalogue."""
    out = set()
    for e in derive(snap).edges:
        if e.technique == technique:
            out.add((e.source.rsplit("/", 1)[-1], e.target.rsplit("/", 1)[-1], e.technique, e.potential))
    return out


TRUST_LAMBDA = {"Service": "lambda.amazonaws.com"}
TRUST_EC2 = {"Service": "ec2.amazonaws.com"}
SSM_AGENT = allow(["ssm:UpdateInstanceInformation", "ssmmessages:*", "ec2messages:*"])


def case_self(variant: str) -> Snapshot:
    target = arn("user", "bob") if variant == "other-resource" else arn("user", "alice")
    stmts = [allow("iam:PutUserPolicy", target)]
    if variant == "deny":
        stmts.append(deny("iam:PutUserPolicy", arn("user", "alice")))
    return snapshot(users=(user("alice", *stmts), user("bob")))


def case_self_group(variant: str) -> Snapshot:
    target = arn("group", "ops") if variant == "other-resource" else arn("group", "devs")
    stmts = [allow("iam:PutGroupPolicy", target)] + ([deny("iam:*")] if variant == "deny" else [])
    return snapshot(users=(user("alice", *stmts, groups=("devs",)),), groups=(group("devs"), group("ops")))


def case_self_policy(variant: str) -> Snapshot:
    target = arn("policy", "other") if variant == "other-resource" else arn("policy", "alice-pol")
    stmts = [allow("iam:CreatePolicyVersion", target)] + (
        [deny("iam:CreatePolicyVersion")] if variant == "deny" else []
    )
    return snapshot(
        users=(user("alice", *stmts, managed=(arn("policy", "alice-pol"),)),),
        policies=(policy("alice-pol", _doc(allow("s3:GetObject"))), policy("other", _doc())),
    )


def case_any_group(variant: str) -> Snapshot:
    target = arn("group", "other") if variant == "other-resource" else arn("group", "admins")
    powers = allow("s3:*") if variant == "weak-group" else allow("iam:*")
    stmts = [allow("iam:AddUserToGroup", target)] + (
        [deny("iam:AddUserToGroup")] if variant == "deny" else []
    )
    return snapshot(users=(user("alice", *stmts),), groups=(group("admins", powers), group("other")))


def case_lift_boundary(variant: str) -> Snapshot:
    bounded = [allow("s3:*")]
    if variant != "boundary-forbids-removal":
        bounded.append(allow("iam:DeleteUserPermissionsBoundary"))
    target = arn("user", "bob") if variant == "other-resource" else arn("user", "alice")
    stmts = [
        allow("iam:DeleteUserPermissionsBoundary", target),
        allow("iam:PutUserPolicy", arn("user", "alice")),
    ]
    if variant == "deny":
        stmts.append(deny("iam:DeleteUserPermissionsBoundary"))
    return snapshot(
        users=(user("alice", *stmts, boundary=arn("policy", "bound")), user("bob")),
        policies=(policy("bound", _doc(*bounded)),),
    )


def case_target(variant: str) -> Snapshot:
    target = arn("user", "carol") if variant == "other-resource" else arn("user", "bob")
    stmts = [allow("iam:CreateAccessKey", target)] + (
        [deny("iam:CreateAccessKey", arn("user", "bob"))] if variant == "deny" else []
    )
    return snapshot(users=(user("alice", *stmts), user("bob")))


def case_target_policy(variant: str) -> Snapshot:
    trusted = OTHER_ACCT if variant == "other-account-trust" else ACCT
    stmts = [
        allow("iam:CreatePolicyVersion", arn("policy", "ops-pol")),
        allow("sts:AssumeRole", arn("role", "ops")),
    ]
    if variant == "deny":
        stmts.append(deny("sts:AssumeRole"))
    return snapshot(
        users=(user("alice", *stmts),),
        roles=(role("ops", {"AWS": f"arn:aws:iam::{trusted}:root"}, managed=(arn("policy", "ops-pol"),)),),
        policies=(policy("ops-pol", _doc(allow("s3:GetObject"))),),
    )


def case_passed_role(variant: str) -> Snapshot:
    trust = TRUST_EC2 if variant == "other-service" else TRUST_LAMBDA
    condition = (
        {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
        if variant == "passed-to-other"
        else None
    )
    target = arn("role", "other") if variant == "other-resource" else arn("role", "fn")
    stmts = [
        allow("iam:PassRole", target, condition),
        allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
    ]
    if variant == "deny":
        stmts.append(deny("iam:PassRole", arn("role", "fn")))
    return snapshot(users=(user("alice", *stmts),), roles=(role("fn", trust), role("other", TRUST_EC2)))


def case_instance_profile(variant: str) -> Snapshot:
    trust = {"Service": "lambda.amazonaws.com"} if variant == "other-service" else TRUST_EC2
    stmts = [allow(["iam:PassRole", "ec2:RunInstances"])] + (
        [deny("ec2:RunInstances")] if variant == "deny" else []
    )
    return snapshot(
        users=(user("alice", *stmts),),
        roles=(role("box", trust, instance_profile=variant != "no-instance-profile"),),
    )


def case_several_services(variant: str) -> Snapshot:
    trust = TRUST_EC2 if variant == "other-service" else {"Service": "elasticmapreduce.amazonaws.com"}
    condition = {"StringEquals": {"iam:PassedToService": "elasticmapreduce.amazonaws.com"}}
    stmts = [allow("iam:PassRole", "*", condition), allow("datapipeline:*")]
    if variant == "deny":
        stmts.append(deny("datapipeline:ActivatePipeline"))
    return snapshot(users=(user("alice", *stmts),), roles=(role("emr", trust),))


def case_passrole_existing(variant: str) -> Snapshot:
    trust = TRUST_EC2 if variant == "other-service" else {"Service": "ecs-tasks.amazonaws.com"}
    stmts = [allow(["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"])]
    if variant == "deny":
        stmts.append(deny("ecs:RunTask"))
    return snapshot(users=(user("alice", *stmts),), roles=(role("task", trust),))


FN = f"arn:aws:lambda:us-east-1:{ACCT}:function:"


def case_existing(variant: str) -> Snapshot:
    trust = TRUST_EC2 if variant == "other-service" else TRUST_LAMBDA
    stmts = [allow("lambda:UpdateFunctionCode", f"{FN}*")] + (
        [deny("lambda:UpdateFunctionCode")] if variant == "deny" else []
    )
    return snapshot(users=(user("alice", *stmts),), roles=(role("fn-exec", trust),))


def case_existing_listed(variant: str) -> Snapshot:
    target = f"{FN}other" if variant == "other-resource" else f"{FN}report"
    stmts = [allow("lambda:UpdateFunctionCode", target)] + (
        [deny("lambda:UpdateFunctionCode")] if variant == "deny" else []
    )
    functions = [
        {"FunctionName": "report", "FunctionArn": f"{FN}report", "Role": arn("role", "report-exec")},
        {"FunctionName": "other", "FunctionArn": f"{FN}other", "Role": arn("role", "other-exec")},
    ]
    return snapshot(
        users=(user("alice", *stmts),),
        roles=(
            role("report-exec", TRUST_LAMBDA),
            role("other-exec", TRUST_LAMBDA),
            role("unlisted-exec", TRUST_LAMBDA),
        ),
        agent_resources={"lambda_functions": functions},
    )


def case_instance(variant: str) -> Snapshot:
    agent = () if variant == "role-without-ssm-agent" else (SSM_AGENT,)
    stmts = [allow("ssm:SendCommand")] + ([deny("ssm:SendCommand")] if variant == "deny" else [])
    return snapshot(
        users=(user("alice", *stmts),),
        roles=(role("box", TRUST_EC2, *agent, instance_profile=variant != "no-instance-profile"),),
    )


def case_instance_listed(variant: str) -> Snapshot:
    target = "i-0other" if variant == "other-resource" else "i-0abc"
    stmts = [
        allow("ec2-instance-connect:SendSSHPublicKey", f"arn:aws:ec2:*:{ACCT}:instance/{target}"),
        allow("ec2:DescribeInstances"),
    ]
    if variant == "deny":
        stmts.append(deny("ec2-instance-connect:SendSSHPublicKey"))
    instances = [{"InstanceId": "i-0abc", "IamInstanceProfile": {"Arn": arn("instance-profile", "web")}}]
    return snapshot(
        users=(user("alice", *stmts),),
        roles=(role("web", TRUST_EC2, instance_profile=True),),
        agent_resources={"ec2_instances": instances},
    )


def case_trusted_role(variant: str) -> Snapshot:
    trusted = arn("user", "alice", OTHER_ACCT) if variant == "other-resource" else arn("user", "alice")
    stmts = [deny("sts:AssumeRole")] if variant == "deny" else []
    return snapshot(
        users=(user("alice", *stmts), user("bob", allow("s3:GetObject"))),
        roles=(role("ops", {"AWS": trusted}),),
    )


# binding kind -> (case builder, technique, the plain case's edges, near-miss variants that yield none)
CASES: dict[str, tuple[Any, str, set[Edge], tuple[str, ...]]] = {
    "self": (case_self, "iam-007", {("alice", "alice", "iam-007", False)}, ("other-resource", "deny")),
    "self-group": (
        case_self_group,
        "iam-011",
        {("alice", "alice", "iam-011", False)},
        ("other-resource", "deny"),
    ),
    "self-policy": (
        case_self_policy,
        "iam-001",
        {("alice", "alice", "iam-001", False)},
        ("other-resource", "deny"),
    ),
    "any-group (escalating group)": (
        case_any_group,
        "iam-013",
        {("alice", "alice", "iam-013", False)},
        ("other-resource", "weak-group", "deny"),
    ),
    "self, boundary lifted": (
        case_lift_boundary,
        "iam-deleteuserpermissionsboundary",
        {("alice", "alice", "iam-deleteuserpermissionsboundary", False)},
        ("other-resource", "boundary-forbids-removal", "deny"),
    ),
    "target": (case_target, "iam-002", {("alice", "bob", "iam-002", False)}, ("other-resource", "deny")),
    "target-policy": (
        case_target_policy,
        "iam-016",
        {("alice", "ops", "iam-016", False)},
        ("other-account-trust", "deny"),
    ),
    "passed-role": (
        case_passed_role,
        "lambda-001",
        {("alice", "fn", "lambda-001", False)},
        ("other-service", "passed-to-other", "other-resource", "deny"),
    ),
    "passed-role, instance profile": (
        case_instance_profile,
        "ec2-001",
        {("alice", "box", "ec2-001", False)},
        ("other-service", "no-instance-profile", "deny"),
    ),
    "passed-role, several services": (
        case_several_services,
        "datapipeline-001",
        {("alice", "emr", "datapipeline-001", False)},
        ("other-service", "deny"),
    ),
    "passed-role + existing cluster": (
        case_passrole_existing,
        "ecs-004",
        {("alice", "task", "ecs-004", True)},
        ("other-service", "deny"),
    ),
    "existing (unlisted)": (
        case_existing,
        "lambda-003",
        {("alice", "fn-exec", "lambda-003", True)},
        ("other-service", "deny"),
    ),
    "existing (listed)": (
        case_existing_listed,
        "lambda-003",
        {("alice", "report-exec", "lambda-003", False)},
        ("deny",),
    ),
    "existing instance (unlisted)": (
        case_instance,
        "ssm-002",
        {("alice", "box", "ssm-002", True)},
        ("no-instance-profile", "role-without-ssm-agent", "deny"),
    ),
    "existing instance (listed)": (
        case_instance_listed,
        "ec2instanceconnect-003",
        {("alice", "web", "ec2instanceconnect-003", False)},
        ("deny",),
    ),
    "trusted-role": (
        case_trusted_role,
        "sts-001",
        {("alice", "ops", "sts-001", False)},
        ("other-resource", "deny"),
    ),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_binding_kind_yields_exactly_the_expected_edge(kind: str) -> None:
    build, technique, expected, _ = CASES[kind]
    assert edges(build("plain"), technique) == expected


@pytest.mark.parametrize(("kind", "variant"), [(k, v) for k, case in CASES.items() for v in case[3]])
def test_near_miss_yields_no_edge(kind: str, variant: str) -> None:
    build, technique, expected, _ = CASES[kind]
    assert edges(build(variant), technique) == set(), f"{kind} / {variant}"


def test_listed_resource_leads_to_its_own_role_only() -> None:
    """Allowed on one listed function: a certain edge to that function's role and nothing else (the listing
    says which role it runs as). Allowed on every function: certain edges to the listed roles, and potential
    edges to the roles an unlisted function could run as."""
    found = edges(case_existing_listed("other-resource"), "lambda-003")
    assert found == {("alice", "other-exec", "lambda-003", False)}
    snap = snapshot(
        users=(user("alice", allow("lambda:UpdateFunctionCode")),),
        roles=(role("report-exec", TRUST_LAMBDA), role("unlisted-exec", TRUST_LAMBDA)),
        agent_resources={
            "lambda_functions": [{"FunctionArn": f"{FN}report", "Role": arn("role", "report-exec")}]
        },
    )
    assert edges(snap, "lambda-003") == {
        ("alice", "report-exec", "lambda-003", False),
        ("alice", "unlisted-exec", "lambda-003", True),
    }


def test_grant_on_an_unlisted_instance_may_reach_any_instance_profile_role() -> None:
    """Allowed on an instance the snapshot does not list: it may run as any instance-profile role, even one a
    listed instance uses; the edge is potential."""
    t = "ec2instanceconnect-003"
    assert edges(case_instance_listed("other-resource"), t) == {("alice", "web", t, True)}


def test_passrole_to_a_listed_instance_is_certain() -> None:
    stmts = [allow(["iam:PassRole", "ec2:AssociateIamInstanceProfile"])]
    instances = [{"InstanceId": "i-0abc", "IamInstanceProfile": {"Arn": arn("instance-profile", "web")}}]
    snap = snapshot(
        users=(user("alice", *stmts),),
        roles=(
            role("web", TRUST_EC2, instance_profile=True),
            role("admin-box", TRUST_EC2, instance_profile=True),
        ),
        agent_resources={"ec2_instances": instances},
    )
    t = "ec2-instanceprofile-associate"
    assert edges(snap, t) == {("alice", "web", t, False), ("alice", "admin-box", t, False)}


def test_dormant_policy_version() -> None:
    """A listed admin version: certain. Only the default listed: potential. Others, none admin: none."""

    def snap(*versions: dict[str, Any]) -> Snapshot:
        own = allow("iam:SetDefaultPolicyVersion", arn("policy", "p"))
        return snapshot(
            users=(user("alice", own, managed=(arn("policy", "p"),)),), policies=(policy("p", *versions),)
        )

    t = "iam-setdefaultpolicyversion"
    base = _doc(allow("s3:GetObject"))
    assert edges(snap(base, _doc(allow("*"))), t) == {("alice", "alice", t, False)}
    assert edges(snap(base), t) == {("alice", "alice", t, True)}
    assert edges(snap(base, _doc(allow("s3:*"))), t) == set()


def test_boundary_caps_plain_self_escalation_but_not_its_removal() -> None:
    snap = case_lift_boundary("plain")
    assert edges(snap, "iam-007") == set()  # PutUserPolicy alone is capped by the boundary
    # Even a boundary that allows PutUserPolicy itself caps whatever the user writes into its policies.
    permissive = snapshot(
        users=(
            user("alice", allow("iam:PutUserPolicy", arn("user", "alice")), boundary=arn("policy", "bound")),
        ),
        policies=(policy("bound", _doc(allow(["s3:*", "iam:PutUserPolicy"]))),),
    )
    assert edges(permissive, "iam-007") == set()
    [edge] = [e for e in derive(snap).edges if e.technique == "iam-deleteuserpermissionsboundary"]
    assert edge.grants_admin and edge.actions == ["iam:DeleteUserPermissionsBoundary", "iam:PutUserPolicy"]
    assert edge.via == "then iam-007"


def test_joining_a_group_names_the_group_and_the_chained_step() -> None:
    [edge] = [e for e in derive(case_any_group("plain")).edges if e.technique == "iam-013"]
    assert edge.via is not None and edge.via.startswith(arn("group", "admins"))
    assert "iam:AddUserToGroup" in edge.actions and edge.grants_admin


def test_passrole_sets_passed_to_service_to_the_trusted_service() -> None:
    """PassRole restricted to EMR still reaches an EMR role via Data Pipeline (several services accepted)."""
    [edge] = [e for e in derive(case_several_services("plain")).edges if e.technique == "datapipeline-001"]
    assert any(s.policy.startswith("trust:") for s in edge.statements)  # the role's trust is cited too


def test_instance_profile_creation_chain_reaches_a_role_without_profile() -> None:
    stmts = [
        allow(
            ["iam:PassRole", "ec2:RunInstances", "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile"]
        )
    ]
    snap = snapshot(users=(user("alice", *stmts),), roles=(role("box", TRUST_EC2),))
    assert edges(snap, "ec2-001") == set()
    assert edges(snap, "ec2-instanceprofile-create-run") == {
        ("alice", "box", "ec2-instanceprofile-create-run", False)
    }


def test_autoscaling_launch_configuration() -> None:
    stmts = [
        allow(["iam:PassRole", "autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup"])
    ]
    snap = snapshot(users=(user("alice", *stmts),), roles=(role("box", TRUST_EC2, instance_profile=True),))
    t = "autoscaling-launchconfiguration"
    assert edges(snap, t) == {("alice", "box", t, False)}

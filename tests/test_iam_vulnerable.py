"""The iam-vulnerable lab (BishopFox) as exported in a real account: every escalation principal the lab builds
is found with the technique the lab names, and none of its false-positive principals is.

The export is read from ../shared at test time. It is run through the CLI exactly as a user would
(`agentpath ingest FILE` then `agentpath paths --to admin --format json`); the edge that carries the lab's own
technique is then checked on the derived graph, since a path report shows one shortest path per principal.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from graph_model.derive import Derived, derive
from ingest.bundle import to_bundle
from ingest.transform import build_snapshot
from tests.helpers import IAM_VULNERABLE, ROOT

ACCOUNT = "111122223333"

# principal name -> (the technique the lab names, is that edge potential, other first steps of equal length)
# Potential: the technique takes over an existing resource (function, stack, instance, notebook, endpoint)
# or a policy version that the export does not list.
LAB: dict[str, tuple[str, bool, frozenset[str]]] = {}


def _lab(technique: str, potential: bool, principals: list[str], *also: str) -> None:
    for p in principals:
        LAB[p] = (technique, potential, frozenset(also))


def _both(name: str) -> list[str]:
    return [f"user/{name}-user", f"role/{name}-role"]


_lab("iam-001", False, _both("privesc1-CreateNewPolicyVersion"))
_lab("iam-setdefaultpolicyversion", True, _both("privesc2-SetExistingDefaultPolicyVersion"))
_lab(
    "ec2-001", False, _both("privesc3-CreateEC2WithExistingInstanceProfile"), "ec2-instanceprofile-associate"
)
_lab("iam-002", False, _both("privesc4-CreateAccessKey"))
_lab("iam-004", False, _both("privesc5-CreateLoginProfile"))
_lab("iam-006", False, _both("privesc6-UpdateLoginProfile"))
_lab("iam-008", False, ["user/privesc7-AttachUserPolicy-user"])
_lab("iam-010", False, ["user/privesc8-AttachGroupPolicy-user"])
_lab("iam-009", False, ["role/privesc9-AttachRolePolicy-role"])
_lab("iam-007", False, ["user/privesc10-PutUserPolicy-user"])
_lab("iam-011", False, ["user/privesc11-PutGroupPolicy-user"])
_lab("iam-005", False, ["role/privesc12-PutRolePolicy-role"])
_lab("iam-013", False, ["user/privesc13-AddUserToGroup-user"])
_lab("iam-012", False, _both("privesc14-UpdatingAssumeRolePolicy"))
_lab("lambda-001", False, _both("privesc15-PassExistingRoleToNewLambdaThenInvoke"))
_lab("lambda-002", False, _both("privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo"))
_lab(
    "lambda-003",
    True,
    _both("privesc17-EditExistingLambdaFunctionWithRole"),
    "lambda-updatefunctionconfiguration",
)
_lab("glue-001", False, _both("privesc18-PassExistingRoleToNewGlueDevEndpoint"))
_lab("glue-002", True, _both("privesc19-UpdateExistingGlueDevEndpoint"))
_lab("cloudformation-001", False, _both("privesc20-PassExistingRoleToCloudFormation"))
_lab("datapipeline-001", False, _both("privesc21-PassExistingRoleToNewDataPipeline"))
_lab("sts-001", False, ["role/privesc-AssumeRole-starting-role", "role/privesc-AssumeRole-intermediate-role"])
_lab("cloudformation-002", True, _both("privesc-CloudFormationUpdateStack"))
_lab(
    "codebuild-001",
    False,
    _both("privesc-codeBuildCreateProjectPassRole"),
    "codebuild-002",
    "codebuild-003",
    "codebuild-004",
)
_lab("ec2instanceconnect-003", True, _both("privesc-ec2InstanceConnect"))
_lab("sagemaker-001", False, _both("privesc-sageMakerCreateNotebookPassRole"), "sagemaker-004")
_lab("sagemaker-004", True, _both("privesc-sageMakerCreatePresignedNotebookURL"))
_lab("sagemaker-003", False, _both("privesc-sageMakerCreateProcessingJobPassRole"))
_lab("sagemaker-002", False, _both("privesc-sageMakerCreateTrainingJobPassRole"))
_lab("ssm-002", True, _both("privesc-ssmSendCommand"))
_lab("ssm-001", True, _both("privesc-ssmStartSession"))
_lab("ec2-001", False, _both("fn1-privesc3-partial"), "ec2-instanceprofile-associate")
_lab("iam-001", False, _both("fn2-exploitableResourceConstraint"))
_lab("iam-001", False, _both("fn3-exploitableConditionConstraint"))
_lab("iam-007", False, ["user/fn4-exploitableNotAction-user"], "*")
_lab("iam-005", False, ["role/fn4-exploitableNotAction-role"], "*")
_lab("iam-019", False, ["user/privesc-sre-user", "role/privesc-sre-role"], "*")

# Principals that must not reach admin, and why.
NOT_ADMIN: dict[str, str] = {
    **{
        p: "false positive of the lab: an allow cancelled by a deny"
        for p in _both("fp1-allow-and-deny")
        + _both("fp2-allow-and-deny-multiple-policies")
        + _both("fp3-deny-iam")
    },
    **{
        p: "false positive of the lab: CreatePolicyVersion only on AWS-managed policies (immutable)"
        for p in _both("fp4-nonExploitableResourceConstraint")
    },
    # Not exploitable in this export, whatever the lab's name suggests:
    "user/privesc-AssumeRole-start-user": "no policy, no group, and no trust policy names it "
    "(the starting role trusts the deployer's SSO session)",
    "user/privesc9-AttachRolePolicy-user": "can change any role's policies but has no way to act as a role",
    "user/privesc12-PutRolePolicy-user": "can change any role's policies but has no way to act as a role",
    **{
        f"role/{n}-role": "the technique changes a user or group; a role cannot get that user's credentials"
        for n in (
            "privesc7-AttachUserPolicy",
            "privesc8-AttachGroupPolicy",
            "privesc10-PutUserPolicy",
            "privesc11-PutGroupPolicy",
            "privesc13-AddUserToGroup",
        )
    },
}


def _arn(short: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{short}"


@pytest.fixture(scope="module")
def lab_file() -> Path:
    if not IAM_VULNERABLE.exists():
        pytest.skip(
            f"iam-vulnerable export not present at {IAM_VULNERABLE} (read from ../shared at test time)"
        )
    return IAM_VULNERABLE


@pytest.fixture(scope="module")
def reports(lab_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """`agentpath ingest` then `agentpath paths --to admin --format json`, as separate processes."""
    store = f"embedded:{tmp_path_factory.mktemp('iam-vulnerable')}"

    def cli(*argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "ui.cli", "--store", store, *argv],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("ingest", str(lab_file))
    return {r["source"]: r for r in json.loads(cli("paths", "--to", "admin", "--format", "json"))}


@pytest.fixture(scope="module")
def derived(lab_file: Path) -> Derived:
    return derive(build_snapshot(to_bundle(json.loads(lab_file.read_text()), str(lab_file))))


@pytest.mark.parametrize("principal", sorted(LAB))
def test_lab_principal_reaches_admin_with_the_labs_technique(
    principal: str, reports: dict[str, dict[str, Any]], derived: Derived
) -> None:
    technique, potential, alternatives = LAB[principal]
    report = reports.get(_arn(principal))
    assert report is not None, f"{principal} does not reach admin"
    assert report["reaches_admin"] and not report["source_is_admin"]
    first = report["paths"][0]["steps"][0]
    if "*" not in alternatives:
        assert first["technique"] in {technique} | alternatives, first
    mine = [e for e in derived.edges if e.source == _arn(principal) and e.technique == technique]
    assert mine, f"{principal}: no {technique} edge"
    assert any(e.potential == potential for e in mine), [(e.target, e.potential) for e in mine]


@pytest.mark.parametrize("principal", sorted(NOT_ADMIN))
def test_principal_does_not_reach_admin(principal: str, reports: dict[str, dict[str, Any]]) -> None:
    assert _arn(principal) not in reports, f"{principal}: expected no path ({NOT_ADMIN[principal]})"


def test_potential_steps_are_labelled(reports: dict[str, dict[str, Any]]) -> None:
    step = reports[_arn("user/privesc-ssmSendCommand-user")]["paths"][0]["steps"][0]
    assert step["technique"] == "ssm-002" and step["potential"] is True
    assert step["to"] == _arn("role/privesc-high-priv-service-role")  # the only instance-profile role


def test_add_user_to_group_names_the_escalating_group(derived: Derived) -> None:
    source = _arn("user/privesc13-AddUserToGroup-user")
    [edge] = [e for e in derived.edges if e.technique == "iam-013" and e.source == source]
    assert edge.via is not None and edge.via.startswith(_arn("group/privesc-sre-group"))

"""normalize_gaad / merge_gaad_pages: what the ARN says is derived, unused AWS-managed policies go, and what
cannot be derived is an error that names the field. Checked on hand-made documents with moto's quirks and on
every real GAAD export in ../shared/data/gaad."""

from __future__ import annotations

import copy
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from ingest.collect.normalize import GaadFormatError, merge_gaad_pages, normalize_gaad, parse_iam_arn

ACCOUNT = "111122223333"
SHARED_GAAD = Path(__file__).resolve().parents[2] / "shared" / "data" / "gaad"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _policy(arn: str, **extra: Any) -> dict[str, Any]:
    """A Policies entry the way moto 5.2.5 returns it: no PolicyName, no PolicyId."""
    return {
        "Arn": arn,
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": 0,
        "PolicyVersionList": [{"Document": ALLOW_ALL, "VersionId": "v1", "IsDefaultVersion": True}],
        **extra,
    }


def _moto_like_doc() -> dict[str, Any]:
    return {
        "UserDetailList": [
            {
                "Arn": f"arn:aws:iam::{ACCOUNT}:user/eng/dev",
                "UserPolicyList": [
                    {"PolicyName": "inline", "PolicyDocument": urllib.parse.quote(json.dumps(ALLOW_ALL))}
                ],
                "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
                "PermissionsBoundary": {"PermissionsBoundaryArn": "arn:aws:iam::aws:policy/PowerUserAccess"},
            }
        ],
        "GroupDetailList": [
            {
                "Arn": f"arn:aws:iam::{ACCOUNT}:group/ops",
                "AttachedManagedPolicies": [
                    {"PolicyName": "SecurityAudit", "PolicyArn": "arn:aws:iam::aws:policy/SecurityAudit"}
                ],
            }
        ],
        "RoleDetailList": [
            {
                "Arn": f"arn:aws:iam::{ACCOUNT}:role/service-role/exec",
                "AssumeRolePolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": []}),
                "AttachedManagedPolicies": [
                    {"PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}
                ],
            }
        ],
        "Policies": [
            _policy("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            _policy("arn:aws:iam::aws:policy/PowerUserAccess"),
            _policy("arn:aws:iam::aws:policy/SecurityAudit"),
            _policy(
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", Path="/service-role/"
            ),
            _policy("arn:aws:iam::aws:policy/AmazonEC2FullAccess"),  # nobody uses it: dropped
            _policy(
                "arn:aws:iam::aws:policy/AWSCodeCommitPowerUser", AttachmentCount=2
            ),  # AWS says used: kept
            _policy(f"arn:aws:iam::{ACCOUNT}:policy/team/unattached"),  # customer-managed: always kept
        ],
    }


def test_parse_iam_arn_splits_path_and_name() -> None:
    arn = parse_iam_arn("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    assert (arn.account, arn.resource_type, arn.path, arn.name, arn.aws_managed) == (
        "aws",
        "policy",
        "/service-role/",
        "AWSLambdaBasicExecutionRole",
        True,
    )
    gov = parse_iam_arn("arn:aws-us-gov:iam::123456789012:user/a/b/Bob")
    assert (gov.partition, gov.account, gov.path, gov.name) == ("aws-us-gov", "123456789012", "/a/b/", "Bob")
    with pytest.raises(ValueError):
        parse_iam_arn("arn:aws:s3:::bucket")


def test_names_and_paths_are_derived_from_arns() -> None:
    out = normalize_gaad(_moto_like_doc())
    policies = {p["Arn"]: p for p in out["Policies"]}
    lambda_basic = policies["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    assert (lambda_basic["PolicyName"], lambda_basic["Path"]) == (
        "AWSLambdaBasicExecutionRole",
        "/service-role/",
    )
    assert policies[f"arn:aws:iam::{ACCOUNT}:policy/team/unattached"]["PolicyName"] == "unattached"
    assert "PolicyId" not in lambda_basic  # cannot be derived, so it is not invented
    user = out["UserDetailList"][0]
    assert (user["UserName"], user["Path"]) == ("dev", "/eng/")
    assert user["AttachedManagedPolicies"][0]["PolicyName"] == "ReadOnlyAccess"
    assert user["PermissionsBoundary"]["PermissionsBoundaryType"] == "Policy"
    assert user["GroupList"] == [] and user["Tags"] == []
    role = out["RoleDetailList"][0]
    assert (role["RoleName"], role["Path"]) == ("exec", "/service-role/")
    assert role["AssumeRolePolicyDocument"] == {"Version": "2012-10-17", "Statement": []}  # JSON text decoded
    assert role["InstanceProfileList"] == [] and role["RolePolicyList"] == []
    assert out["GroupDetailList"][0]["GroupName"] == "ops"


def test_only_used_aws_managed_policies_are_kept() -> None:
    kept = {p["Arn"].split("policy/")[1] for p in normalize_gaad(_moto_like_doc())["Policies"]}
    assert kept == {
        "ReadOnlyAccess",  # attached to a user
        "PowerUserAccess",  # used only as a permissions boundary
        "SecurityAudit",  # attached to a group
        "service-role/AWSLambdaBasicExecutionRole",  # attached to a role
        "AWSCodeCommitPowerUser",  # AttachmentCount > 0: used by a principal not in this document
        "team/unattached",  # customer-managed
    }


def test_inline_policy_documents_are_decoded() -> None:
    user = normalize_gaad(_moto_like_doc())["UserDetailList"][0]
    assert (
        user["UserPolicyList"][0]["PolicyDocument"] == ALLOW_ALL
    )  # was URL-encoded, as the raw API sends it


def test_input_is_not_mutated_and_normalising_twice_changes_nothing() -> None:
    doc = _moto_like_doc()
    before = copy.deepcopy(doc)
    once = normalize_gaad(doc)
    assert doc == before
    assert normalize_gaad(once) == once


def test_single_object_where_a_list_belongs_becomes_a_list() -> None:
    doc = _moto_like_doc()
    doc["GroupDetailList"][0]["AttachedManagedPolicies"] = {
        "PolicyArn": "arn:aws:iam::aws:policy/SecurityAudit"
    }
    out = normalize_gaad(doc)
    assert out["GroupDetailList"][0]["AttachedManagedPolicies"] == [
        {"PolicyArn": "arn:aws:iam::aws:policy/SecurityAudit", "PolicyName": "SecurityAudit"}
    ]


def test_an_empty_boundary_means_no_boundary() -> None:
    doc = _moto_like_doc()
    doc["RoleDetailList"][0]["PermissionsBoundary"] = {}  # moto's way of saying "none"
    assert "PermissionsBoundary" not in normalize_gaad(doc)["RoleDetailList"][0]


def test_truncated_page_keeps_every_policy() -> None:
    doc = {**_moto_like_doc(), "IsTruncated": True, "Marker": "abc"}
    assert len(normalize_gaad(doc)["Policies"]) == len(doc["Policies"])


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["Policies"][0].pop("Arn"), "Policies[0]: missing 'Arn'"),
        (
            lambda d: d["RoleDetailList"][0].pop("AssumeRolePolicyDocument"),
            f"RoleDetailList[0] (arn:aws:iam::{ACCOUNT}:role/service-role/exec): "
            "missing 'AssumeRolePolicyDocument'",
        ),
        (
            lambda d: d["UserDetailList"][0]["UserPolicyList"][0].pop("PolicyDocument"),
            "UserPolicyList[0] missing 'PolicyDocument'",
        ),
        (lambda d: d["Policies"][1].pop("PolicyVersionList"), "missing 'PolicyVersionList'"),
        (
            lambda d: d["Policies"][1].update(
                DefaultVersionId=None,
                PolicyVersionList=[
                    {"Document": ALLOW_ALL, "VersionId": "v1"},
                    {"Document": ALLOW_ALL, "VersionId": "v2"},
                ],
            ),
            "missing 'DefaultVersionId'",
        ),
        (
            lambda d: d["UserDetailList"][0].update(Arn=f"arn:aws:iam::{ACCOUNT}:role/not-a-user"),
            "is not a user ARN",
        ),
    ],
)
def test_what_cannot_be_derived_is_an_error_naming_the_field(mutate: Any, message: str) -> None:
    doc = _moto_like_doc()
    mutate(doc)
    with pytest.raises(
        GaadFormatError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")
    ):
        normalize_gaad(doc)


def test_default_version_is_derived_from_the_flagged_version() -> None:
    doc = _moto_like_doc()
    doc["Policies"][0].pop("DefaultVersionId")
    doc["Policies"][0]["PolicyVersionList"] = [
        {"Document": {"Statement": []}, "VersionId": "v1", "IsDefaultVersion": False},
        {"Document": ALLOW_ALL, "VersionId": "v2", "IsDefaultVersion": True},
    ]
    assert normalize_gaad(doc)["Policies"][0]["DefaultVersionId"] == "v2"


def test_pages_merge_by_arn_and_lose_their_markers() -> None:
    doc = _moto_like_doc()
    pages = [
        {"UserDetailList": doc["UserDetailList"], "IsTruncated": True, "Marker": "m1"},
        {
            "RoleDetailList": doc["RoleDetailList"],
            "GroupDetailList": doc["GroupDetailList"],
            "IsTruncated": True,
            "Marker": "m2",
        },
        {"Policies": doc["Policies"], "IsTruncated": False},
        {"Policies": doc["Policies"][:1]},  # a page read twice does not duplicate anything
    ]
    merged = merge_gaad_pages(pages)
    assert "IsTruncated" not in merged and "Marker" not in merged
    assert [len(merged[k]) for k in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")] == [
        1,
        1,
        1,
        len(doc["Policies"]),
    ]
    assert normalize_gaad(merged) == normalize_gaad(doc)


def _real_exports() -> list[Path]:
    if not SHARED_GAAD.is_dir():
        return []
    return sorted([*SHARED_GAAD.glob("*.json"), *SHARED_GAAD.glob("iamspy/*.json")])


@pytest.mark.skipif(not _real_exports(), reason="../shared/data/gaad is not present")
@pytest.mark.parametrize("path", _real_exports(), ids=lambda p: p.name)
def test_real_exports_normalise_without_losing_principals_or_used_policies(path: Path) -> None:
    doc = json.loads(path.read_text())
    out = normalize_gaad(doc)
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        assert len(out[key]) == len(doc.get(key) or [])
    original = {p["Arn"]: p for p in doc["Policies"]}
    kept = {p["Arn"] for p in out["Policies"]}
    customer = {arn for arn in original if ":aws:policy/" not in arn}
    assert customer <= kept
    referenced = {
        a["PolicyArn"]
        for key in ("UserDetailList", "GroupDetailList", "RoleDetailList")
        for e in out[key]
        for a in e["AttachedManagedPolicies"]
    }
    for arn in set(original) - kept:  # whatever was dropped is AWS-managed and used by nothing
        assert ":aws:policy/" in arn and arn not in referenced
        assert not original[arn].get("AttachmentCount") and not original[arn].get(
            "PermissionsBoundaryUsageCount"
        )
    for policy in out["Policies"]:
        assert policy["PolicyName"] == policy["Arn"].rsplit("/", 1)[1]
        assert any(v["VersionId"] == policy["DefaultVersionId"] for v in policy["PolicyVersionList"])

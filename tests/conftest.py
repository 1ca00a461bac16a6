"""Shared fixtures: the real Neo4j test server for the whole session, a clean database per test, real inputs.

The Neo4j server (tests/neo4j_server: Neo4j 5.26 Community from Maven Central, run as a JVM child process) is
started once per session because a start costs seconds of JVM warm-up on 2 cores. Tests that need it are
skipped only when Java or Maven is absent, with the reason; a server that is present but fails to start is an
error with its log, never a skip.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
for _path in (str(REPO), str(TESTS)):  # the packages under test, and `neo4j_server` (not installed)
    if _path not in sys.path:
        sys.path.insert(0, _path)

from neo4j_server.server import Neo4jServer, java_and_maven_available, running_neo4j  # noqa: E402

SHARED = Path(os.environ.get("AGENTPATH_SHARED", REPO.parent / "shared"))
IAM_VULNERABLE = SHARED / "data" / "gaad" / "cloudsplaining_example_iam-vulnerable_account.json"
NEO4J_ENV = ("NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE")


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jServer]:
    """One real Neo4j for the session (free port on 127.0.0.1, auth off, temporary home, small heap)."""
    reason = java_and_maven_available()
    if reason is not None:
        pytest.skip(reason)
    with running_neo4j() as server:
        yield server


def wipe(server: Neo4jServer) -> None:
    """Empty the database (Community has one user database, so tests share it and start from nothing)."""
    if not server.is_running:
        server.start()
    with server.driver() as driver, driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


@pytest.fixture
def neo4j_uri(neo4j_server: Neo4jServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """The Bolt URI of an empty database, with no credentials in the environment (the test server has auth
    off; a developer's own NEO4J_* variables must not leak into the tests)."""
    for name in NEO4J_ENV:
        monkeypatch.delenv(name, raising=False)
    wipe(neo4j_server)
    return neo4j_server.uri


@pytest.fixture(scope="session")
def iam_vulnerable() -> Path:
    """The real iam-vulnerable GAAD export, read at test time from ../shared."""
    if not IAM_VULNERABLE.is_file():
        pytest.skip(f"the real iam-vulnerable export is absent: {IAM_VULNERABLE}")
    return IAM_VULNERABLE


def synthetic_gaad(roles: int, users: int, groups: int, policies: int, seed: int = 7) -> dict[str, Any]:
    """A deterministic one-account GAAD document: big enough to load in many batches, with role chains, a few
    admin roles and some escalation primitives, so that its load is slow enough to interrupt halfway."""
    rng = random.Random(seed)
    account = "123456789012"
    iam = f"arn:aws:iam::{account}"

    def doc(statements: list[dict[str, Any]]) -> dict[str, Any]:
        return {"Version": "2012-10-17", "Statement": statements}

    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    risky = [{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"},
             {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}]
    pol_arns = [f"{iam}:policy/gen/policy-{i:05d}" for i in range(policies)]
    policy_list: list[dict[str, Any]] = [{
        "PolicyName": arn.rsplit("/", 1)[-1], "Arn": arn, "Path": "/gen/", "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": doc(
            [risky[i % 2]] if i < 2 else
            [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"arn:aws:s3:::bucket-{i}/*"}])}],
    } for i, arn in enumerate(pol_arns)]
    admin_doc = doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    policy_list.append({
        "PolicyName": "AdministratorAccess", "Arn": admin, "Path": "/", "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": admin_doc}],
    })

    def attached(k: int) -> list[dict[str, str]]:
        return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in rng.sample(pol_arns[2:], k)]

    group_list = [{"GroupName": f"group-{g}", "Arn": f"{iam}:group/group-{g}", "Path": "/",
                   "GroupPolicyList": [], "AttachedManagedPolicies": attached(2)} for g in range(groups)]
    role_arns = [f"{iam}:role/gen/role-{r:05d}" for r in range(roles)]
    role_list = []
    for r, arn in enumerate(role_arns):
        principal: dict[str, Any] = ({"Service": "lambda.amazonaws.com"} if r % 10 == 0
                                     else {"AWS": role_arns[r - 1]})
        managed = attached(2) + ([{"PolicyName": "AdministratorAccess", "PolicyArn": admin}]
                                 if r % 100 == 99 else [])
        role_list.append({
            "RoleName": f"role-{r:05d}", "Arn": arn, "Path": "/gen/", "InstanceProfileList": [], "Tags": [],
            "AssumeRolePolicyDocument": doc([{"Effect": "Allow", "Principal": principal,
                                              "Action": "sts:AssumeRole"}]),
            "RolePolicyList": [{"PolicyName": "next", "PolicyDocument": doc([
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arns[(r + 1) % roles]}])}],
            "AttachedManagedPolicies": managed,
        })
    user_list = [{
        "UserName": f"user-{u:05d}", "Arn": f"{iam}:user/user-{u:05d}", "Path": "/", "Tags": [],
        "GroupList": [f"group-{g}" for g in rng.sample(range(groups), min(2, groups))],
        "UserPolicyList": [], "AttachedManagedPolicies": attached(1)
        + ([{"PolicyName": "policy-00000", "PolicyArn": pol_arns[0]}] if u % 50 == 0 else []),
    } for u in range(users)]
    return {"UserDetailList": user_list, "GroupDetailList": group_list, "RoleDetailList": role_list,
            "Policies": policy_list}

"""Risk scoring: the documented thresholds are the data file's, and scores are explained sums."""

from __future__ import annotations

import re
from typing import Any

import pytest

from graph_model import risk
from graph_model.risk import (
    PathFacts,
    activity_index,
    exercised_steps,
    load_model,
    score_given,
    score_path,
    start_kind,
)


def test_docstring_repeats_the_data_file() -> None:
    doc = re.sub(r"\s+", " ", risk.__doc__ or "")
    m = load_model()
    for level in ("critical", "high", "medium"):
        assert f"{level} >= {m.thresholds[level]}" in doc
    assert f"low below {m.thresholds['medium']}" in doc
    for k, v in m.target.items():
        assert f"{k} {v}" in doc
    assert f"cross-account +{m.cross_account}" in doc
    for k, v in m.start.items():
        assert re.search(rf"\b{re.escape(k)} {v}\b", doc), k
    for hops in ("1", "2", "3"):
        assert f"{hops} hop{'s' if hops != '1' else ''} +{m.hops[hops]}" in doc
    assert f"more +{m.hops['more']}" in doc
    assert (
        f"{m.conditional} when some step holds only" in doc and f"{m.potential} when some step needs" in doc
    )
    assert f"+{m.unowned} when some step has no" in doc and f"+{m.exercised} when CloudTrail" in doc


@pytest.mark.parametrize(
    "facts, score, severity",
    [
        (PathFacts(start="agent", hops=1, unowned_steps=0), 80, "critical"),
        (PathFacts(start="human", hops=2), 65, "high"),
        (PathFacts(start="workload", hops=4, conditional_steps=1), 40, "medium"),
        (PathFacts(start="workload", hops=5, conditional_steps=2, potential_steps=1), 30, "low"),
        (
            PathFacts(
                start="vendor-hosted-agent", hops=1, unowned_steps=1, exercised_steps=1, cross_account=True
            ),
            100,
            "critical",
        ),
    ],
)
def test_scores_are_sums_of_their_factors(facts: PathFacts, score: int, severity: str) -> None:
    r = score_path(facts)
    assert (r.score, r.severity) == (score, severity)
    assert r.score == max(0, min(100, sum(f.points for f in r.factors)))


def test_thresholds_bound_the_severities() -> None:
    m = load_model()
    assert [m.severity(s) for s in (100, 80, 79, 60, 59, 40, 39, 0)] == [
        "critical",
        "critical",
        "high",
        "high",
        "medium",
        "medium",
        "low",
        "low",
    ]
    for level in ("critical", "high", "medium", "low"):
        assert score_given(level, "test").severity == level


def test_malformed_model_is_refused() -> None:
    raw = {"severity_thresholds": {"critical": 10, "high": 60, "medium": 40, "low": 0}}
    with pytest.raises(ValueError):
        risk.parse_model(raw)


def test_start_kinds() -> None:
    assert (
        start_kind("arn:aws:iam::1:role/x", kind="role", agent={"vendor_hosted": True})
        == "vendor-hosted-agent"
    )
    assert start_kind("arn:aws:iam::1:role/x", kind="role", agent={}) == "agent"
    assert (
        start_kind(
            "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
            kind=None,
            agent=None,
        )
        == "external"
    )
    assert start_kind("arn:aws:iam::1:user/u", kind="user", agent=None) == "human"
    assert (
        start_kind(
            "arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_X_1", kind="role", agent=None
        )
        == "human"
    )
    assert start_kind("arn:aws:iam::1:role/app", kind="role", agent=None) == "workload"


def test_cloudtrail_shows_a_step_exercised() -> None:
    role = "arn:aws:iam::111111111111:role/deployer"
    records: list[dict[str, Any]] = [
        {
            "eventSource": "sts.amazonaws.com",
            "eventName": "AssumeRole",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/alice"},
            "requestParameters": {"roleArn": role},
        },
        {
            "eventSource": "lambda.amazonaws.com",
            "eventName": "CreateFunction20150331",
            "userIdentity": {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111111111111:assumed-role/deployer/s1",
            },
        },
        {
            "CloudTrailEvent": '{"eventSource": "iam.amazonaws.com", "eventName": "PutUserPolicy", '
            '"errorCode": '
            '"AccessDenied", "userIdentity": {"arn": "arn:aws:iam::111111111111:user/bob"}}'
        },
    ]
    idx = activity_index(records)
    steps = [
        {"from": "arn:aws:iam::111111111111:user/alice", "to": role, "actions": ["sts:AssumeRole"]},
        {"from": "arn:aws:iam::111111111111:user/bob", "to": "x", "actions": ["iam:PutUserPolicy"]},
    ]
    assert exercised_steps(steps, idx) == 1  # alice did; bob was denied
    assert idx.did(
        "arn:aws:iam::111111111111:role/deployer", "lambda:CreateFunction"
    )  # version suffix dropped
    assert not idx.did(
        "arn:aws:iam::111111111111:user/alice", "sts:AssumeRole", "arn:aws:iam::111111111111:role/o"
    )

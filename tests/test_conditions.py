"""Tests for the IAM Condition engine against AWS-documented outcomes (IAM User Guide)."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_model.conditions import (
    ConditionResult,
    RequestContext,
    Tri,
    evaluate_clause,
    evaluate_condition_block,
    glob_match,
    match_arn_pattern,
    match_policy_pattern,
    references_unknown_variables,
    substitute_policy_variables,
    tri_all,
    tri_any,
    tri_not,
)

T, F, U = Tri.TRUE, Tri.FALSE, Tri.UNKNOWN
EMPTY = RequestContext.of({})


def outcome(
    condition: Mapping[str, Mapping[str, object]], ctx: RequestContext, version: str | None = "2012-10-17"
) -> Tri:
    return evaluate_condition_block(condition, ctx, version).outcome


# --------------------------------------------------------------------------------------------------
# Three-valued logic
# --------------------------------------------------------------------------------------------------


def test_kleene_logic() -> None:
    assert tri_all([]) is T
    assert tri_any([]) is F
    assert tri_all([T, U]) is U
    assert tri_all([U, F]) is F
    assert tri_any([F, U]) is U
    assert tri_any([U, T]) is T
    assert tri_not(T) is F and tri_not(F) is T and tri_not(U) is U
    assert Tri.of(True) is T and Tri.of(False) is F


# --------------------------------------------------------------------------------------------------
# glob_match
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", "", True),
        ("*", "arn:aws:iam::123456789012:role/a/b", True),
        ("iam:*", "iam:PassRole", True),
        ("iam:*", "sts:AssumeRole", False),
        ("arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/path/admin", True),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", False),
        ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket", True),  # '*' may match the empty run
        ("a?c", "abc", True),
        ("a?c", "ac", False),  # '?' is exactly one character
        ("a?c", "abbc", False),
        ("a.b", "axb", False),  # regex metacharacters are literal
        ("a+b(c)[d]", "a+b(c)[d]", True),
        ("a\\*", "a\\xyz", True),  # backslash is literal, not an escape
        ("x*y*z", "x-y-y-z", True),
        ("*a*a*b", "aaaa", False),
        ("ab", "AB", False),  # case-sensitive by default
        ("line*", "line1\nline2", True),  # '*' crosses newlines too
    ],
)
def test_glob_match_examples(pattern: str, value: str, expected: bool) -> None:
    assert glob_match(pattern, value) is expected


def test_glob_match_ignore_case() -> None:
    assert glob_match("iam:Pass*", "IAM:passrole", ignore_case=True) is True
    assert glob_match("IAM:PassRole", "iam:passrole", ignore_case=True) is True
    assert glob_match("IAM:PassRole", "iam:passrole") is False


def test_glob_match_pathological_pattern_is_fast() -> None:
    # A naive `.*a.*a.*a.*b` translation needs seconds here (cubic backtracking); the atomic-group
    # compilation answers in well under a millisecond.  Sized so a regression fails instead of hanging.
    pattern = "*a*a*a*b"
    value = "a" * 600
    start = time.perf_counter()
    assert glob_match(pattern, value) is False
    assert glob_match(pattern, value + "b") is True
    assert time.perf_counter() - start < 0.5
    assert glob_match("*a" * 40 + "b", value) is False  # would never finish with naive backtracking


def _reference_regex(pattern: str) -> re.Pattern[str]:
    translated = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(translated, re.DOTALL)


_GLOB_ALPHABET = st.sampled_from(list("ab*?/:.$\\[]()\n"))
_VALUE_ALPHABET = st.sampled_from(list("ab*?/:.$\\[]()\nc"))


@settings(max_examples=600, deadline=None)
@given(st.text(_GLOB_ALPHABET, max_size=12), st.text(_VALUE_ALPHABET, max_size=14))
def test_glob_match_agrees_with_reference_regex(pattern: str, value: str) -> None:
    expected = _reference_regex(pattern).fullmatch(value) is not None
    assert glob_match(pattern, value) is expected


@settings(max_examples=300, deadline=None)
@given(
    st.text(st.sampled_from(list("aAbB*?:/")), max_size=10),
    st.text(st.sampled_from(list("aAbB:/")), max_size=10),
)
def test_glob_match_ignore_case_agrees_with_reference(pattern: str, value: str) -> None:
    expected = _reference_regex(pattern.lower()).fullmatch(value.lower()) is not None
    assert glob_match(pattern, value, ignore_case=True) is expected


@given(st.text().filter(lambda s: "*" not in s and "?" not in s))
def test_wildcard_free_pattern_matches_itself_only(pattern: str) -> None:
    assert glob_match(pattern, pattern) is True
    assert glob_match(pattern, pattern + "x") is False


@given(st.text(), st.text())
def test_star_affixes_match_any_containing_value(prefix: str, suffix: str) -> None:
    assert glob_match("*", prefix + suffix) is True
    literal = prefix.replace("*", "").replace("?", "")
    assert glob_match("*" + literal + "*", suffix + literal + prefix) is True


# --------------------------------------------------------------------------------------------------
# RequestContext
# --------------------------------------------------------------------------------------------------


def test_request_context_normalises_keys_and_values() -> None:
    ctx = RequestContext.of(
        {"AWS:SourceIp": "10.0.0.1", "aws:TagKeys": ["a", "b"], "aws:SecureTransport": True}
    )
    assert ctx.values == {
        "aws:sourceip": ("10.0.0.1",),
        "aws:tagkeys": ("a", "b"),
        "aws:securetransport": ("true",),
    }
    assert ctx.lookup("aws:SOURCEIP") == ("10.0.0.1",)
    assert ctx.lookup("aws:username") is None
    # Direct construction is normalised too, and a bare string is not split into characters.
    direct = RequestContext({"Aws:UserName": "alice"})  # type: ignore[dict-item]
    assert direct.values == {"aws:username": ("alice",)}


def test_request_context_is_hashable_and_comparable() -> None:
    a = RequestContext.of({"K": "v"}, open_world=True, known_keys={"AWS:username"})
    b = RequestContext.of({"k": ["v"]}, open_world=True, known_keys=["aws:UserName"])
    assert a == b
    assert hash(a) == hash(b)
    assert a.known_keys == frozenset({"aws:username"})


def test_open_world_unknown_versus_known_absent() -> None:
    ctx = RequestContext.of(
        {"aws:PrincipalAccount": "111122223333"}, open_world=True, known_keys=["aws:username"]
    )
    assert ctx.is_unknown("aws:MultiFactorAuthPresent") is True
    assert ctx.is_unknown("aws:username") is False  # known to be absent
    assert ctx.is_unknown("aws:principalaccount") is False  # known, present
    assert EMPTY.is_unknown("aws:MultiFactorAuthPresent") is False  # closed world: absent


# --------------------------------------------------------------------------------------------------
# String operators
# --------------------------------------------------------------------------------------------------


def test_string_equals_values_case_sensitive_keys_case_insensitive() -> None:
    ctx = RequestContext.of({"aws:PrincipalTag/job-category": "iamuser-admin"})
    cond = {"StringEquals": {"AWS:principaltag/JOB-CATEGORY": "iamuser-admin"}}
    assert outcome(cond, ctx) is T
    assert outcome({"StringEquals": {"aws:PrincipalTag/job-category": "IAMUSER-ADMIN"}}, ctx) is F
    # Absent key, positive operator: "the values do not match and the condition is false".
    assert outcome(cond, EMPTY) is F


def test_string_equals_ors_policy_values() -> None:
    ctx = RequestContext.of({"aws:RequestedRegion": "eu-west-1"})
    assert outcome({"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}, ctx) is T
    assert outcome({"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}}, ctx) is F


def test_string_not_equals_is_nor_and_true_when_key_absent() -> None:
    cond = {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}
    assert outcome(cond, RequestContext.of({"aws:RequestedRegion": "ap-south-1"})) is T
    assert outcome(cond, RequestContext.of({"aws:RequestedRegion": "eu-west-1"})) is F
    assert outcome(cond, EMPTY) is T  # negated operator, key missing -> true


@pytest.mark.parametrize(
    "operator",
    [
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "ArnNotEquals",
        "ArnNotLike",
        "NotIpAddress",
    ],
)
def test_every_negated_operator_is_true_for_absent_key(operator: str) -> None:
    assert evaluate_clause(operator, "some:key", "x", EMPTY) is T


@pytest.mark.parametrize(
    "operator",
    [
        "StringEquals",
        "StringLike",
        "NumericEquals",
        "DateEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "ArnLike",
    ],
)
def test_every_positive_operator_is_false_for_absent_key(operator: str) -> None:
    assert evaluate_clause(operator, "some:key", "x", EMPTY) is F


def test_string_equals_ignore_case() -> None:
    ctx = RequestContext.of({"aws:PrincipalTag/team": "Platform"})
    assert evaluate_clause("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "PLATFORM", ctx) is T
    assert evaluate_clause("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", "platform", ctx) is F
    assert evaluate_clause("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", "data", ctx) is T


def test_string_like_and_not_like() -> None:
    ctx = RequestContext.of({"ec2:InstanceType": "t2.micro"})
    assert evaluate_clause("StringLike", "ec2:InstanceType", ["t1.*", "t2.*", "m3.*"], ctx) is T
    assert evaluate_clause("StringLike", "ec2:InstanceType", ["T2.*"], ctx) is F  # case-sensitive
    assert evaluate_clause("StringLike", "ec2:InstanceType", "t2.?icro", ctx) is T
    assert evaluate_clause("StringNotLike", "ec2:InstanceType", ["p4*", "x1*"], ctx) is T
    assert evaluate_clause("StringNotLike", "ec2:InstanceType", ["p4*", "t2*"], ctx) is F


def test_policy_values_are_normalised_to_strings() -> None:
    ctx = RequestContext.of({"s3:max-keys": "10", "aws:SecureTransport": "true"})
    assert evaluate_clause("StringEquals", "s3:max-keys", 10, ctx) is T
    assert evaluate_clause("Bool", "aws:SecureTransport", True, ctx) is T
    assert evaluate_clause("StringEquals", "aws:SecureTransport", [False, True], ctx) is T


# --------------------------------------------------------------------------------------------------
# Numeric, Date, Bool, Binary
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "request_value", "expected"),
    [
        ("NumericLessThanEquals", "10", T),  # AWS example: s3:max-keys up to 10
        ("NumericLessThanEquals", "11", F),
        ("NumericLessThan", "10", F),
        ("NumericLessThan", "9.5", T),
        ("NumericGreaterThan", "10.0001", T),
        ("NumericGreaterThanEquals", "10", T),
        ("NumericEquals", "10.00", T),  # numeric, not textual, equality
        ("NumericNotEquals", "10", F),
        ("NumericNotEquals", "7", T),
        ("NumericEquals", "ten", F),  # an unreadable request value does not match
    ],
)
def test_numeric_operators(operator: str, request_value: str, expected: Tri) -> None:
    ctx = RequestContext.of({"s3:max-keys": request_value})
    assert evaluate_clause(operator, "s3:max-keys", "10", ctx) is expected


def test_numeric_policy_value_from_json_number_and_invalid_policy_value() -> None:
    ctx = RequestContext.of({"aws:MultiFactorAuthAge": "3599"})
    assert evaluate_clause("NumericLessThan", "aws:MultiFactorAuthAge", 3600, ctx) is T
    assert evaluate_clause("NumericLessThan", "aws:MultiFactorAuthAge", 0.5, ctx) is F
    # A policy value that is not a number cannot be evaluated: never guess.
    assert evaluate_clause("NumericLessThan", "aws:MultiFactorAuthAge", "soon", ctx) is U


def test_date_operators_iso_and_epoch() -> None:
    issued = RequestContext.of({"aws:TokenIssueTime": "2020-06-01T12:00:00Z"})
    # AWS example: credentials issued after 2020-01-01T00:00:01Z.
    assert evaluate_clause("DateGreaterThan", "aws:TokenIssueTime", "2020-01-01T00:00:01Z", issued) is T
    assert evaluate_clause("DateLessThan", "aws:TokenIssueTime", "2020-01-01T00:00:01Z", issued) is F
    # Epoch seconds in the policy, ISO in the request (2020-06-01T12:00:00Z == 1591012800).
    assert evaluate_clause("DateEquals", "aws:TokenIssueTime", "1591012800", issued) is T
    assert evaluate_clause("DateEquals", "aws:TokenIssueTime", 1591012800, issued) is T
    assert evaluate_clause("DateLessThanEquals", "aws:TokenIssueTime", "1591012800", issued) is T
    assert evaluate_clause("DateLessThan", "aws:TokenIssueTime", "1591012800", issued) is F
    # Offsets are honoured: 14:00+02:00 is 12:00Z.
    assert evaluate_clause("DateEquals", "aws:TokenIssueTime", "2020-06-01T14:00:00+02:00", issued) is T
    assert evaluate_clause("DateNotEquals", "aws:TokenIssueTime", "2020-06-01T14:00:00+02:00", issued) is F
    # Epoch in the request (aws:EpochTime), ISO date in the policy.
    epoch = RequestContext.of({"aws:EpochTime": "1700000000"})  # 2023-11-14T22:13:20Z
    assert evaluate_clause("DateGreaterThanEquals", "aws:EpochTime", "2023-11-14", epoch) is T
    assert evaluate_clause("DateLessThan", "aws:EpochTime", "2023-11-14T22:13:21Z", epoch) is T
    assert evaluate_clause("DateLessThan", "aws:EpochTime", "not-a-date", epoch) is U


def test_token_issue_time_absent_for_long_term_keys() -> None:
    # AWS: aws:TokenIssueTime is absent for access-key requests, so DateGreaterThan is false...
    assert evaluate_clause("DateGreaterThan", "aws:TokenIssueTime", "2020-01-01T00:00:01Z", EMPTY) is F
    # ...and Null "true" holds (the EC2 example: must not use temporary credentials).
    assert outcome({"Null": {"aws:TokenIssueTime": "true"}}, EMPTY) is T


def test_bool_secure_transport_deny() -> None:
    cond = {"Bool": {"aws:SecureTransport": "false"}}
    assert outcome(cond, RequestContext.of({"aws:SecureTransport": "false"})) is T
    assert outcome(cond, RequestContext.of({"aws:SecureTransport": "true"})) is F
    assert outcome(cond, RequestContext.of({"aws:SecureTransport": "False"})) is T
    assert (
        outcome(
            {"Bool": {"aws:SecureTransport": "maybe"}}, RequestContext.of({"aws:SecureTransport": "true"})
        )
        is U
    )


def test_binary_equals_compares_decoded_bytes() -> None:
    ctx = RequestContext.of({"some:binary": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="})
    assert evaluate_clause("BinaryEquals", "some:binary", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", ctx) is T
    assert evaluate_clause("BinaryEquals", "some:binary", "QmluYXJ5", ctx) is F
    assert evaluate_clause("BinaryEquals", "some:binary", "%%%not base64", ctx) is U


# --------------------------------------------------------------------------------------------------
# IP addresses
# --------------------------------------------------------------------------------------------------


def test_ip_address_v4_and_v6() -> None:
    cond = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}
    assert outcome(cond, RequestContext.of({"aws:SourceIp": "203.0.113.77"})) is T
    assert outcome(cond, RequestContext.of({"aws:SourceIp": "203.0.114.1"})) is F
    assert outcome(cond, RequestContext.of({"aws:SourceIp": "2001:db8:1234:5678::abcd"})) is T
    assert outcome(cond, RequestContext.of({"aws:SourceIp": "2001:db8:1234:5679::1"})) is F
    assert outcome(cond, RequestContext.of({"aws:SourceIp": "not-an-ip"})) is F


def test_ip_address_without_prefix_is_slash_32() -> None:
    assert (
        evaluate_clause(
            "IpAddress", "aws:SourceIp", "10.1.2.3", RequestContext.of({"aws:SourceIp": "10.1.2.3"})
        )
        is T
    )
    assert (
        evaluate_clause(
            "IpAddress", "aws:SourceIp", "10.1.2.3", RequestContext.of({"aws:SourceIp": "10.1.2.4"})
        )
        is F
    )


def test_not_ip_address() -> None:
    cond = {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}
    assert outcome(cond, RequestContext.of({"aws:SourceIp": "192.0.2.10"})) is F
    assert outcome(cond, RequestContext.of({"aws:SourceIp": "198.51.100.1"})) is T
    assert outcome(cond, RequestContext.of({"aws:SourceIp": "::1"})) is T  # other family: outside the range
    # Requests through a VPC endpoint carry no aws:SourceIp: a negated operator is then true.
    assert outcome(cond, EMPTY) is T


def test_ip_address_if_exists_absent_key_is_true() -> None:
    # EC33-style guard: the key is absent on VPC-endpoint / service requests, IfExists makes that pass.
    cond = {"IpAddressIfExists": {"aws:SourceIp": "203.0.113.0/24"}}
    assert outcome(cond, EMPTY) is T
    assert outcome(cond, RequestContext.of({"aws:SourceIp": "203.0.113.9"})) is T
    assert outcome(cond, RequestContext.of({"aws:SourceIp": "198.51.100.9"})) is F
    assert outcome({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, RequestContext.of({}, open_world=True)) is U
    assert outcome(cond, RequestContext.of({}, open_world=True)) is U  # may or may not be present
    assert (
        evaluate_clause(
            "IpAddress", "aws:SourceIp", "10.0.0.0/33", RequestContext.of({"aws:SourceIp": "10.0.0.1"})
        )
        is U
    )


# --------------------------------------------------------------------------------------------------
# ARN operators
# --------------------------------------------------------------------------------------------------


def test_arn_like_matches_each_part_separately() -> None:
    # The AWS documentation example where StringLike matches but ArnLike does not.
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    ctx = RequestContext.of({"aws:SourceArn": value})
    assert evaluate_clause("StringLike", "aws:SourceArn", pattern, ctx) is T
    assert evaluate_clause("ArnLike", "aws:SourceArn", pattern, ctx) is F
    assert evaluate_clause("ArnNotLike", "aws:SourceArn", pattern, ctx) is T
    good = RequestContext.of(
        {"aws:SourceArn": "arn:aws:someservice:us-east-2:111122223333:finance/q1/doc.txt"}
    )
    assert evaluate_clause("ArnLike", "aws:SourceArn", pattern, good) is T


def test_arn_equals_behaves_like_arn_like() -> None:
    ctx = RequestContext.of({"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:alerts"})
    assert (
        evaluate_clause("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:alerts", ctx) is T
    )
    assert evaluate_clause("ArnEquals", "aws:SourceArn", "arn:aws:sns:*:123456789012:*", ctx) is T
    assert evaluate_clause("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-?:*:alert?", ctx) is T
    assert (
        evaluate_clause("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:Alerts", ctx) is F
    )
    assert evaluate_clause("ArnNotEquals", "aws:SourceArn", "arn:aws:sns:*:999999999999:*", ctx) is T


def test_arn_resource_part_keeps_its_colons() -> None:
    ctx = RequestContext.of(
        {"lambda:FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:deploy:prod"}
    )
    assert evaluate_clause("ArnLike", "lambda:FunctionArn", "arn:aws:lambda:*:*:function:deploy:*", ctx) is T
    assert evaluate_clause("ArnLike", "lambda:FunctionArn", "arn:aws:lambda:*:*:function:other*", ctx) is F
    # A request value that is not an ARN matches nothing; a policy value that is not one is undecidable.
    assert evaluate_clause("ArnLike", "k", "arn:aws:s3:::b", RequestContext.of({"k": "bucket"})) is F
    assert evaluate_clause("ArnLike", "k", "not-an-arn", RequestContext.of({"k": "arn:aws:s3:::b"})) is U


def test_match_arn_pattern_helper() -> None:
    assert match_arn_pattern("arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/x", EMPTY, None) is T
    assert match_arn_pattern("arn:aws:iam::*:role/*", "arn:aws:iam::123:456:role/x", EMPTY, None) is F
    assert match_arn_pattern("*", "arn:aws:iam::123:role/x", EMPTY, None) is U


# --------------------------------------------------------------------------------------------------
# Null and IfExists
# --------------------------------------------------------------------------------------------------


def test_null_operator() -> None:
    present = RequestContext.of({"aws:TokenIssueTime": "2024-01-01T00:00:00Z"})
    assert outcome({"Null": {"aws:TokenIssueTime": "true"}}, present) is F
    assert outcome({"Null": {"aws:TokenIssueTime": "false"}}, present) is T
    assert outcome({"Null": {"aws:TokenIssueTime": "false"}}, EMPTY) is F
    assert outcome({"Null": {"aws:TokenIssueTime": False}}, present) is T
    # An empty multivalued key counts as null.
    assert outcome({"Null": {"aws:TagKeys": "true"}}, RequestContext.of({"aws:TagKeys": []})) is T
    assert outcome({"Null": {"aws:TagKeys": "false"}}, RequestContext.of({}, open_world=True)) is U
    assert outcome({"Null": {"aws:TagKeys": "yes"}}, EMPTY) is U


def test_null_does_not_take_if_exists_or_set_qualifier() -> None:
    result = evaluate_condition_block({"NullIfExists": {"aws:TokenIssueTime": "true"}}, EMPTY)
    assert result == ConditionResult(
        U, ({"operator": "NullIfExists", "key": "aws:TokenIssueTime", "values": ["true"]},)
    )
    assert outcome({"ForAllValues:Null": {"aws:TagKeys": "true"}}, EMPTY) is U


def test_string_not_equals_if_exists_deny_still_applies_when_tag_missing() -> None:
    # AWS: "with a negated condition operator like StringNotEqualsIfExists, the request is still denied
    # even if the tag is missing".
    cond = {"StringNotEqualsIfExists": {"aws:ResourceTag/team": "platform"}}
    assert outcome(cond, EMPTY) is T
    assert outcome(cond, RequestContext.of({"aws:ResourceTag/team": "platform"})) is F
    assert outcome(cond, RequestContext.of({"aws:ResourceTag/team": "data"})) is T


def test_bool_if_exists_mfa_deny_guard() -> None:
    # The classic "deny unless MFA" guard: BoolIfExists aws:MultiFactorAuthPresent false.
    cond = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
    # Long-term access keys: the key is absent -> IfExists makes the Deny apply.
    assert outcome(cond, EMPTY) is T
    assert (
        outcome(cond, RequestContext.of({}, open_world=True, known_keys=["aws:MultiFactorAuthPresent"])) is T
    )
    assert outcome(cond, RequestContext.of({"aws:MultiFactorAuthPresent": "false"})) is T
    assert outcome(cond, RequestContext.of({"aws:MultiFactorAuthPresent": "true"})) is F
    # Plain Bool (no IfExists) with the key absent is false: the Deny would not apply.
    assert outcome({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, EMPTY) is F


def test_open_world_unknown_mfa_is_reported() -> None:
    ctx = RequestContext.of({"aws:PrincipalAccount": "111122223333"}, open_world=True)
    cond = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "StringEquals": {"aws:PrincipalAccount": "111122223333"},
    }
    result = evaluate_condition_block(cond, ctx)
    assert result.outcome is U
    assert result.unresolved == (
        {"operator": "Bool", "key": "aws:MultiFactorAuthPresent", "values": ["true"]},
    )
    # BoolIfExists on an unknown key is still unknown (it may be present and false).
    guard = evaluate_condition_block({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, ctx)
    assert guard.outcome is U
    assert guard.unresolved[0]["operator"] == "BoolIfExists"


# --------------------------------------------------------------------------------------------------
# Set operators and multivalued keys
# --------------------------------------------------------------------------------------------------


def test_for_any_value_tag_keys() -> None:
    cond = {"ForAnyValue:StringEquals": {"aws:TagKeys": "protected"}}
    assert outcome(cond, EMPTY) is F  # no tag keys in the request
    assert outcome(cond, RequestContext.of({"aws:TagKeys": []})) is F  # empty data set
    assert outcome(cond, RequestContext.of({"aws:TagKeys": ["protected", "team"]})) is T
    assert outcome(cond, RequestContext.of({"aws:TagKeys": ["team", "owner"]})) is F
    assert outcome(cond, RequestContext.of({}, open_world=True)) is U


def test_for_all_values() -> None:
    cond = {"ForAllValues:StringLike": {"dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]}}
    # AWS example: PostDateTime + Message allowed; PostDateTime + UserName not.
    assert (
        outcome(cond, RequestContext.of({"dynamodb:requestedAttributes": ["PostDateTime", "Message"]})) is T
    )
    assert (
        outcome(cond, RequestContext.of({"dynamodb:requestedAttributes": ["PostDateTime", "UserName"]})) is F
    )
    # "ForAllValues also returns true if there are no context keys in the request."
    assert outcome(cond, EMPTY) is T
    assert outcome(cond, RequestContext.of({"dynamodb:requestedAttributes": []})) is T


def test_for_any_value_deny_example() -> None:
    cond = {"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}}
    ctx = RequestContext.of({"dynamodb:requestedAttributes": ["UserName", "Message", "PostDateTime"]})
    assert outcome(cond, ctx) is T
    assert outcome(cond, RequestContext.of({"dynamodb:requestedAttributes": ["UserName"]})) is F


def test_set_qualifiers_with_negated_operators() -> None:
    forbidden = ["aws:*", "admin"]
    all_not = {"ForAllValues:StringNotLike": {"aws:TagKeys": forbidden}}
    any_not = {"ForAnyValue:StringNotLike": {"aws:TagKeys": forbidden}}
    clean = RequestContext.of({"aws:TagKeys": ["team", "owner"]})
    mixed = RequestContext.of({"aws:TagKeys": ["team", "admin"]})
    dirty = RequestContext.of({"aws:TagKeys": ["admin", "aws:cloudformation:stack-id"]})
    assert [outcome(all_not, c) for c in (clean, mixed, dirty, EMPTY)] == [T, F, F, T]
    assert [outcome(any_not, c) for c in (clean, mixed, dirty, EMPTY)] == [T, T, F, F]


def test_multivalued_key_without_qualifier() -> None:
    ctx = RequestContext.of({"aws:TagKeys": ["team", "admin"]})
    # Positive operator: any request value matching is enough.
    assert evaluate_clause("StringEquals", "aws:TagKeys", "admin", ctx) is T
    # Negated operator: the negation of the positive one, so no request value may match.
    assert evaluate_clause("StringNotEquals", "aws:TagKeys", "admin", ctx) is F
    assert evaluate_clause("StringNotEquals", "aws:TagKeys", "owner", ctx) is T


def test_for_any_value_if_exists_absent_is_true() -> None:
    assert evaluate_clause("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", "x", EMPTY) is T


# --------------------------------------------------------------------------------------------------
# Block logic and robustness
# --------------------------------------------------------------------------------------------------


def test_empty_or_missing_block_is_true() -> None:
    assert evaluate_condition_block(None, EMPTY) == ConditionResult(T, ())
    assert evaluate_condition_block({}, EMPTY) == ConditionResult(T, ())


def test_block_is_and_of_operators_and_keys() -> None:
    ctx = RequestContext.of({"aws:PrincipalTag/team": "platform", "aws:RequestedRegion": "eu-west-1"})
    both = {"StringEquals": {"aws:PrincipalTag/team": "platform", "aws:RequestedRegion": "eu-west-1"}}
    assert outcome(both, ctx) is T
    one_wrong = {"StringEquals": {"aws:PrincipalTag/team": "platform", "aws:RequestedRegion": "us-east-1"}}
    assert outcome(one_wrong, ctx) is F
    cross = {
        "StringEquals": {"aws:PrincipalTag/team": "platform"},
        "StringLike": {"aws:RequestedRegion": "us-*"},
    }
    assert outcome(cross, ctx) is F


def test_false_beats_unknown_and_unknown_beats_true() -> None:
    ctx = RequestContext.of({"aws:PrincipalTag/team": "data"}, open_world=True)
    cond = {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "StringEquals": {"aws:PrincipalTag/team": "platform"},
    }
    assert evaluate_condition_block(cond, ctx) == ConditionResult(F, ())
    cond["StringEquals"] = {"aws:PrincipalTag/team": "data"}
    result = evaluate_condition_block(cond, ctx)
    assert result.outcome is U and len(result.unresolved) == 1


def test_unknown_operator_and_malformed_values_are_unknown() -> None:
    ctx = RequestContext.of({"aws:username": "alice"})
    result = evaluate_condition_block({"StringEqualz": {"aws:username": ["alice", "bob"]}}, ctx)
    assert result == ConditionResult(
        U, ({"operator": "StringEqualz", "key": "aws:username", "values": ["alice", "bob"]},)
    )
    assert outcome({"ForSomeValues:StringEquals": {"aws:username": "alice"}}, ctx) is U
    assert outcome({"StringEquals": {"aws:username": {"nested": "dict"}}}, ctx) is U
    assert outcome({"StringEquals": "aws:username"}, ctx) is U  # type: ignore[dict-item]


def test_operator_names_are_read_case_insensitively() -> None:
    ctx = RequestContext.of({"aws:TagKeys": ["a"]})
    assert evaluate_clause("forallvalues:stringequalsifexists", "aws:TagKeys", "a", ctx) is T


# --------------------------------------------------------------------------------------------------
# Policy variables
# --------------------------------------------------------------------------------------------------


def test_substitution_requires_2012_version() -> None:
    ctx = RequestContext.of({"aws:username": "alice"})
    assert substitute_policy_variables("home/${aws:username}/", ctx, "2012-10-17") == "home/alice/"
    assert substitute_policy_variables("home/${aws:username}/", ctx, "2008-10-17") == "home/${aws:username}/"
    assert substitute_policy_variables("home/${aws:username}/", ctx, None) == "home/${aws:username}/"


def test_variable_in_2008_policy_is_literal_in_conditions() -> None:
    cond = {"StringEquals": {"s3:prefix": "${aws:username}"}}
    alice = RequestContext.of({"aws:username": "alice", "s3:prefix": "alice"})
    literal = RequestContext.of({"aws:username": "alice", "s3:prefix": "${aws:username}"})
    assert outcome(cond, alice, "2012-10-17") is T
    assert outcome(cond, alice, "2008-10-17") is F
    assert outcome(cond, literal, "2008-10-17") is T
    assert outcome(cond, literal, None) is T


def test_absent_variable_yields_none_and_matches_nothing() -> None:
    assert substitute_policy_variables("user/${aws:username}", EMPTY, "2012-10-17") is None
    assert references_unknown_variables("user/${aws:username}", EMPTY) is False
    ctx = RequestContext.of({"s3:prefix": "home/"})
    assert evaluate_clause("StringLike", "s3:prefix", ["home/${aws:username}/*"], ctx) is F
    assert evaluate_clause("StringLike", "s3:prefix", ["home/${aws:username}/*", "home/"], ctx) is T
    # An unresolvable variable never makes a negated clause hold either (AWS: the statement is invalid).
    assert evaluate_clause("StringNotEquals", "s3:prefix", "${aws:username}", ctx) is F


def test_default_value_and_special_characters() -> None:
    anonymous = RequestContext.of({})
    alice = RequestContext.of({"aws:userid": "AIDAEXAMPLE"})
    text = "arn:aws:s3:::bucket/${aws:userid, 'anonymous'}"
    assert substitute_policy_variables(text, anonymous, "2012-10-17") == "arn:aws:s3:::bucket/anonymous"
    assert substitute_policy_variables(text, alice, "2012-10-17") == "arn:aws:s3:::bucket/AIDAEXAMPLE"
    assert substitute_policy_variables("${aws:userid,'x'}", anonymous, "2012-10-17") == "x"
    assert substitute_policy_variables("a${*}b${?}c${$}d", anonymous, "2012-10-17") == "a*b?c$d"
    assert substitute_policy_variables("a${*}b", anonymous, "2008-10-17") == "a${*}b"
    # Malformed variable syntax stays literal text rather than being guessed at.
    assert substitute_policy_variables("a${}b${un closed", anonymous, "2012-10-17") == "a${}b${un closed"


def test_special_asterisk_variable_is_literal_in_string_like() -> None:
    cond = {"StringLike": {"s3:prefix": "reports/${*}/summary"}}
    assert outcome(cond, RequestContext.of({"s3:prefix": "reports/*/summary"})) is T
    assert outcome(cond, RequestContext.of({"s3:prefix": "reports/2024/summary"})) is F
    # In a 2008 policy the same text is a literal "${" followed by a real wildcard.
    assert outcome(cond, RequestContext.of({"s3:prefix": "reports/${anything}/summary"}), "2008-10-17") is T
    assert match_policy_pattern("q${?}", "q?", EMPTY, "2012-10-17") is T
    assert match_policy_pattern("q${?}", "qx", EMPTY, "2012-10-17") is F
    assert match_policy_pattern("q?", "qx", EMPTY, "2012-10-17") is T


def test_substituted_values_do_not_act_as_wildcards() -> None:
    ctx = RequestContext.of({"aws:PrincipalTag/team": "*"})
    assert (
        match_policy_pattern(
            "arn:aws:s3:::data/${aws:PrincipalTag/team}/*", "arn:aws:s3:::data/x/y", ctx, "2012-10-17"
        )
        is F
    )
    assert (
        match_policy_pattern(
            "arn:aws:s3:::data/${aws:PrincipalTag/team}/*", "arn:aws:s3:::data/*/y", ctx, "2012-10-17"
        )
        is T
    )


def test_principal_tag_and_account_variables_with_case_insensitive_keys() -> None:
    ctx = RequestContext.of({"aws:PrincipalTag/Team": "platform", "aws:PrincipalAccount": "111122223333"})
    assert substitute_policy_variables(
        "${aws:principaltag/TEAM}-${AWS:PrincipalAccount}", ctx, "2012-10-17"
    ) == ("platform-111122223333")
    abac = {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}
    assert (
        outcome(
            abac, RequestContext.of({"aws:PrincipalTag/team": "platform", "aws:ResourceTag/team": "platform"})
        )
        is T
    )
    assert (
        outcome(
            abac, RequestContext.of({"aws:PrincipalTag/team": "platform", "aws:ResourceTag/team": "data"})
        )
        is F
    )


def test_unknown_variable_in_open_world() -> None:
    ctx = RequestContext.of(
        {"aws:ResourceTag/team": "platform"}, open_world=True, known_keys=["aws:username"]
    )
    assert substitute_policy_variables("${aws:PrincipalTag/team}", ctx, "2012-10-17") is None
    assert references_unknown_variables("${aws:PrincipalTag/team}", ctx) is True
    # A default does not help: the tag may be present with another value.
    assert references_unknown_variables("${aws:PrincipalTag/team, 'none'}", ctx) is True
    # A definitely-absent variable decides the string whatever the unknown one is.
    assert references_unknown_variables("${aws:PrincipalTag/team}/${aws:username}", ctx) is False
    assert references_unknown_variables("${aws:PrincipalTag/team}", ctx, policy_version="2008-10-17") is False
    result = evaluate_condition_block(
        {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}, ctx
    )
    assert result.outcome is U
    assert result.unresolved == (
        {"operator": "StringEquals", "key": "aws:ResourceTag/team", "values": ["${aws:PrincipalTag/team}"]},
    )
    assert (
        match_policy_pattern(
            "arn:aws:s3:::b/${aws:PrincipalTag/team}/*", "arn:aws:s3:::b/x/y", ctx, "2012-10-17"
        )
        is U
    )


def test_multivalued_key_cannot_be_a_variable() -> None:
    ctx = RequestContext.of({"aws:TagKeys": ["a", "b"]})
    assert substitute_policy_variables("${aws:TagKeys}", ctx, "2012-10-17") is None


def test_variables_are_not_substituted_in_numeric_conditions() -> None:
    ctx = RequestContext.of({"s3:max-keys": "5", "my:limit": "10"})
    assert evaluate_clause("NumericLessThan", "s3:max-keys", "${my:limit}", ctx) is U


def test_arn_like_variable_containing_colon_stays_in_one_part() -> None:
    # A role session's aws:userid is "ROLEID:session-name"; its colon must not shift the ARN parts.
    ctx = RequestContext.of(
        {
            "aws:userid": "AROAEXAMPLE:alice",
            "aws:PrincipalAccount": "111122223333",
            "aws:SourceArn": "arn:aws:s3:::uploads/AROAEXAMPLE:alice/file",
        }
    )
    assert evaluate_clause("ArnLike", "aws:SourceArn", "arn:aws:s3:::uploads/${aws:userid}/*", ctx) is T
    assert (
        match_arn_pattern(
            "arn:aws:iam::${aws:PrincipalAccount}:role/*",
            "arn:aws:iam::111122223333:role/r",
            ctx,
            "2012-10-17",
        )
        is T
    )
    assert (
        match_arn_pattern(
            "arn:aws:iam::${aws:PrincipalAccount}:role/*",
            "arn:aws:iam::999999999999:role/r",
            ctx,
            "2012-10-17",
        )
        is F
    )


def test_condition_result_default_unresolved() -> None:
    assert ConditionResult(T).unresolved == ()

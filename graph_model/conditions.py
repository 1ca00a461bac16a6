"""IAM policy ``Condition`` engine: pure, three-valued evaluation of condition blocks.

Why three-valued: agentpath derives privilege-escalation paths *before* any request is made, so many
request-dependent keys (``aws:MultiFactorAuthPresent``, ``aws:SourceIp``, ``sts:ExternalId``, ...) are
simply not known.  Collapsing "not known" into True would invent paths and collapsing it into False would
hide them, so every decision here is a :class:`Tri` and every clause that could not be decided is handed
back to the caller, who can show the human what must hold for the path to exist.

The semantics follow the IAM User Guide pages "Condition operators", "Multivalued context keys" and
"Policy variables".  Where AWS documents nothing (malformed values, unrecognised operators), the engine
answers UNKNOWN rather than guessing.

Nothing in this module performs I/O; all caches are keyed on immutable policy text only.
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Final, cast

__all__ = [
    "POLICY_VARIABLES_VERSION",
    "ConditionResult",
    "RequestContext",
    "Tri",
    "evaluate_clause",
    "evaluate_condition_block",
    "glob_match",
    "match_arn_pattern",
    "match_policy_pattern",
    "references_unknown_variables",
    "substitute_policy_variables",
    "tri_all",
    "tri_any",
    "tri_not",
]

#: The only policy language version in which ``${...}`` is a variable; in older (or missing) versions
#: AWS treats the text literally.
POLICY_VARIABLES_VERSION: Final = "2012-10-17"


# --------------------------------------------------------------------------------------------------
# Three-valued logic
# --------------------------------------------------------------------------------------------------


class Tri(Enum):
    """Kleene truth value: UNKNOWN marks a decision that depends on facts we do not have."""

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, value: bool) -> Tri:
        """Lift a definite boolean, so callers never spell ``Tri.TRUE if x else Tri.FALSE``."""
        return cls.TRUE if value else cls.FALSE


def tri_not(value: Tri) -> Tri:
    """Negation that keeps UNKNOWN unknown (the negation of "maybe" is still "maybe")."""
    if value is Tri.UNKNOWN:
        return value
    return Tri.FALSE if value is Tri.TRUE else Tri.TRUE


def tri_all(values: Iterable[Tri]) -> Tri:
    """Kleene AND: one FALSE decides the conjunction even when other parts are unknown."""
    result = Tri.TRUE
    for value in values:
        if value is Tri.FALSE:
            return Tri.FALSE
        if value is Tri.UNKNOWN:
            result = Tri.UNKNOWN
    return result


def tri_any(values: Iterable[Tri]) -> Tri:
    """Kleene OR: one TRUE decides the disjunction even when other parts are unknown."""
    result = Tri.FALSE
    for value in values:
        if value is Tri.TRUE:
            return Tri.TRUE
        if value is Tri.UNKNOWN:
            result = Tri.UNKNOWN
    return result


# --------------------------------------------------------------------------------------------------
# Request context
# --------------------------------------------------------------------------------------------------

Scalar = str | bool | int | float
RequestValue = Scalar | Sequence[Scalar]


def _scalar_to_str(value: Scalar) -> str:
    """JSON scalars become the strings IAM compares; bools are checked first because bool is an int."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _normalise_request_values(raw: object) -> tuple[str, ...]:
    """Accept the shapes people naturally write (a string, a bool, a list) and store a tuple of str.

    A bare ``str`` must not be iterated character by character, which is the bug this guards against.
    """
    if isinstance(raw, str | bool | int | float):
        return (_scalar_to_str(raw),)
    if isinstance(raw, Iterable):
        out: list[str] = []
        for item in raw:
            if not isinstance(item, str | bool | int | float):
                raise TypeError(f"request context values must be scalars, got {type(item).__name__}")
            out.append(_scalar_to_str(item))
        return tuple(out)
    raise TypeError(f"request context values must be scalars or lists, got {type(raw).__name__}")


class _FrozenMapping(Mapping[str, tuple[str, ...]]):
    """Read-only, hashable mapping so a RequestContext can be a cache key for the evaluator."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: dict[str, tuple[str, ...]]) -> None:
        self._data = data
        self._hash: int | None = None

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _FrozenMapping):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return repr(self._data)


@dataclass(frozen=True)
class RequestContext:
    """What is known about one (real or hypothetical) request.

    ``open_world=False`` is the CLI ``check`` view: the caller states the whole request, so a key not
    given is absent.  ``open_world=True`` is the graph-derivation view: a key not given may or may not be
    present, so it is UNKNOWN, except for ``known_keys`` which the analyzer knows to be absent (for example
    a role session never carries ``aws:username``).

    Condition keys are case-insensitive in IAM, so keys are lower-cased on construction, whichever way the
    context is built; values keep their case because most operators compare them case-sensitively.
    """

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    open_world: bool = False
    known_keys: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        merged: dict[str, tuple[str, ...]] = {}
        for key, raw in self.values.items():
            lowered = key.lower()
            merged[lowered] = merged.get(lowered, ()) + _normalise_request_values(raw)
        object.__setattr__(self, "values", _FrozenMapping(merged))
        object.__setattr__(self, "known_keys", frozenset(k.lower() for k in self.known_keys))

    @classmethod
    def of(
        cls,
        values: Mapping[str, RequestValue] | None = None,
        *,
        open_world: bool = False,
        known_keys: Iterable[str] = (),
    ) -> RequestContext:
        """Build a context from plain JSON-like data (``{"aws:TagKeys": ["a", "b"], "k": "v"}``)."""
        # __post_init__ normalises the raw values, so the declared field type holds afterwards.
        raw = cast(Mapping[str, tuple[str, ...]], dict(values or {}))
        return cls(raw, open_world, frozenset(known_keys))

    def lookup(self, key: str) -> tuple[str, ...] | None:
        """The request's values for ``key``; None when the request lacks it (absent or unknown)."""
        return self.values.get(key.lower())

    def is_unknown(self, key: str) -> bool:
        """True when the open-world analyzer cannot tell whether the request will carry ``key``."""
        lowered = key.lower()
        if not self.open_world or lowered in self.values or lowered in self.known_keys:
            return False
        # A known prefix ("aws:principaltag/") means the analyzer knows every key under it: tags it lacks
        # are absent, not unknown.
        return not any(k.endswith("/") and lowered.startswith(k) for k in self.known_keys)


@dataclass(frozen=True)
class ConditionResult:
    """Outcome of a condition block plus, when UNKNOWN, the clauses that must hold for it to be TRUE.

    Each unresolved clause is ``{"operator": str, "key": str, "values": list[str]}`` in the spelling of the
    policy, so it can be shown to a human as the precondition of a derived path.
    """

    outcome: Tri
    unresolved: tuple[dict[str, Any], ...] = ()


# --------------------------------------------------------------------------------------------------
# Glob matching (also used by the evaluator for Action, Resource and ARN patterns)
# --------------------------------------------------------------------------------------------------

# A pattern is a sequence of segments; a literal segment (text that came from a policy variable, or from
# ``${*}``) must not have its ``*``/``?`` read as wildcards.
Segment = tuple[str, bool]  # (text, is_literal)


@functools.lru_cache(maxsize=8192)
def _compile_segments(segments: tuple[Segment, ...]) -> Callable[[str], bool]:
    """Compile a glob to a fullmatch predicate that runs in roughly O(len(pattern) * len(value)).

    A naive translation (``*`` -> ``.*``) backtracks polynomially on patterns like ``*a*a*a*b``.  For globs
    the leftmost occurrence of each star-delimited chunk is always an optimal choice (whatever follows the
    chunk starts with ``*`` and can absorb any gap), so every middle chunk is matched lazily inside an
    atomic group ``(?>.*?chunk)``, which commits to that leftmost occurrence and never backtracks into it.
    """
    chunks: list[list[str]] = [[]]
    for text, literal in segments:
        if not text:
            continue
        if literal:
            chunks[-1].append(re.escape(text))
            continue
        for char in text:
            if char == "*":
                if chunks[-1] or len(chunks) == 1:  # collapse runs of '*'
                    chunks.append([])
            elif char == "?":
                chunks[-1].append(".")
            else:
                chunks[-1].append(re.escape(char))
    if len(chunks) == 1:
        regex = "".join(chunks[0])
    else:
        middle = "".join(f"(?>.*?{''.join(chunk)})" for chunk in chunks[1:-1])
        regex = "".join(chunks[0]) + middle + ".*" + "".join(chunks[-1])
    if regex == ".*":
        return _always_true
    fullmatch = re.compile(regex, re.DOTALL).fullmatch
    return lambda value: fullmatch(value) is not None


def _always_true(_value: str) -> bool:
    return True


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard match: ``*`` is any run (also empty, also across ``/`` and ``:``), ``?`` one character.

    Every other character is literal.  With ``ignore_case`` both sides are lower-cased first, so the
    wildcard and the literal paths agree on what "ignoring case" means.  Hot path for action and resource
    matching: "*" and wildcard-free patterns never touch the regex engine, compiled patterns are cached.
    """
    if pattern == "*":
        return True
    if ignore_case:
        pattern = pattern.lower()
        value = value.lower()
    if "*" not in pattern and "?" not in pattern:
        return pattern == value
    return _compile_segments(((pattern, False),))(value)


# --------------------------------------------------------------------------------------------------
# Policy variables
# --------------------------------------------------------------------------------------------------


class _Unresolved(Enum):
    """Why a policy string could not be turned into a concrete value."""

    NEVER = "never"  # a referenced key is absent (no default): the string matches nothing
    UNKNOWN = "unknown"  # a referenced key may or may not be present (open world)


_VARIABLE_RE: Final = re.compile(r"\$\{([^}]*)\}")
# ``key`` or ``key, 'default'``; AWS documents ", " as separator, we tolerate any spacing.
_VARIABLE_BODY_RE: Final = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?")
_SPECIAL_VARIABLES: Final = frozenset({"*", "?", "$"})


def _resolve_variable(body: str, ctx: RequestContext) -> str | _Unresolved | None:
    """Value of one ``${body}``; None means the body is not variable syntax and stays literal text."""
    if body in _SPECIAL_VARIABLES:
        return body
    match = _VARIABLE_BODY_RE.fullmatch(body)
    if match is None:
        return None
    key, default = match.group(1), match.group(2)
    values = ctx.lookup(key)
    if values is not None and len(values) == 1:
        return values[0]
    if ctx.is_unknown(key):
        return _Unresolved.UNKNOWN
    if values:
        # Multivalued keys cannot be used as policy variables; there is no single value to insert.
        return _Unresolved.NEVER
    return default if default is not None else _Unresolved.NEVER


def _resolve_segments(
    text: str, ctx: RequestContext, policy_version: str | None
) -> tuple[Segment, ...] | _Unresolved:
    """Split ``text`` into policy-written segments and literal substituted values.

    A definitely absent variable wins over an unknown one: the string can never match whatever the unknown
    key turns out to be, so the answer is decided.
    """
    if policy_version != POLICY_VARIABLES_VERSION or "${" not in text:
        return ((text, False),)
    segments: list[Segment] = []
    position = 0
    unknown = False
    for match in _VARIABLE_RE.finditer(text):
        if match.start() > position:
            segments.append((text[position : match.start()], False))
        position = match.end()
        resolved = _resolve_variable(match.group(1), ctx)
        if resolved is None:
            segments.append((match.group(0), False))
        elif resolved is _Unresolved.NEVER:
            return _Unresolved.NEVER
        elif resolved is _Unresolved.UNKNOWN:
            unknown = True
        else:
            segments.append((resolved, True))
    if position < len(text):
        segments.append((text[position:], False))
    return _Unresolved.UNKNOWN if unknown else tuple(segments)


def substitute_policy_variables(text: str, ctx: RequestContext, policy_version: str | None) -> str | None:
    """Replace ``${...}`` variables as IAM does; None when the string can match nothing.

    Only policies with ``"Version": "2012-10-17"`` have variables; in older or missing versions the text
    is returned unchanged.  ``${*}``, ``${?}`` and ``${$}`` become the bare characters, so the result loses
    the "this asterisk is literal" distinction; use :func:`match_policy_pattern` for wildcard matching.
    None is returned both for an absent key (decided: nothing matches) and for an unknown key in open world
    (undecided); :func:`references_unknown_variables` tells the two apart.
    """
    resolved = _resolve_segments(text, ctx, policy_version)
    if isinstance(resolved, _Unresolved):
        return None
    return "".join(segment_text for segment_text, _literal in resolved)


def references_unknown_variables(
    text: str, ctx: RequestContext, *, policy_version: str | None = POLICY_VARIABLES_VERSION
) -> bool:
    """True when substitution failed only because an open-world key is unknown.

    Callers use it to mark a statement undecidable instead of false.  It is False when some other variable
    in the same string is definitely absent, because then the string matches nothing in any case.
    """
    return _resolve_segments(text, ctx, policy_version) is _Unresolved.UNKNOWN


def match_policy_pattern(
    pattern: str,
    value: str,
    ctx: RequestContext,
    policy_version: str | None,
    *,
    ignore_case: bool = False,
) -> Tri:
    """Glob-match a policy pattern that may contain variables (Resource element, StringLike values).

    Substituted text is matched literally, so ``${*}`` means an asterisk and a tag value cannot widen the
    pattern.  FALSE when a variable is absent, UNKNOWN when a variable is unknown.
    """
    resolved = _resolve_segments(pattern, ctx, policy_version)
    if resolved is _Unresolved.NEVER:
        return Tri.FALSE
    if resolved is _Unresolved.UNKNOWN:
        return Tri.UNKNOWN
    assert not isinstance(resolved, _Unresolved)
    if ignore_case:
        resolved = tuple((text.lower(), literal) for text, literal in resolved)
        value = value.lower()
    return Tri.of(_compile_segments(resolved)(value))


def _split_arn_segments(segments: tuple[Segment, ...]) -> tuple[tuple[Segment, ...], ...]:
    """Cut a pattern into the six ARN parts, only at colons the policy author wrote.

    A colon inside a substituted value (``aws:userid`` of a role session is ``AROA...:session``) belongs to
    the part it was substituted into.  The resource part keeps any further colons.
    """
    parts: list[list[Segment]] = [[]]
    for text, literal in segments:
        if literal or len(parts) == 6:
            parts[-1].append((text, literal))
            continue
        pieces = text.split(":", 6 - len(parts))
        parts[-1].append((pieces[0], False))
        parts.extend([(piece, False)] for piece in pieces[1:])
    return tuple(tuple(part) for part in parts)


def _arn_matcher(segments: tuple[Segment, ...]) -> Callable[[str], bool] | None:
    """Per-part ARN predicate (ArnLike/ArnEquals semantics), or None when the pattern has no six parts."""
    parts = _split_arn_segments(segments)
    if len(parts) != 6:
        return None
    matchers = tuple(_compile_segments(part) for part in parts)

    def match(value: str) -> bool:
        value_parts = value.split(":", 5)
        return len(value_parts) == 6 and all(m(p) for m, p in zip(matchers, value_parts, strict=True))

    return match


def match_arn_pattern(pattern: str, arn: str, ctx: RequestContext, policy_version: str | None) -> Tri:
    """ArnLike matching: each of the six colon-separated parts is globbed separately.

    So ``arn:aws:svc:*:111122223333:finance/*`` does not match an ARN whose region part is followed by a
    different account, even though a whole-string glob would.  A pattern without six parts is not an ARN
    pattern and yields UNKNOWN (AWS documents no behaviour for it).
    """
    resolved = _resolve_segments(pattern, ctx, policy_version)
    if resolved is _Unresolved.NEVER:
        return Tri.FALSE
    if resolved is _Unresolved.UNKNOWN:
        return Tri.UNKNOWN
    assert not isinstance(resolved, _Unresolved)
    matcher = _arn_matcher(resolved)
    return Tri.UNKNOWN if matcher is None else Tri.of(matcher(arn))


# --------------------------------------------------------------------------------------------------
# Operators
# --------------------------------------------------------------------------------------------------


class _Family(Enum):
    STRING = "string"
    STRING_IGNORE_CASE = "string_ignore_case"
    STRING_LIKE = "string_like"
    NUMERIC = "numeric"
    DATE = "date"
    BOOL = "bool"
    BINARY = "binary"
    IP = "ip"
    ARN = "arn"
    NULL = "null"


# Families whose values may contain policy variables (IAM User Guide, "Policy variables" and "Condition
# operators"; the latter also lists Bool, and substituting there is harmless when no ``${`` is present).
_VARIABLE_FAMILIES: Final = frozenset(
    {_Family.STRING, _Family.STRING_IGNORE_CASE, _Family.STRING_LIKE, _Family.ARN, _Family.BOOL}
)


@dataclass(frozen=True)
class _BaseOperator:
    family: _Family
    negated: bool = False
    comparison: str = "eq"  # eq, lt, le, gt, ge (request value on the left, policy value on the right)


_BASE_OPERATORS: Final[Mapping[str, _BaseOperator]] = {
    "stringequals": _BaseOperator(_Family.STRING),
    "stringnotequals": _BaseOperator(_Family.STRING, negated=True),
    "stringequalsignorecase": _BaseOperator(_Family.STRING_IGNORE_CASE),
    "stringnotequalsignorecase": _BaseOperator(_Family.STRING_IGNORE_CASE, negated=True),
    "stringlike": _BaseOperator(_Family.STRING_LIKE),
    "stringnotlike": _BaseOperator(_Family.STRING_LIKE, negated=True),
    "numericequals": _BaseOperator(_Family.NUMERIC),
    "numericnotequals": _BaseOperator(_Family.NUMERIC, negated=True),
    "numericlessthan": _BaseOperator(_Family.NUMERIC, comparison="lt"),
    "numericlessthanequals": _BaseOperator(_Family.NUMERIC, comparison="le"),
    "numericgreaterthan": _BaseOperator(_Family.NUMERIC, comparison="gt"),
    "numericgreaterthanequals": _BaseOperator(_Family.NUMERIC, comparison="ge"),
    "dateequals": _BaseOperator(_Family.DATE),
    "datenotequals": _BaseOperator(_Family.DATE, negated=True),
    "datelessthan": _BaseOperator(_Family.DATE, comparison="lt"),
    "datelessthanequals": _BaseOperator(_Family.DATE, comparison="le"),
    "dategreaterthan": _BaseOperator(_Family.DATE, comparison="gt"),
    "dategreaterthanequals": _BaseOperator(_Family.DATE, comparison="ge"),
    "bool": _BaseOperator(_Family.BOOL),
    "binaryequals": _BaseOperator(_Family.BINARY),
    "ipaddress": _BaseOperator(_Family.IP),
    "notipaddress": _BaseOperator(_Family.IP, negated=True),
    # AWS: ArnEquals/ArnLike (and the negated pair) behave identically, both with per-part wildcards.
    "arnequals": _BaseOperator(_Family.ARN),
    "arnlike": _BaseOperator(_Family.ARN),
    "arnnotequals": _BaseOperator(_Family.ARN, negated=True),
    "arnnotlike": _BaseOperator(_Family.ARN, negated=True),
    "null": _BaseOperator(_Family.NULL),
}


@dataclass(frozen=True)
class _Operator:
    base: _BaseOperator
    if_exists: bool
    qualifier: str | None  # "all" (ForAllValues), "any" (ForAnyValue) or None


@functools.lru_cache(maxsize=512)
def _parse_operator(name: str) -> _Operator | None:
    """``ForAllValues:StringNotEqualsIfExists`` -> parts; None for anything IAM does not define.

    Names are matched case-insensitively: if IAM rejects odd casing the policy cannot exist, and if it
    accepts it this is the right reading, so leniency cannot produce a wrong answer.
    """
    rest = name.strip()
    qualifier: str | None = None
    if ":" in rest:
        prefix, rest = rest.split(":", 1)
        qualifier = {"forallvalues": "all", "foranyvalue": "any"}.get(prefix.lower())
        if qualifier is None:
            return None
    lowered = rest.lower()
    if_exists = lowered.endswith("ifexists")
    if if_exists:
        lowered = lowered[: -len("ifexists")]
    base = _BASE_OPERATORS.get(lowered)
    if base is None:
        return None
    if base.family is _Family.NULL and (if_exists or qualifier is not None):
        return None  # AWS: IfExists may be added to any operator except Null; Null takes no set qualifier.
    return _Operator(base, if_exists, qualifier)


class _InvalidPolicyValue(ValueError):
    """A policy value that cannot be read under its operator (e.g. NumericEquals "abc")."""


_EPOCH_RE: Final = re.compile(r"-?\d+(?:\.\d+)?")


def _parse_number(text: str) -> Decimal | None:
    """Decimal, not float, so ``NumericEquals 0.1`` compares exactly against a request's ``0.1``."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _parse_date(text: str) -> datetime | None:
    """ISO 8601 (W3C profile) or epoch seconds, as AWS accepts both; naive times are taken as UTC."""
    if _EPOCH_RE.fullmatch(text):
        try:
            return datetime.fromtimestamp(float(text), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _parse_base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


_COMPARATORS: Final[Mapping[str, Callable[[Any, Any], bool]]] = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


@functools.lru_cache(maxsize=8192)
def _prepare(base: _BaseOperator, segments: tuple[Segment, ...]) -> Callable[[str], bool]:
    """Turn one policy value into a predicate over a single request value (the positive operator).

    Raises :class:`_InvalidPolicyValue` when the value cannot be read, so the clause becomes UNKNOWN.
    Request values that cannot be read simply do not match, as AWS documents for type mismatches.
    """
    family = base.family
    text = "".join(segment_text for segment_text, _literal in segments)
    if family is _Family.STRING:
        return lambda value: value == text
    if family is _Family.STRING_IGNORE_CASE:
        lowered = text.lower()
        return lambda value: value.lower() == lowered
    if family is _Family.STRING_LIKE:
        return _compile_segments(segments)
    if family is _Family.ARN:
        matcher = _arn_matcher(segments)
        if matcher is None:
            raise _InvalidPolicyValue(text)
        return matcher
    if family is _Family.BOOL:
        expected = text.lower()
        if expected not in ("true", "false"):
            raise _InvalidPolicyValue(text)
        return lambda value: value.lower() == expected
    if family is _Family.BINARY:
        expected_bytes = _parse_base64(text)
        if expected_bytes is None:
            raise _InvalidPolicyValue(text)
        return lambda value: _parse_base64(value) == expected_bytes
    if family is _Family.IP:
        try:
            network = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError as exc:
            raise _InvalidPolicyValue(text) from exc

        def in_network(value: str) -> bool:
            address = _parse_ip(value)
            return address is not None and address.version == network.version and address in network

        return in_network
    compare = _COMPARATORS[base.comparison]
    if family is _Family.NUMERIC:
        number = _parse_number(text)
        if number is None:
            raise _InvalidPolicyValue(text)

        def numeric(value: str) -> bool:
            parsed = _parse_number(value)
            return parsed is not None and compare(parsed, number)

        return numeric
    if family is _Family.DATE:
        moment = _parse_date(text)
        if moment is None:
            raise _InvalidPolicyValue(text)

        def date(value: str) -> bool:
            parsed = _parse_date(value)
            return parsed is not None and compare(parsed, moment)

        return date
    raise _InvalidPolicyValue(text)  # pragma: no cover - Null is handled by the caller


def _normalise_policy_values(raw: object) -> tuple[str, ...] | None:
    """A policy value may be one JSON scalar or a list of them; None for shapes IAM would not accept."""
    items = raw if isinstance(raw, list | tuple) else [raw]
    out: list[str] = []
    for item in items:
        if not isinstance(item, str | bool | int | float):
            return None
        out.append(_scalar_to_str(item))
    return tuple(out)


def _clause_record(operator: object, key: object, raw: object) -> dict[str, Any]:
    """The reportable form of a clause, in the policy's own spelling."""
    values = _normalise_policy_values(raw)
    shown = list(values) if values is not None else [str(raw)]
    return {"operator": str(operator), "key": str(key), "values": shown}


def _evaluate_null(values: tuple[str, ...], ctx: RequestContext, key: str) -> Tri:
    """Null: "true" holds when the key is absent, "false" when present (empty values count as absent)."""
    expected: set[bool] = set()
    for value in values:
        lowered = value.lower()
        if lowered not in ("true", "false"):
            return Tri.UNKNOWN
        expected.add(lowered == "true")
    if ctx.is_unknown(key):
        return Tri.UNKNOWN
    is_null = not ctx.lookup(key)
    return Tri.of(is_null in expected)


def evaluate_clause(
    operator: str,
    key: str,
    values: object,
    ctx: RequestContext,
    policy_version: str | None = POLICY_VARIABLES_VERSION,
) -> Tri:
    """Evaluate one ``operator: {key: values}`` clause.

    Order of the rules matters and mirrors AWS: the key's presence is settled first (IfExists, set
    qualifiers and negation each define what a missing key means), and only then are the request values
    compared, OR-ing the policy values for positive operators and NOR-ing them for negated ones.  A multi-
    valued request key without a qualifier matches a positive operator if any value matches, and a negated
    operator only if no value matches (the negation of the positive operator).
    """
    parsed = _parse_operator(operator)
    policy_values = _normalise_policy_values(values)
    if parsed is None or policy_values is None:
        return Tri.UNKNOWN
    base = parsed.base
    if base.family is _Family.NULL:
        return _evaluate_null(policy_values, ctx, key)

    if ctx.is_unknown(key):
        return Tri.UNKNOWN
    request_values = ctx.lookup(key)
    if not request_values:
        # Absent, or present with no values ("resolves to an empty data set").
        if parsed.if_exists or parsed.qualifier == "all":
            return Tri.TRUE
        if parsed.qualifier == "any":
            return Tri.FALSE
        return Tri.of(base.negated)

    matchers: list[Callable[[str], bool] | _Unresolved] = []
    for text in policy_values:
        if base.family in _VARIABLE_FAMILIES:
            segments = _resolve_segments(text, ctx, policy_version)
        else:
            segments = ((text, False),)
        if isinstance(segments, _Unresolved):
            matchers.append(segments)
            continue
        try:
            matchers.append(_prepare(base, segments))
        except _InvalidPolicyValue:
            return Tri.UNKNOWN

    def per_value(request_value: str) -> Tri:
        # An unresolvable variable never satisfies its comparison, positive or negated: AWS says an
        # unresolved variable makes the statement invalid, so it can never be what makes a clause hold.
        outcomes: list[Tri] = []
        for matcher in matchers:
            if matcher is _Unresolved.NEVER:
                outcomes.append(Tri.FALSE)
            elif matcher is _Unresolved.UNKNOWN:
                outcomes.append(Tri.UNKNOWN)
            else:
                assert not isinstance(matcher, _Unresolved)
                matched = matcher(request_value)
                outcomes.append(Tri.of(not matched if base.negated else matched))
        return tri_all(outcomes) if base.negated else tri_any(outcomes)

    results = (per_value(value) for value in request_values)
    if parsed.qualifier == "all" or (parsed.qualifier is None and base.negated):
        return tri_all(results)
    return tri_any(results)


def evaluate_condition_block(
    condition: Mapping[str, Mapping[str, object]] | None,
    ctx: RequestContext,
    policy_version: str | None = POLICY_VARIABLES_VERSION,
) -> ConditionResult:
    """AND of every operator, AND of every key under it; FALSE beats UNKNOWN beats TRUE.

    A missing or empty block is TRUE (the statement is unconditional).  A malformed block or an operator
    IAM does not define is UNKNOWN with the clause recorded: the engine never guesses what it would do.
    """
    if not condition:
        return ConditionResult(Tri.TRUE)
    if not isinstance(condition, Mapping):
        return ConditionResult(Tri.UNKNOWN, (_clause_record("", "", condition),))
    unresolved: list[dict[str, Any]] = []
    for operator, body in condition.items():
        if not isinstance(operator, str) or not isinstance(body, Mapping):
            unresolved.append(_clause_record(operator, "", body))
            continue
        for key, values in body.items():
            if not isinstance(key, str):
                unresolved.append(_clause_record(operator, key, values))
                continue
            outcome = evaluate_clause(operator, key, values, ctx, policy_version)
            if outcome is Tri.FALSE:
                return ConditionResult(Tri.FALSE)
            if outcome is Tri.UNKNOWN:
                unresolved.append(_clause_record(operator, key, values))
    if unresolved:
        return ConditionResult(Tri.UNKNOWN, tuple(unresolved))
    return ConditionResult(Tri.TRUE)

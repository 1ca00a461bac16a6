"""The one wrapper every AWS call of the collector goes through.

Why one wrapper: it is the single place that (1) records the IAM action name of each call actually made,
which is how tests prove the collector is read-only and covered by the shipped policy, and how the closing
note gets per-account call counts; (2) counts botocore's retries (throttling made visible); (3) turns every
AWS or transport error into a `CollectError` that carries account, region, service and operation, so callers
can record the gap in the bundle's `incomplete` list and carry on instead of aborting the whole run.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

# Services whose API has no region: their gaps are recorded with region "global".
GLOBAL_SERVICES = frozenset({"iam", "organizations"})

ProgressFn = Callable[[str], None]
_TAGS = re.compile(r"<[^>]+>")


def stderr_progress(message: str) -> None:
    """Default progress sink: one plain line on stderr, no dependency, readable in CI logs."""
    print(f"[collect] {message}", file=sys.stderr, flush=True)


def quiet_progress(message: str) -> None:
    """Progress sink that discards everything (library use, tests)."""


@dataclass
class CollectError(Exception):
    """An AWS call failed after botocore's retries; carries what the `incomplete` list needs."""

    account_id: str
    region: str
    service: str
    operation: str
    error: str
    resource: str | None = None  # the one item a per-item call was about (an agent, a function, a role)

    def __str__(self) -> str:
        return f"{self.account_id} {self.region} {self.service}:{self.operation}: {self.error}"

    def about(self, resource: str) -> CollectError:
        """The same gap, naming the item it concerns (two failed items of one operation stay distinct)."""
        return dataclasses.replace(self, resource=resource)

    def as_incomplete(self) -> dict[str, str]:
        entry = {
            "account_id": self.account_id,
            "region": self.region,
            "service": self.service,
            "operation": self.operation,
            "error": self.error,
        }
        if self.resource:
            entry["resource"] = self.resource
        return entry


@dataclass
class CallRecorder:
    """Counts calls and retries per account, keyed by IAM action name (`iam:GetAccountAuthorizationDetails`).

    Failed calls are counted too: the read-only guarantee is about what was attempted, not what succeeded.
    """

    calls: dict[str, Counter[str]] = field(default_factory=dict)
    retries: dict[str, Counter[str]] = field(default_factory=dict)

    def record(self, account_id: str, action: str, retry_attempts: int = 0) -> None:
        self.calls.setdefault(account_id, Counter())[action] += 1
        if retry_attempts:
            self.retries.setdefault(account_id, Counter())[action] += retry_attempts

    def rename(self, old: str, new: str) -> None:
        """Move what was recorded under a placeholder (the caller, before its account ID is known)."""
        for table in (self.calls, self.retries):
            if old in table:
                table.setdefault(new, Counter()).update(table.pop(old))

    def actions(self) -> set[str]:
        """Every distinct action called, across accounts."""
        return {action for counter in self.calls.values() for action in counter}

    def total(self, account_id: str | None = None) -> int:
        counters = [self.calls.get(account_id, Counter())] if account_id else list(self.calls.values())
        return sum(sum(c.values()) for c in counters)

    def as_json(self) -> dict[str, dict[str, dict[str, int]]]:
        return {
            "calls": {a: dict(sorted(c.items())) for a, c in sorted(self.calls.items())},
            "retries": {a: dict(sorted(c.items())) for a, c in sorted(self.retries.items()) if c},
        }


def iam_action(client: Any, operation: str) -> str:
    """IAM action for an API operation: the signing name is the IAM prefix (bedrock-agent -> `bedrock`)."""
    return f"{client.meta.service_model.signing_name}:{operation}"


def _region_of(client: Any) -> str:
    service = client.meta.service_model.service_name
    return "global" if service in GLOBAL_SERVICES else str(client.meta.region_name)


def _describe(exc: Exception) -> str:
    """`Code: message`; an answer with no AWS error code (a proxy's or emulator's page) becomes `HTTP nnn`."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        code = str(err.get("Code") or "")
        if not code or code == str(status):
            code = f"HTTP {status}"
        message = " ".join(_TAGS.sub(" ", str(err.get("Message", ""))).split())
        text = f"{code}: {message}" if message else code
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:300]


def _retries_of(payload: Any) -> int:
    meta = payload.get("ResponseMetadata", {}) if isinstance(payload, dict) else {}
    return int(meta.get("RetryAttempts", 0) or 0)


@dataclass
class Api:
    """Per-account call context: every `call`/`pages` is recorded under `account_id`."""

    recorder: CallRecorder
    account_id: str
    incomplete: list[dict[str, str]] = field(default_factory=list)
    progress: ProgressFn = quiet_progress

    def _error(self, client: Any, operation: str, exc: Exception) -> CollectError:
        return CollectError(
            account_id=self.account_id,
            region=_region_of(client),
            service=client.meta.service_model.service_name,
            operation=operation,
            error=_describe(exc),
        )

    def call(self, client: Any, operation: str, **params: Any) -> dict[str, Any]:
        """One non-paginated call; `operation` is the API name (`GetAgent`). Raises CollectError."""
        action = iam_action(client, operation)
        method = getattr(client, _snake(client, operation))
        try:
            response = method(**params)
        except ParamValidationError:
            raise  # a bug in the collector, not a gap in the account: fail loudly
        except (ClientError, BotoCoreError) as exc:
            self.recorder.record(self.account_id, action, _retries_of(getattr(exc, "response", None)))
            raise self._error(client, operation, exc) from exc
        self.recorder.record(self.account_id, action, _retries_of(response))
        response.pop("ResponseMetadata", None)
        return dict(response)

    def pages(self, client: Any, operation: str, page_size: int | None = None, **params: Any) -> Iterator[
        dict[str, Any]
    ]:
        """All pages of a paginated operation, through botocore's paginator. Raises CollectError."""
        action = iam_action(client, operation)
        paginator = client.get_paginator(_snake(client, operation))
        config = {"PageSize": page_size} if page_size else {}
        iterator = iter(paginator.paginate(PaginationConfig=config, **params))
        while True:
            try:
                page = next(iterator)
            except StopIteration:
                return
            except ParamValidationError:
                raise
            except (ClientError, BotoCoreError) as exc:
                self.recorder.record(self.account_id, action, _retries_of(getattr(exc, "response", None)))
                raise self._error(client, operation, exc) from exc
            self.recorder.record(self.account_id, action, _retries_of(page))
            page.pop("ResponseMetadata", None)
            yield page

    def gap(self, error: CollectError) -> None:
        """Record a part of the account that could not be read; the run goes on."""
        self.incomplete.append(error.as_incomplete())
        self.progress(f"{error.account_id} {error.region} {error.service}:{error.operation} INCOMPLETE "
                      f"({error.error})")


def _snake(client: Any, operation: str) -> str:
    """botocore's method name for an API operation (`ListOpenIDConnectProviders` -> `list_open_id_...`)."""
    for method, api_name in client.meta.method_to_api_mapping.items():
        if api_name == operation:
            return str(method)
    raise ValueError(f"{client.meta.service_model.service_name} has no operation {operation}")

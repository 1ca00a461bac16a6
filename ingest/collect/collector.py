"""Orchestration: which accounts to read, with which credentials, and the bundle that comes out.

Why this shape: a whole organization is read from one place. The caller's credentials read the organization
tree (management or delegated-admin account) and the caller's own account; every other account is read
through a named read-only role assumed there (`--member-role-name`, default `agentpath-readonly`,
deliberately not the all-powerful OrganizationAccountAccessRole), or through roles given explicitly
(`--role-arn`). Accounts are read one after the other: throttling limits are per account and per API, so
parallel reads mostly buy retries.

A part that cannot be read (a denied service, a region without the service, a role that cannot be assumed)
is a gap recorded in the bundle's `incomplete` list; the run goes on. Only unusable base credentials stop
it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError

from ingest.collect.agents import AGENT_RESOURCE_KEYS, collect_region, empty_agent_resources
from ingest.collect.api import Api, CallRecorder, CollectError, ProgressFn, stderr_progress
from ingest.collect.bundle_writer import iso_z, json_safe
from ingest.collect.iam import (
    collect_authorization_details,
    collect_identity_providers,
    collect_instance_profiles,
)
from ingest.collect.normalize import GaadFormatError
from ingest.collect.organizations import Organization, collect_organization
from ingest.collect.policy import DEFAULT_MEMBER_ROLE_NAME
from ingest.collect.session import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_REGION,
    ClientFactory,
    assumed_session,
    make_session,
)

BUNDLE_FORMAT = "agentpath-bundle/1"
AGENT_SERVICES = ("bedrock-agent", "bedrock-agentcore-control", "lambda")
SKIPPABLE_SERVICES = (*AGENT_SERVICES, "organizations")
LIST_OPERATION = {"bedrock-agent": "ListAgents", "bedrock-agentcore-control": "ListAgentRuntimes",
                  "lambda": "ListFunctions"}
_ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/.+$")


class CollectorFatal(Exception):
    """The run cannot start: no usable base credentials, or an argument that cannot be right."""


@dataclass
class CollectOptions:
    """What to collect; mirrors the `agentpath collect` options."""

    profile: str | None = None
    role_arns: list[str] = field(default_factory=list)
    org: bool = False
    member_role_name: str = DEFAULT_MEMBER_ROLE_NAME
    regions: list[str] | None = None
    endpoint_url: str | None = None
    max_retries: int = DEFAULT_MAX_RETRIES
    skip_services: frozenset[str] = frozenset()
    session_name: str = "agentpath-collect"


@dataclass
class CollectResult:
    """The bundle plus what the CLI's summary needs."""

    bundle: dict[str, Any]
    recorder: CallRecorder
    accounts: list[str]
    regions: list[str]
    seconds: float

    @property
    def incomplete(self) -> list[dict[str, str]]:
        return list(self.bundle["incomplete"])


@dataclass
class _Target:
    account_id: str
    role_arn: str | None  # None: the caller's own credentials


def role_account(role_arn: str) -> str:
    """Account ID of a role ARN; CollectorFatal when the text is not a role ARN."""
    match = _ROLE_ARN.match(role_arn)
    if not match:
        raise CollectorFatal(f"--role-arn {role_arn!r} is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    return match[2]


def resolve_regions(session: boto3.session.Session, requested: list[str] | None) -> list[str]:
    """Regions for the regional agent services: as given (comma lists allowed), else the session's region."""
    regions: list[str] = []
    for item in requested or []:
        regions.extend(r.strip() for r in item.split(",") if r.strip())
    if not regions:
        regions = [session.region_name or DEFAULT_REGION]
    return list(dict.fromkeys(regions))


def collect(
    options: CollectOptions,
    progress: ProgressFn = stderr_progress,
    session: boto3.session.Session | None = None,
) -> CollectResult:
    """Collect the accounts `options` names into a bundle (in memory; see bundle_writer to write it)."""
    started = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    for name in options.skip_services:
        if name not in SKIPPABLE_SERVICES:
            raise CollectorFatal(f"cannot skip {name!r}; skippable: {', '.join(SKIPPABLE_SERVICES)}")
    explicit = {role_account(arn): arn for arn in options.role_arns}
    try:
        base = session or make_session(options.profile)
    except BotoCoreError as exc:  # ProfileNotFound, a broken config file
        raise CollectorFatal(str(exc)) from exc
    factory = ClientFactory(endpoint_url=options.endpoint_url, max_retries=options.max_retries)
    recorder = CallRecorder()
    incomplete: list[dict[str, str]] = []
    regions = resolve_regions(base, options.regions)

    caller_api = Api(recorder, "caller", incomplete, progress)
    sts = factory.client(base, "sts")
    try:
        identity = caller_api.call(sts, "GetCallerIdentity")
    except CollectError as exc:
        raise CollectorFatal(f"cannot identify the caller (credentials? --profile?): {exc.error}") from exc
    base_account, partition = str(identity["Account"]), str(identity["Arn"]).split(":")[1]
    recorder.rename("caller", base_account)
    caller_api.account_id = base_account
    progress(f"caller {identity['Arn']} (account {base_account}); regions {', '.join(regions)}")

    organization: Organization | None = None
    if "organizations" not in options.skip_services:
        try:
            organization = collect_organization(caller_api, factory.client(base, "organizations"))
        except CollectError as exc:
            caller_api.gap(exc)
        if organization:
            org = organization.bundle
            progress(f"{base_account} organizations: {org['id']}, {len(organization.accounts)} accounts, "
                     f"{len(org['policies'])} SCPs/RCPs")
    if options.org and organization is None:
        progress("--org: organization not readable; collecting the caller's account and --role-arn only")

    targets = _targets(options, organization, explicit, base_account, partition, progress)
    details: dict[str, Any] = {}
    providers: list[dict[str, Any]] = []
    orphan_profiles: list[dict[str, Any]] = []
    agent_resources = empty_agent_resources()
    for target in targets:
        account_session = base
        if target.role_arn:
            try:
                credentials = caller_api.call(sts, "AssumeRole", RoleArn=target.role_arn,
                                              RoleSessionName=options.session_name)["Credentials"]
            except CollectError as exc:
                gap = dataclasses.replace(exc, account_id=target.account_id, resource=target.role_arn)
                caller_api.gap(gap)
                continue
            account_session = assumed_session(credentials, base.region_name)
        api = Api(recorder, target.account_id, incomplete, progress)
        _collect_account(api, factory, account_session, regions, options.skip_services, details, providers,
                         orphan_profiles, agent_resources)

    bundle: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "collected_at": iso_z(started),
        "authorization_details": details,
    }
    if organization:
        bundle["organization"] = organization.bundle
        bundle["accounts"] = [{"id": a.account_id, "name": a.name, "status": a.status}
                              for a in sorted(organization.accounts, key=lambda a: a.account_id)]
    bundle["identity_providers"] = providers
    bundle["agent_resources"] = {key: agent_resources[key] for key in AGENT_RESOURCE_KEYS}
    bundle["incomplete"] = incomplete
    seconds = time.monotonic() - clock
    bundle["collector"] = {
        **recorder.as_json(),
        "accounts": sorted(details),
        "regions": regions,
        "duration_seconds": round(seconds, 3),
        # Profiles with no role are not part of GAAD; kept here (an iam:AddRoleToInstanceProfile target).
        "instance_profiles_without_role": [p["Arn"] for p in orphan_profiles],
    }
    return CollectResult(json_safe(bundle), recorder, sorted(details), regions, seconds)


def _targets(
    options: CollectOptions,
    organization: Organization | None,
    explicit: dict[str, str],
    base_account: str,
    partition: str,
    progress: ProgressFn,
) -> list[_Target]:
    remaining = dict(explicit)
    targets: list[_Target] = []
    if options.org and organization:
        ordered = sorted(organization.accounts, key=lambda a: (a.account_id != base_account, a.account_id))
        for account in ordered:
            if account.status != "ACTIVE":
                progress(f"{account.account_id} skipped: status {account.status}")
                continue
            if account.account_id in remaining:
                targets.append(_Target(account.account_id, remaining.pop(account.account_id)))
            elif account.account_id == base_account:
                targets.append(_Target(base_account, None))
            else:
                role = f"arn:{partition}:iam::{account.account_id}:role/{options.member_role_name}"
                targets.append(_Target(account.account_id, role))
    elif options.org or not explicit:
        targets.append(_Target(base_account, remaining.pop(base_account, None)))
    targets.extend(_Target(account, arn) for account, arn in remaining.items())
    return targets


def _collect_account(
    api: Api,
    factory: ClientFactory,
    session: boto3.session.Session,
    regions: list[str],
    skip: frozenset[str],
    details: dict[str, Any],
    providers: list[dict[str, Any]],
    orphan_profiles: list[dict[str, Any]],
    agent_resources: dict[str, list[dict[str, Any]]],
) -> None:
    account = api.account_id
    iam = factory.client(session, "iam")
    clock, calls_before = time.monotonic(), api.recorder.total(account)
    try:
        gaad = collect_authorization_details(api, iam)
    except CollectError as exc:
        api.gap(exc)
        gaad = None
    except GaadFormatError as exc:
        error = f"GaadFormatError: {exc}"
        api.gap(CollectError(account, "global", "iam", "GetAccountAuthorizationDetails", error))
        gaad = None
    if gaad is not None:
        details[account] = gaad
        try:
            orphan_profiles.extend(collect_instance_profiles(api, iam, gaad))
        except CollectError as exc:
            api.gap(exc)
    found = 0
    try:
        for provider in collect_identity_providers(api, iam):
            providers.append(provider)
            found += 1
    except CollectError as exc:
        api.gap(exc)
    if gaad is not None:
        calls = api.recorder.total(account) - calls_before
        api.progress(
            f"{account} iam: {len(gaad['UserDetailList'])} users, {len(gaad['GroupDetailList'])} groups, "
            f"{len(gaad['RoleDetailList'])} roles, {len(gaad['Policies'])} managed policies, "
            f"{found} identity providers ({calls} calls, {time.monotonic() - clock:.1f} s)")
    for region in regions:
        clients = {}
        for service in (svc for svc in AGENT_SERVICES if svc not in skip):
            client = factory.client(session, service, region)
            if factory.endpoint_missing(client):
                error = f"EndpointNotFound: no DNS record for {client.meta.endpoint_url} (not in {region}?)"
                api.gap(CollectError(account, region, service, LIST_OPERATION[service], error))
            else:
                clients[service] = client
        for key, items in collect_region(api, clients).items():
            agent_resources[key].extend(items)

"""The typed, in-memory picture of what was ingested.

Every source (GAAD files, bundles, the live collector) becomes one `Snapshot`; the evaluator and the edge
derivation read only this, never raw JSON, so they stay pure and testable without files or a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from graph_model.arn import is_service_linked_role
from graph_model.policy import PolicyDocument
from graph_model.tags import tag_value

PrincipalKind = Literal["user", "role", "group"]


@dataclass
class ManagedPolicy:
    arn: str
    name: str
    path: str
    account_id: str  # "aws" for AWS-managed policies
    default_version_id: str | None
    document: PolicyDocument  # the default version: the only one in effect
    versions: dict[str, PolicyDocument] = field(
        default_factory=dict
    )  # every stored version, for dormant ones

    @property
    def aws_managed(self) -> bool:
        return self.account_id == "aws"


@dataclass
class InlinePolicy:
    name: str
    document: PolicyDocument


@dataclass
class Principal:
    arn: str
    kind: PrincipalKind
    name: str
    path: str
    account_id: str
    unique_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    inline_policies: list[InlinePolicy] = field(default_factory=list)
    managed_policy_arns: list[str] = field(default_factory=list)
    boundary_arn: str | None = None
    group_names: list[str] = field(default_factory=list)  # users only
    trust_policy: PolicyDocument | None = None  # roles only
    instance_profile_arns: list[str] = field(default_factory=list)
    created: str | None = None
    last_used: str | None = None

    @property
    def service_linked(self) -> bool:
        return self.kind == "role" and is_service_linked_role(self.arn)

    def tag(self, key: str) -> str | None:
        """Tag keys compared case-insensitively: teams write `Owner`, `owner` and `OWNER` alike."""
        return tag_value(self.tags, key)


@dataclass
class Account:
    account_id: str
    name: str | None = None
    owner: str | None = None


@dataclass
class OrgPolicy:
    kind: Literal["SCP", "RCP"]
    name: str
    targets: list[str]
    document: PolicyDocument


@dataclass
class Organization:
    org_id: str | None
    management_account_id: str | None
    member_accounts: dict[str, list[str]]  # account -> [root, ou..., account]
    policies: list[OrgPolicy] = field(default_factory=list)


@dataclass
class ResourcePolicy:
    arn: str
    account_id: str | None
    document: PolicyDocument | None  # None: the resource exists and has no policy


@dataclass
class Session:
    session_arn: str
    role_arn: str
    session_policies: list[PolicyDocument] = field(default_factory=list)


@dataclass
class IdentityProvider:
    arn: str
    kind: str  # OIDC | SAML
    url: str | None = None


@dataclass
class Snapshot:
    accounts: dict[str, Account] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)  # users and roles and groups by ARN
    policies: dict[str, ManagedPolicy] = field(default_factory=dict)
    organization: Organization | None = None
    resource_policies: dict[str, ResourcePolicy] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    identity_providers: dict[str, IdentityProvider] = field(default_factory=dict)
    agents_manifest: dict[str, Any] | None = None
    agent_resources: dict[str, Any] = field(default_factory=dict)
    cloudtrail: list[dict[str, Any]] = field(default_factory=list)
    credential_report: list[dict[str, Any]] = field(default_factory=list)  # IAM credential report rows
    collected_at: str | None = None

    def __post_init__(self) -> None:
        self._groups: dict[tuple[str, str], Principal] | None = None

    def group(self, account_id: str, name: str) -> Principal | None:
        if self._groups is None:
            self._groups = {(p.account_id, p.name): p for p in self.principals.values() if p.kind == "group"}
        return self._groups.get((account_id, name))

    def users(self) -> list[Principal]:
        return [p for p in self.principals.values() if p.kind == "user"]

    def roles(self) -> list[Principal]:
        return [p for p in self.principals.values() if p.kind == "role"]

    def groups_of(self, user: Principal) -> list[Principal]:
        found = (self.group(user.account_id, name) for name in user.group_names)
        return [g for g in found if g is not None]

"""Bundle dict -> typed `Snapshot` (the transform step of get / transform / load)."""

from __future__ import annotations

from typing import Any

from graph_model.arn import parse_arn
from graph_model.policy import PolicyDocument, PolicyFormatError, load_document
from graph_model.snapshot import (
    Account,
    IdentityProvider,
    InlinePolicy,
    ManagedPolicy,
    Organization,
    OrgPolicy,
    Principal,
    PrincipalKind,
    ResourcePolicy,
    Session,
    Snapshot,
)
from graph_model.tags import tag_map
from ingest.errors import IngestError


def _doc(raw: Any, policy: str, kind: str, source: str, field: str) -> PolicyDocument:
    try:
        return load_document(raw, policy, kind, path=field)
    except PolicyFormatError as exc:
        raise IngestError(source, exc.field_path, exc.message) from exc


def _managed_policy(item: dict[str, Any], source: str, field: str) -> ManagedPolicy:
    arn_text = item["Arn"]
    arn = parse_arn(arn_text)
    assert arn is not None  # checked by normalize_gaad
    versions: dict[str, PolicyDocument] = {}
    default_id = item.get("DefaultVersionId")
    default_doc: PolicyDocument | None = None
    for i, ver in enumerate(item.get("PolicyVersionList", [])):
        if not isinstance(ver, dict):
            raise IngestError(source, f"{field}.PolicyVersionList[{i}]", "expected an object")
        vid = str(ver.get("VersionId", f"v{i + 1}"))
        doc = _doc(
            ver.get("Document"), arn_text, "identity", source, f"{field}.PolicyVersionList[{i}].Document"
        )
        versions[vid] = doc
        if ver.get("IsDefaultVersion") is True and default_id is None:
            default_id = vid
    if default_id is not None:
        default_doc = versions.get(default_id)
    if default_doc is None and len(versions) == 1:
        default_id, default_doc = next(iter(versions.items()))
    return ManagedPolicy(
        arn=arn_text,
        name=item.get("PolicyName") or arn.name,
        path=item.get("Path") or arn.path,
        account_id=arn.account or "aws",
        default_version_id=default_id,
        document=default_doc or PolicyDocument(version=None),
        versions=versions,
    )


def _attached(entry: dict[str, Any], source: str, field: str) -> list[str]:
    arns = []
    for i, att in enumerate(entry.get("AttachedManagedPolicies", [])):
        if not isinstance(att, dict) or not isinstance(att.get("PolicyArn"), str):
            raise IngestError(source, f"{field}.AttachedManagedPolicies[{i}].PolicyArn", "missing")
        arns.append(att["PolicyArn"])
    return arns


def _inline(
    entry: dict[str, Any], list_key: str, owner_arn: str, source: str, field: str
) -> list[InlinePolicy]:
    out = []
    for i, pol in enumerate(entry.get(list_key, [])):
        if not isinstance(pol, dict) or not isinstance(pol.get("PolicyName"), str):
            raise IngestError(source, f"{field}.{list_key}[{i}].PolicyName", "missing")
        ref = f"{owner_arn}#inline/{pol['PolicyName']}"
        out.append(
            InlinePolicy(
                pol["PolicyName"],
                _doc(
                    pol.get("PolicyDocument"),
                    ref,
                    "identity",
                    source,
                    f"{field}.{list_key}[{i}].PolicyDocument",
                ),
            )
        )
    return out


def _boundary(entry: dict[str, Any]) -> str | None:
    b = entry.get("PermissionsBoundary")
    if isinstance(b, dict) and isinstance(b.get("PermissionsBoundaryArn"), str):
        return str(b["PermissionsBoundaryArn"])
    return None


#: GAAD list -> principal kind; entry fields follow AWS naming: `UserName`, `UserId`, `UserPolicyList`, ...
ENTITY_LISTS: tuple[tuple[str, PrincipalKind], ...] = (
    ("UserDetailList", "user"),
    ("GroupDetailList", "group"),
    ("RoleDetailList", "role"),
)


def _principal(item: dict[str, Any], kind: PrincipalKind, acct: str, source: str, field: str) -> Principal:
    title = kind.capitalize()
    arn = item["Arn"]
    principal = Principal(
        arn=arn,
        kind=kind,
        name=item[f"{title}Name"],
        path=item["Path"],
        account_id=acct,
        unique_id=item.get(f"{title}Id"),
        tags=tag_map(item.get("Tags")),
        inline_policies=_inline(item, f"{title}PolicyList", arn, source, field),
        managed_policy_arns=_attached(item, source, field),
        boundary_arn=_boundary(item),
        created=item.get("CreateDate"),
    )
    if kind == "user":
        principal.group_names = [g for g in item.get("GroupList", []) if isinstance(g, str)]
    if kind == "role":
        principal.trust_policy = _doc(
            item.get("AssumeRolePolicyDocument"),
            f"trust:{arn}",
            "trust",
            source,
            f"{field}.AssumeRolePolicyDocument",
        )
        principal.instance_profile_arns = [
            str(p["Arn"])
            for p in item.get("InstanceProfileList", [])
            if isinstance(p, dict) and isinstance(p.get("Arn"), str)
        ]
        last_used = item.get("RoleLastUsed")
        principal.last_used = last_used.get("LastUsedDate") if isinstance(last_used, dict) else None
    return principal


def build_snapshot(bundle: dict[str, Any], source: str = "input") -> Snapshot:
    snap = Snapshot(collected_at=bundle.get("collected_at"))
    for acct, gaad in bundle.get("authorization_details", {}).items():
        snap.accounts[acct] = Account(account_id=acct)
        base = f"authorization_details.{acct}"
        for i, item in enumerate(gaad.get("Policies", [])):
            pol = _managed_policy(item, source, f"{base}.Policies[{i}]")
            snap.policies[pol.arn] = pol
        for list_key, kind in ENTITY_LISTS:
            for i, item in enumerate(gaad.get(list_key, [])):
                principal = _principal(item, kind, acct, source, f"{base}.{list_key}[{i}]")
                snap.principals[principal.arn] = principal
    manifest = bundle.get("agents_manifest")
    if manifest:
        snap.agents_manifest = manifest
    for item in list(bundle.get("accounts", [])) + list((manifest or {}).get("accounts", [])):
        acct = snap.accounts.setdefault(item["id"], Account(account_id=item["id"]))
        acct.name = item.get("name") or acct.name
        acct.owner = item.get("owner") or acct.owner
    org = bundle.get("organization")
    if org:
        policies = [
            OrgPolicy(
                kind=p["type"],
                name=str(p.get("name", f"{p['type']}-{i}")),
                targets=list(p["targets"]),
                document=_doc(
                    p["document"],
                    f"{p['type'].lower()}:{p.get('name', i)}",
                    p["type"].lower(),
                    source,
                    f"organization.policies[{i}].document",
                ),
            )
            for i, p in enumerate(org.get("policies", []))
        ]
        snap.organization = Organization(
            org_id=org.get("id"),
            management_account_id=org.get("management_account_id"),
            member_accounts={k: list(v) for k, v in org.get("member_accounts", {}).items()},
            policies=policies,
        )
    for i, rp in enumerate(bundle.get("resource_policies", [])):
        doc = (
            None
            if rp.get("policy") is None
            else _doc(rp["policy"], rp["arn"], "resource", source, f"resource_policies[{i}].policy")
        )
        snap.resource_policies[rp["arn"]] = ResourcePolicy(rp["arn"], rp.get("account_id"), doc)
    for idp in bundle.get("identity_providers", []):
        idp_kind = str(idp.get("type") or ("OIDC" if "oidc-provider" in idp["arn"] else "SAML"))
        snap.identity_providers[idp["arn"]] = IdentityProvider(idp["arn"], idp_kind, idp.get("url"))
    for i, s in enumerate(bundle.get("sessions", [])):
        docs = [
            _doc(p, f"session:{s['session_arn']}", "session", source, f"sessions[{i}].session_policies[{j}]")
            for j, p in enumerate(s.get("session_policies") or [])
        ]
        snap.sessions[s["session_arn"]] = Session(s["session_arn"], s["role_arn"], docs)
    snap.agent_resources = dict(bundle.get("agent_resources") or {})
    snap.cloudtrail = list(bundle.get("cloudtrail") or [])
    snap.credential_report = list(bundle.get("credential_report") or [])
    return snap

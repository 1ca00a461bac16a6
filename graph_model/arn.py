"""ARN helpers.

IAM answers depend on what an ARN says (account, entity type, path, name), and real exports sometimes omit
fields that the ARN carries, so every module derives them here rather than trusting optional JSON fields.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def resource_type(self) -> str:
        """`user`, `role`, `policy`, `assumed-role`, ... (the part before the first `/` or `:`)."""
        for sep in ("/", ":"):
            if sep in self.resource:
                return self.resource.split(sep, 1)[0]
        return self.resource

    @property
    def name(self) -> str:
        """The last path segment: the entity name for IAM ARNs."""
        return self.resource.rsplit("/", 1)[-1]

    @property
    def path(self) -> str:
        """The IAM path between the type and the name (`/` when there is none)."""
        parts = self.resource.split("/")
        if len(parts) <= 2:
            return "/"
        return "/" + "/".join(parts[1:-1]) + "/"


def parse_arn(text: str) -> Arn | None:
    """Parse `arn:partition:service:region:account:resource`; None when the text is not an ARN."""
    if not isinstance(text, str) or not text.startswith("arn:"):
        return None
    parts = text.split(":", 5)
    if len(parts) != 6:
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def account_of(text: str) -> str | None:
    arn = parse_arn(text)
    return arn.account if arn and arn.account else None


def session_role_arn(session_arn: str) -> str | None:
    """`arn:aws:sts::A:assumed-role/R/S` -> `arn:aws:iam::A:role/R` (the path is not in a session ARN)."""
    arn = parse_arn(session_arn)
    if not arn or arn.service != "sts" or arn.resource_type != "assumed-role":
        return None
    parts = arn.resource.split("/")
    if len(parts) < 3:
        return None
    return f"arn:{arn.partition}:iam::{arn.account}:role/{parts[1]}"


def account_root_arn(account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def is_service_linked_role(arn: str) -> bool:
    """Service-linked roles live under `/aws-service-role/`: AWS exempts them from SCPs and never lets
    IAM principals assume them."""
    parsed = parse_arn(arn)
    return bool(
        parsed and parsed.resource_type == "role" and parsed.resource.startswith("role/aws-service-role/")
    )

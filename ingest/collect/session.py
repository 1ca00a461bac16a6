"""boto3 sessions and clients for the collector.

Why here: credentials must come from the standard chain (`--profile`, environment, SSO, instance or task
role) so agentpath never handles secrets itself; every client must share one retry policy (adaptive mode, so
bursts of throttling slow the client down instead of failing the run); and `--endpoint-url` must reach every
service so the whole collector can run against an emulator such as moto.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config

DEFAULT_MAX_RETRIES = 10
DEFAULT_REGION = "us-east-1"


def make_session(profile: str | None = None, region: str | None = None) -> boto3.session.Session:
    """A session from the standard credential chain; `profile` selects a named (possibly SSO) profile."""
    return boto3.session.Session(profile_name=profile, region_name=region)


def assumed_session(credentials: dict[str, Any], region: str | None) -> boto3.session.Session:
    """A session from sts:AssumeRole credentials (one hour: an account takes far less)."""
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )


def client_config(max_retries: int = DEFAULT_MAX_RETRIES) -> Config:
    """Adaptive retries: botocore backs off and rate-limits itself on Throttling/ThrottlingException/429.

    botocore's `max_attempts` counts retries after the first attempt (10: up to 11 requests per call).
    """
    return Config(
        retries={"mode": "adaptive", "max_attempts": max_retries},
        user_agent_extra="agentpath-collect",
        connect_timeout=10,
        read_timeout=60,
    )


@dataclass
class ClientFactory:
    """Creates (and caches) clients with the shared config and optional emulator endpoint."""

    endpoint_url: str | None = None
    max_retries: int = DEFAULT_MAX_RETRIES
    _cache: dict[tuple[boto3.session.Session, str, str], Any] = field(default_factory=dict, repr=False)
    _resolved: dict[str, bool] = field(default_factory=dict, repr=False)

    def client(self, session: boto3.session.Session, service: str, region: str | None = None) -> Any:
        region = region or session.region_name or DEFAULT_REGION
        key = (session, service, region)
        if key not in self._cache:
            self._cache[key] = session.client(
                service,
                region_name=region,
                endpoint_url=self.endpoint_url,
                config=client_config(self.max_retries),
            )
        return self._cache[key]

    def endpoint_missing(self, client: Any) -> bool:
        """True when the client's regional endpoint has no DNS record: the service is not offered there.

        Why: botocore retries connection errors like any transient error, so calling a service in a region
        where it does not exist costs minutes of backoff (AgentCore and Bedrock Agents run in few regions).
        Not checked with `--endpoint-url` or behind an HTTPS proxy, where local DNS says nothing.
        """
        if self.endpoint_url or any(os.environ.get(k) for k in ("HTTPS_PROXY", "https_proxy")):
            return False
        host = urlparse(str(client.meta.endpoint_url)).hostname or ""
        if host not in self._resolved:
            try:
                socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
                self._resolved[host] = True
            except (socket.gaierror, UnicodeError):
                self._resolved[host] = False
        return not self._resolved[host]

"""docker-compose.yml cannot run here (no Docker daemon), so this keeps it correct by reading it: the
services, ports, volumes and healthcheck users rely on, and that every variable it hands to agentpath is one
the code reads (found by scanning the code at test time, so a renamed variable breaks this test, not a team's
deployment).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
CODE_DIRS = ("ingest", "graph_model", "queries", "ui")
ENV_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
#: What the Neo4j store and `open_store` need to reach a server; the UI container must be given all of them.
CONNECTION_VARS = {"AGENTPATH_STORE", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE"}


def env_vars_read_by_code() -> set[str]:
    names: set[str] = set()
    for folder in CODE_DIRS:
        for path in (REPO / folder).rglob("*.py"):
            for match in ENV_READ.finditer(path.read_text(errors="replace")):
                names.add(match.group(1) or match.group(2))
    return names


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the `- KEY=value` form
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def published(service: dict[str, Any]) -> dict[int, int]:
    """container port -> host port, from the short `"HOST:CONTAINER"` form."""
    out = {}
    for item in service.get("ports", []):
        host, _, container = str(item).rpartition(":")
        out[int(container)] = int(host.rpartition(":")[2])
    return out


def test_services_are_neo4j_and_the_explorer(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"neo4j", "agentpath"}


def test_neo4j_is_the_official_5_image_with_a_named_volume_and_a_healthcheck(compose: dict[str, Any]) -> None:
    neo = compose["services"]["neo4j"]
    assert re.fullmatch(r"neo4j:5(\.\d+)*(-community|-enterprise)?", neo["image"])
    assert published(neo) == {7474: 7474, 7687: 7687}
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in neo["volumes"]}
    assert "/data" in mounts, "the graph must live in a volume, not in the container"
    assert mounts["/data"] in (compose.get("volumes") or {}), "/data must be a NAMED volume (top level)"
    health = neo["healthcheck"]
    test = " ".join(health["test"]) if isinstance(health["test"], list) else health["test"]
    assert "7474" in test or "7687" in test
    assert "curl" not in test, "the neo4j community image has wget, not curl"
    assert {"interval", "retries"} <= set(health)
    auth = environment(neo)["NEO4J_AUTH"]
    assert re.fullmatch(r"neo4j/\$\{NEO4J_PASSWORD(:\?[^}]*)?\}", auth), "password from the environment"


def test_the_explorer_is_wired_to_neo4j_by_the_variables_the_code_reads(compose: dict[str, Any]) -> None:
    app = compose["services"]["agentpath"]
    env = environment(app)
    read = env_vars_read_by_code()
    assert read >= CONNECTION_VARS, f"the code no longer reads {CONNECTION_VARS - read}"
    unread = set(env) - read
    assert not unread, f"docker-compose.yml sets variables no agentpath code reads: {sorted(unread)}"
    assert set(env) >= CONNECTION_VARS, f"the explorer is not given {sorted(CONNECTION_VARS - set(env))}"
    assert env["AGENTPATH_STORE"] == "bolt://neo4j:7687"  # the service name, on Neo4j's Bolt port
    assert re.fullmatch(r"\$\{NEO4J_PASSWORD(:\?[^}]*)?\}", env["NEO4J_PASSWORD"]), "no literal password"
    assert env.get("AGENTPATH_UI_ADDRESS") == "0.0.0.0", "Streamlit must listen beyond the container loopback"
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"


def test_the_explorer_command_and_port_agree(compose: dict[str, Any]) -> None:
    app = compose["services"]["agentpath"]
    command = app["command"] if isinstance(app["command"], list) else app["command"].split()
    assert command[:3] == ["agentpath", "--store", environment(app)["AGENTPATH_STORE"]]
    assert command[3] == "ui" and "--headless" in command
    port = int(command[command.index("--port") + 1])
    assert published(app) == {port: port}
    build = app["build"]
    dockerfile = build.get("dockerfile_inline", "")
    assert "python:3.11" in dockerfile and "pip install" in dockerfile and build["context"] == "."
    from ui.cli import build_parser

    args = build_parser().parse_args(command[1:])  # the CLI really accepts this command line
    assert args.verb == "ui" and args.port == port and args.store == "bolt://neo4j:7687"


def test_docker_compose_config_accepts_the_file() -> None:
    """Where Docker Compose v2 exists, its own parser must accept the file (no daemon needed)."""
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True,
                                        check=False).returncode != 0:
        pytest.skip("Docker Compose v2 is not installed here; the tests above check the file structurally")
    result = subprocess.run([docker, "compose", "-f", str(COMPOSE), "config", "--quiet"], capture_output=True,
                            text=True, env={"NEO4J_PASSWORD": "x" * 12, "PATH": "/usr/bin:/bin"}, check=False)
    assert result.returncode == 0, result.stderr

"""Smoke test of the real Neo4j test server: commit, crash (SIGKILL), restart, data still there.

This is what the crash-safety fixtures rely on. Skipped only when Java or Maven is missing.
"""

from __future__ import annotations

import uuid

import pytest
from neo4j_server.server import java_and_maven_available, running_neo4j

_SKIP_REASON = java_and_maven_available()

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.skipif(_SKIP_REASON is not None, reason=_SKIP_REASON or ""),
]


def test_committed_node_survives_a_crash_and_restart() -> None:
    marker = str(uuid.uuid4())
    with running_neo4j() as server:
        assert server.uri.startswith("bolt://127.0.0.1:")
        port = server.port

        with server.driver() as driver:
            records, _, _ = driver.execute_query("RETURN 1 AS ok")
            assert records[0]["ok"] == 1
            driver.execute_query("CREATE (:SmokeTest {marker: $marker})", marker=marker)

        code = server.kill()  # SIGKILL: no checkpoint, no clean shutdown
        assert code is not None and code != 0
        assert not server.is_running

        server.start()  # same home, same port: Neo4j recovers from its transaction log
        assert server.port == port
        with server.driver() as driver:
            records, _, _ = driver.execute_query(
                "MATCH (n:SmokeTest {marker: $marker}) RETURN count(n) AS n", marker=marker
            )
            assert records[0]["n"] == 1

        assert server.stop() in (0, 143)  # clean shutdown through the JVM's shutdown hook
        assert not server.is_running

"""The Neo4j store: the team store behind the same interface as the embedded one, over Bolt.

Connection settings come from the environment so that no secret ever appears on a command line or in a
config file the tool writes: `NEO4J_USER` / `NEO4J_PASSWORD` (no authentication when neither is set) and
`NEO4J_DATABASE` (the server's default database when unset). The password is handed to the driver and to
nothing else: no message, log line or `repr` of this module contains it.

Loading follows what people who run Neo4j in production expect (the cartography pattern):
- uniqueness constraints on `uid` for every label of the model (and `Principal`), created on first load;
- `UNWIND $rows` batches of thousands of rows per statement;
- MERGE on stable keys (node `uid`; relationship type + endpoints + `key`), so loading the same data twice
  changes nothing but the run tag;
- every node and relationship written by a run carries that run's `run_id`; whatever of agentpath's
  vocabulary does not carry it afterwards was not in the new snapshot and is deleted.

All of that, plus the raw source bundle and the run info on the single `(:AgentpathMeta)` node, happens in ONE
write transaction. Neo4j commits it whole or not at all: a load whose process is killed, or whose server is
stopped halfway, is rolled back (or discarded by recovery) and the previous complete run stays queryable.
The price is that one run must fit in the server's transaction memory, which is ample for IAM-sized graphs.

This store keeps no history: data absent from the newest run is deleted, not kept with a `last_seen`.
History lives in the ingest inputs (the bundle files) rather than in the graph, which keeps every query of the
library identical on both stores.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import neo4j
from neo4j.exceptions import (
    AuthError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)
from neo4j.graph import Node, Path, Relationship

from graph_model.model import NODE_LABELS, RELATIONSHIPS, GraphData
from queries.store.base import (
    GraphStore,
    Progress,
    ReadOnlyViolation,
    StoreError,
    batches,
    check_labels,
    decode_source,
    encode_source,
    labels_for,
    refuse_writes,
)

META_LABEL = "AgentpathMeta"
META_ID = "agentpath"
#: `replace` outside `write_lock` (tests, tools) does not check which run it replaces.
_UNCHECKED = object()
#: Index names are fixed so `IF NOT EXISTS` makes schema creation idempotent across versions of agentpath.
SCHEMA_STATEMENTS: tuple[str, ...] = (
    *(
        f"CREATE CONSTRAINT agentpath_{label.lower()}_uid IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE n.uid IS UNIQUE"
        for label in (*NODE_LABELS, "Principal")
    ),
    f"CREATE CONSTRAINT agentpath_meta_id IF NOT EXISTS FOR (m:{META_LABEL}) REQUIRE m.id IS UNIQUE",
    # the library filters principals on these; cheap to keep, and `admins` then scales with admins, not nodes
    "CREATE INDEX agentpath_principal_admin IF NOT EXISTS FOR (n:Principal) ON (n.is_admin)",
    "CREATE INDEX agentpath_principal_kind IF NOT EXISTS FOR (n:Principal) ON (n.kind)",
)
#: Bookkeeping properties that exist only in this store; dropped from whole nodes/relationships returned by
#: `read` so that a console query returns the same thing on both stores.
INTERNAL_PROPS = frozenset({"run_id"})
CONNECT_TIMEOUT_S = 10.0

T = TypeVar("T")


def _display_uri(uri: str) -> str:
    """The URI as it may be shown: user info (`bolt://user:secret@host`) is never echoed back."""
    return re.sub(r"^([a-z0-9+.-]+://)[^@/]*@", r"\1", uri, flags=re.IGNORECASE)


def _first_line(exc: BaseException) -> str:
    """One line for the CLI: the driver's connection errors span lines and end in the OS reason."""
    text = str(exc).strip()
    if isinstance(exc, Neo4jError) and getattr(exc, "message", None):
        text = str(exc.message).strip()
    reason = re.findall(r"\(reason ([^()]*(?:\([^()]*\))?[^()]*)\)", text)
    if reason:
        return reason[-1].strip()
    return " ".join(text.split()) if text else type(exc).__name__


def auth_from_env() -> tuple[str, str] | None:
    """`NEO4J_USER` (default `neo4j`) and `NEO4J_PASSWORD`; no authentication when neither is set.

    A user without a password is a configuration mistake that would otherwise surface as a confusing
    authentication failure, so it is reported as such.
    """
    user, password = os.environ.get("NEO4J_USER") or "", os.environ.get("NEO4J_PASSWORD") or ""
    if not user and not password:
        return None
    if not password:
        raise StoreError("NEO4J_USER is set but NEO4J_PASSWORD is not: set both, or neither for no auth")
    return (user or "neo4j", password)


class Neo4jStore(GraphStore):
    """A `GraphStore` on a Neo4j server (5.x, Community or Enterprise, single instance, cluster or Aura)."""

    dialect = "neo4j"

    def __init__(self, uri: str, *, database: str | None = None, max_retry_time: float | None = None) -> None:
        self.uri = uri
        self.shown_uri = _display_uri(uri)
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        self._schema_ready = False
        self._expected_run: object = _UNCHECKED
        config: dict[str, Any] = {
            "user_agent": "agentpath",
            "connection_timeout": CONNECT_TIMEOUT_S,
            "connection_acquisition_timeout": 2 * CONNECT_TIMEOUT_S,
            # fixed, parameterised queries: warnings about unknown labels on an empty store are stderr noise
            "notifications_min_severity": "OFF",
        }
        if max_retry_time is not None:
            config["max_transaction_retry_time"] = max_retry_time
        try:
            self._driver = neo4j.GraphDatabase.driver(uri, auth=auth_from_env(), **config)
        except (ValueError, DriverError) as exc:
            raise StoreError(f"bad Neo4j URI {self.shown_uri}: {_first_line(exc)}") from exc
        try:
            with self._errors("connecting"):
                self._driver.verify_connectivity()
        except BaseException:
            self._driver.close()
            raise

    # --- plumbing ---------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _errors(self, doing: str, *, reading: bool = False) -> Iterator[None]:
        """Every driver failure becomes one line naming the URI (never the credentials), for exit code 3."""
        where = f"Neo4j at {self.shown_uri}"
        try:
            yield
        except StoreError:
            raise
        except AuthError as exc:
            raise StoreError(
                f"{where} refused the credentials from NEO4J_USER / NEO4J_PASSWORD ({_first_line(exc)})"
            ) from exc
        except (ServiceUnavailable, SessionExpired) as exc:
            tail = "; the previous run is left intact" if doing == "loading" else ""
            raise StoreError(f"cannot reach {where} while {doing}: {_first_line(exc)}{tail}") from exc
        except Neo4jError as exc:
            code = exc.code or ""
            if reading and (code.endswith(".AccessMode") or code.endswith("Security.Forbidden")):
                raise ReadOnlyViolation(
                    f"refused by {where}: the query console is read-only ({_first_line(exc)})"
                ) from exc
            if code.endswith("DatabaseNotFound"):
                raise StoreError(f"{where} has no database {self.database!r} (NEO4J_DATABASE)") from exc
            raise StoreError(f"{where} failed while {doing}: {_first_line(exc)}") from exc
        except (DriverError, OSError) as exc:
            raise StoreError(f"{where} failed while {doing}: {_first_line(exc)}") from exc

    def _session(self, access_mode: str) -> neo4j.Session:
        return self._driver.session(database=self.database, default_access_mode=access_mode)

    def _read_tx(self, work: Callable[[neo4j.ManagedTransaction], T], doing: str) -> T:
        """READ access mode: Neo4j itself refuses writes (and a cluster routes the read to a reader)."""
        with self._errors(doing, reading=True), self._session(neo4j.READ_ACCESS) as session:
            return session.execute_read(work)

    def close(self) -> None:
        self._driver.close()

    # --- schema -----------------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Constraints and indexes, created on first load (schema changes cannot share a transaction with
        data, so they run before the load; `IF NOT EXISTS` makes this a no-op afterwards)."""
        if self._schema_ready:
            return
        with self._errors("creating constraints"), self._session(neo4j.WRITE_ACCESS) as session:
            for statement in SCHEMA_STATEMENTS:
                session.run(statement).consume()
            session.run("CALL db.awaitIndexes(300)").consume()
        self._schema_ready = True

    # --- loading ----------------------------------------------------------------------------------------
    def replace(
        self,
        graph: GraphData,
        source: Mapping[str, Any],
        run: Mapping[str, Any],
        progress: Progress | None = None,
    ) -> None:
        check_labels(graph)
        plan = _plan(graph)
        total = sum(len(rows) for _, _, rows in plan)
        run_id = str(run.get("run_id") or uuid.uuid4().hex[:12])
        run_json = json.dumps(dict(run))
        encoded = encode_source(source)
        self.ensure_schema()

        def work(tx: neo4j.ManagedTransaction) -> None:
            # Writing the meta node first takes its lock: a concurrent load waits here, never interleaves.
            record = tx.run(
                f"MERGE (m:{META_LABEL} {{id: $id}}) WITH m, m.run_id AS previous "
                "SET m.loading = $tag RETURN previous",
                id=META_ID,
                tag=run_id,
            ).single()
            if self._expected_run is not _UNCHECKED:
                current = tx.run(
                    f"MATCH (m:{META_LABEL} {{id: $id}}) RETURN m.run AS run", id=META_ID
                ).single()
                current_run = json.loads(current["run"]).get("run_id") if current and current["run"] else None
                if current_run != self._expected_run:
                    raise StoreError(
                        "another ingest finished while this one ran; nothing was written "
                        "(run it again to merge with the newer state)"
                    )
            tag = run_id
            if record is not None and record["previous"] == run_id:
                tag = f"{run_id}-{uuid.uuid4().hex[:6]}"  # a re-used run id must not spare stale data
            done = 0
            for stage, statement, rows in plan:
                for chunk in batches(rows):
                    tx.run(statement, rows=chunk, run_id=tag).consume()
                    done += len(chunk)
                    if progress:
                        progress(stage, done, total)
            for rtype in RELATIONSHIPS:
                tx.run(
                    f"MATCH ()-[x:{rtype}]->() WHERE x.run_id IS NULL OR x.run_id <> $run_id DELETE x",
                    run_id=tag,
                ).consume()
            for label in (*NODE_LABELS, "Principal"):
                tx.run(
                    f"MATCH (n:{label}) WHERE n.run_id IS NULL OR n.run_id <> $run_id DETACH DELETE n",
                    run_id=tag,
                ).consume()
            tx.run(
                f"MATCH (m:{META_LABEL} {{id: $id}}) "
                "SET m.source = $source, m.run = $run, m.run_id = $run_id, m.loaded_at = $at "
                "REMOVE m.loading",
                id=META_ID,
                source=encoded,
                run=run_json,
                run_id=tag,
                at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            ).consume()

        with self._errors("loading"), self._session(neo4j.WRITE_ACCESS) as session:
            session.execute_write(work)

    # --- reading ----------------------------------------------------------------------------------------
    def read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        refuse_writes(cypher)
        parameters = dict(params or {})

        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            result = tx.run(cypher, parameters)
            return [{key: _plain(value) for key, value in record.items()} for record in result]

        return self._read_tx(work, "running a query")

    def _meta(self, prop: str) -> Any:
        def work(tx: neo4j.ManagedTransaction) -> Any:
            record = tx.run(
                f"MATCH (m:{META_LABEL} {{id: $id}}) RETURN m[$prop] AS value", id=META_ID, prop=prop
            ).single()
            return record["value"] if record is not None else None

        return self._read_tx(work, "reading the run info")

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Optimistic: remember which run the ingest starts from; `replace` refuses to commit over a run
        another ingest committed meanwhile (that run's accounts would be lost otherwise)."""
        previous = self.last_run()
        self._expected_run = previous.get("run_id") if previous else None
        try:
            yield
        finally:
            self._expected_run = _UNCHECKED

    def source(self) -> dict[str, Any] | None:
        raw = self._meta("source")
        return decode_source(raw) if raw else None

    def last_run(self) -> dict[str, Any] | None:
        raw = self._meta("run")
        return json.loads(raw) if raw else None


def _plan(graph: GraphData) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """The load as (stage, statement, rows): nodes per label first, then relationships per (type, endpoint
    labels), so every MATCH hits a uniqueness index. Labels and types come only from the model's vocabulary
    (checked by `check_labels`); everything else is a parameter."""
    by_label: dict[str, dict[str, dict[str, Any]]] = {}
    label_of: dict[str, str] = {}
    for n in graph.nodes:
        by_label.setdefault(n.label, {})[n.uid] = {"uid": n.uid, "props": dict(n.props)}
        label_of[n.uid] = n.label
    plan: list[tuple[str, str, list[dict[str, Any]]]] = []
    for label in sorted(by_label):
        extra = " SET n:Principal" if labels_for(label) != label else ""
        plan.append(
            (
                "nodes",
                f"UNWIND $rows AS r MERGE (n:{label} {{uid: r.uid}}) "
                f"SET n = r.props, n.uid = r.uid, n.run_id = $run_id{extra}",
                list(by_label[label].values()),
            )
        )
    by_type: dict[tuple[str, str, str], dict[tuple[str, str, str], dict[str, Any]]] = {}
    for r in graph.relationships:
        src, dst = label_of.get(r.source), label_of.get(r.target)
        if src is None or dst is None:
            continue  # an edge to something the snapshot does not hold (the embedded store skips it too)
        by_type.setdefault((r.type, src, dst), {})[(r.source, r.target, r.key)] = {
            "s": r.source,
            "t": r.target,
            "k": r.key,
            "props": dict(r.props),
        }
    for rtype, src, dst in sorted(by_type):
        plan.append(
            (
                "relationships",
                f"UNWIND $rows AS r MATCH (a:{src} {{uid: r.s}}) MATCH (b:{dst} {{uid: r.t}}) "
                f"MERGE (a)-[x:{rtype} {{key: r.k}}]->(b) SET x = r.props, x.key = r.k, x.run_id = $run_id",
                list(by_type[(rtype, src, dst)].values()),
            )
        )
    return plan


def _plain(value: Any) -> Any:
    """Nodes and relationships become their property dicts (without bookkeeping), like the embedded store."""
    if isinstance(value, Node | Relationship):
        return {k: _plain(v) for k, v in value.items() if k not in INTERNAL_PROPS}
    if isinstance(value, Path):
        return {
            "nodes": [_plain(n) for n in value.nodes],
            "relationships": [_plain(r) for r in value.relationships],
        }
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    iso = getattr(value, "iso_format", None)  # neo4j.time values: show them as ISO text
    if callable(iso):
        return iso()
    return value

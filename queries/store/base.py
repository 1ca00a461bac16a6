"""The store interface: one small surface that both the embedded store and Neo4j implement.

`replace` is atomic per ingest run (a failed or killed load leaves the previous run queryable), `read` runs
only read-only Cypher with parameters, and the raw inputs of the current state travel with the graph so that
`check`, `explain` and what-if analyses can re-evaluate policies without the original files.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graph_model.model import NODE_LABELS, RELATIONSHIPS, GraphData

Progress = Callable[[str, int, int], None]
BATCH_SIZE = 2000


class StoreError(RuntimeError):
    """The store cannot be reached or refused an operation; the message is one line for the CLI."""


class ReadOnlyViolation(StoreError):
    """A write was attempted through the read-only query path."""


WRITE_CLAUSES = re.compile(
    r"\b(CREATE|MERGE|DELETE|DETACH|SET|REMOVE|DROP|LOAD\s+CSV|FOREACH)\b|\bCALL\s+(db|dbms|apoc|gds)\.",
    re.IGNORECASE,
)


def refuse_writes(cypher: str) -> None:
    """A first, dialect-independent guard; each store also runs reads in its engine's read-only mode, which
    is the real enforcement (string checks alone can be fooled)."""
    stripped = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|//[^\n]*", "''", cypher)
    match = WRITE_CLAUSES.search(stripped)
    if match:
        raise ReadOnlyViolation(
            f"refused: {match.group(0).upper()} would write; the query console is read-only"
        )


def encode_source(bundle: Mapping[str, Any]) -> str:
    return base64.b64encode(gzip.compress(json.dumps(bundle, separators=(",", ":")).encode(), 6)).decode()


def decode_source(text: str) -> dict[str, Any]:
    return json.loads(gzip.decompress(base64.b64decode(text)))


def check_labels(graph: GraphData) -> None:
    """Labels and relationship types become part of query text (Cypher cannot parameterise them), so only
    the fixed vocabulary of the model is ever allowed through."""
    for n in graph.nodes:
        if n.label not in NODE_LABELS:
            raise StoreError(f"unknown node label {n.label!r}")
    for r in graph.relationships:
        if r.type not in RELATIONSHIPS:
            raise StoreError(f"unknown relationship type {r.type!r}")


def labels_for(label: str) -> str:
    return f"{label}:Principal" if label in ("User", "Role", "Group") else label


def batches(rows: list[Any], size: int = BATCH_SIZE) -> list[list[Any]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)] or []


class GraphStore(ABC):
    dialect: str = ""
    uri: str = ""

    @abstractmethod
    def replace(
        self,
        graph: GraphData,
        source: Mapping[str, Any],
        run: Mapping[str, Any],
        progress: Progress | None = None,
    ) -> None: ...

    @abstractmethod
    def read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]: ...

    @abstractmethod
    def source(self) -> dict[str, Any] | None: ...

    @abstractmethod
    def last_run(self) -> dict[str, Any] | None: ...

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Serialise ingest runs against this store (read inputs, merge, replace). Neo4j's single write
        transaction makes each run atomic; the embedded store also needs runs not to interleave."""
        yield

    def close(self) -> None:  # noqa: B027 - optional for stores with nothing to release
        pass

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

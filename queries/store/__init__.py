"""Opening a store from a URI: `embedded:PATH` (the default) or `bolt://`, `neo4j://` (and +s/+ssc)."""

from __future__ import annotations

import os

from queries.store.base import GraphStore, ReadOnlyViolation, StoreError

__all__ = ["GraphStore", "StoreError", "ReadOnlyViolation", "open_store", "default_store_uri"]


def _default_dir() -> str:
    from queries.store.embedded import default_data_dir

    return str(default_data_dir())


def default_store_uri() -> str:
    from queries.store.embedded import default_data_dir

    return os.environ.get("AGENTPATH_STORE") or f"embedded:{default_data_dir()}"


def open_store(uri: str | None = None, *, keep_running: bool = False) -> GraphStore:
    uri = uri or default_store_uri()
    if uri.startswith("embedded:") or uri == "embedded":
        from queries.store.embedded import EmbeddedStore

        path = uri.partition(":")[2] if uri != "embedded" else str(_default_dir())
        if not path:
            raise StoreError("embedded: needs a folder, e.g. embedded:/path/to/store (or leave --store out)")
        return EmbeddedStore(path, keep_running=keep_running)
    if uri.split("://", 1)[0] in ("bolt", "neo4j", "bolt+s", "neo4j+s", "bolt+ssc", "neo4j+ssc"):
        from queries.store.neo4j_store import Neo4jStore

        return Neo4jStore(uri)
    raise StoreError(f"unknown store URI {uri!r}: use embedded:PATH or bolt://HOST:PORT / neo4j://HOST:PORT")

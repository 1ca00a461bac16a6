"""The named Cypher query library.

Each query is a `.cypher` file in `queries/library/` with a header (name, purpose, params, columns) and one
text, or one text per dialect after `// dialect: falkordb` / `// dialect: neo4j` lines where the engines
differ. Parameters only: no query is ever built by pasting user input into its text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queries.store.base import GraphStore

if TYPE_CHECKING:
    import pandas as pd

LIBRARY_DIR = Path(__file__).parent / "library"
HEADER = re.compile(r"^//\s*(name|purpose|params|columns|dialect|scheduled):\s*(.*)$")


@dataclass
class NamedQuery:
    name: str
    purpose: str
    params: list[str]
    columns: list[str]
    texts: dict[str, str] = field(default_factory=dict)  # dialect ("*" = both) -> Cypher
    scheduled: bool = False

    def text_for(self, dialect: str) -> str:
        return self.texts.get(dialect) or self.texts["*"]


def parse_query_file(path: Path) -> NamedQuery:
    meta: dict[str, str] = {}
    texts: dict[str, list[str]] = {}
    current = "*"
    for line in path.read_text().splitlines():
        m = HEADER.match(line.strip())
        if m:
            key, value = m.group(1), m.group(2).strip()
            if key == "dialect":
                current = value
                texts.setdefault(current, [])
            else:
                meta[key] = value
            continue
        if line.strip().startswith("//") and not texts.get(current):
            continue
        texts.setdefault(current, []).append(line)
    if "name" not in meta:
        raise ValueError(f"{path.name}: missing '// name:' header")
    split = lambda v: [x.strip() for x in v.split(",") if x.strip() and x.strip() != "(none)"]  # noqa: E731
    return NamedQuery(
        name=meta["name"],
        purpose=meta.get("purpose", ""),
        params=split(meta.get("params", "")),
        columns=split(meta.get("columns", "")),
        texts={k: "\n".join(v).strip() for k, v in texts.items() if "\n".join(v).strip()},
        scheduled=meta.get("scheduled", "").lower() in ("yes", "true"),
    )


@lru_cache(maxsize=1)
def library() -> dict[str, NamedQuery]:
    out = {}
    for path in sorted(LIBRARY_DIR.glob("*.cypher")):
        q = parse_query_file(path)
        out[q.name] = q
    return out


class UnknownQuery(KeyError, ValueError):
    """A query name the library does not have (a KeyError for callers probing for optional queries)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown query"


def run_named(store: GraphStore, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    q = library().get(name)
    if q is None:
        raise UnknownQuery(f"no named query {name!r}; `agentpath query` lists them")
    given = dict(params or {})
    missing = [p for p in q.params if p not in given]
    if missing:
        raise ValueError(f"query {name} needs parameter(s): {', '.join(missing)}")
    return store.read(q.text_for(store.dialect), given)


def run_frame(store: GraphStore, name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The same rows as a pandas DataFrame (for notebooks and the UI); pandas loads only when asked for."""
    import pandas as pd

    rows = run_named(store, name, params)
    q = library()[name]
    return pd.DataFrame(rows, columns=q.columns or None)

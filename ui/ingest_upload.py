"""Ingesting uploaded files: the CLI's pipeline fed from memory, with the CLI's error lines.

Uploads are written under a private temporary folder with their own names, so an error reads exactly like
`agentpath ingest NAME` would print it (the temporary folder is removed from messages).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import IngestError
from ingest.pipeline import IngestSummary, ingest_bundle, read_inputs
from queries.store.base import GraphStore

Progress = Callable[[float, str], None]

#: Share of the progress bar for each phase: validation and analysis have no inner progress, loading does.
VALIDATED, ANALYSED = 0.1, 0.3


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def _stage_uploads(uploads: Sequence[Upload], folder: Path) -> list[str]:
    """One sub-folder per upload, so two files with one name (two pages of an export) never collide."""
    out = []
    for i, up in enumerate(uploads):
        sub = folder / str(i)
        sub.mkdir()
        target = sub / (Path(up.name).name or f"upload-{i}.json")
        target.write_bytes(up.content)
        out.append(str(target))
    return out


def _clean(exc: IngestError, folder: Path, count: int) -> IngestError:
    source = exc.source
    for i in range(count):
        source = source.replace(f"{folder}/{i}/", "")
    return IngestError(source, exc.field, exc.message)


def ingest_uploads(
    uploads: Sequence[Upload], paths: Sequence[str], store: GraphStore, progress: Progress | None = None
) -> IngestSummary:
    """Validate every upload and server path, then ingest them as one run; raises IngestError with a
    one-line message naming the file (as the user named it) and the field."""

    def report(fraction: float, text: str) -> None:
        if progress:
            progress(fraction, text)

    with tempfile.TemporaryDirectory(prefix="agentpath-upload-") as tmp:
        folder = Path(tmp)
        staged = _stage_uploads(uploads, folder)
        report(0.02, f"Validating {len(staged) + len(paths)} file(s)…")
        try:
            bundle = read_inputs(staged + list(paths))
        except IngestError as exc:
            raise _clean(exc, folder, len(staged)) from None
    report(VALIDATED, "Analysing policies and deriving escalation edges…")

    def loading(stage: str, done: int, total: int) -> None:
        report(ANALYSED + (1 - ANALYSED) * done / max(total, 1), f"Loading {stage}: {done:,} / {total:,}")

    return ingest_bundle(bundle, store, loading)

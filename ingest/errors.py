"""One error type for every bad input, so the CLI can print one line naming the file and the field."""

from __future__ import annotations


class IngestError(Exception):
    def __init__(self, source: str, field: str, message: str) -> None:
        self.source = source
        self.field = field
        self.message = message
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {message}")

"""The JSON scan report: the stable machine format, and the only one a later scan reads back as baseline."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def to_json(report: Mapping[str, Any]) -> str:
    return json.dumps(report, indent=2, default=str) + "\n"

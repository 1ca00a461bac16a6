"""Framework references (OWASP Agentic Top 10, OWASP NHI Top 10, CSA MAESTRO, NIST AI RMF) kept as data.

Standards are revised on their own schedule; keeping the item lists and the finding/technique mappings in YAML
makes an update a reviewed data change, and the loader refuses a mapping that names an item the framework file
does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
MAPPINGS = "mappings.yaml"


class FrameworkError(ValueError):
    pass


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    version: str
    source: str
    items: dict[str, str]  # item id -> title


@dataclass(frozen=True)
class Ref:
    framework: str  # the framework's display name
    id: str
    title: str

    def as_dict(self) -> dict[str, str]:
        return {"framework": self.framework, "id": self.id, "title": self.title}


def _load(path: Path) -> Framework:
    raw = yaml.safe_load(path.read_text()) or {}
    try:
        items = {str(i["id"]): str(i["title"]) for i in raw["items"]}
        return Framework(str(raw["id"]), str(raw["name"]), str(raw.get("version", "")),
                         str(raw.get("source", "")),
                         items)
    except (KeyError, TypeError) as exc:
        raise FrameworkError(f"{path.name}: expected id, name and items with id and title ({exc})") from exc


@lru_cache(maxsize=1)
def frameworks() -> dict[str, Framework]:
    out = {}
    for path in sorted(HERE.glob("*.yaml")):
        if path.name != MAPPINGS:
            fw = _load(path)
            out[fw.id] = fw
    return out


def _refs(block: Any, where: str) -> tuple[Ref, ...]:
    fws = frameworks()
    refs: list[Ref] = []
    for fw_id, item_ids in (block or {}).items():
        fw = fws.get(fw_id)
        if fw is None:
            raise FrameworkError(f"{MAPPINGS}: {where}: unknown framework {fw_id!r}")
        for item in item_ids:
            if str(item) not in fw.items:
                raise FrameworkError(f"{MAPPINGS}: {where}: {fw_id} has no item {item!r}")
            refs.append(Ref(fw.name, str(item), fw.items[str(item)]))
    return tuple(refs)


@lru_cache(maxsize=1)
def mappings() -> dict[str, Any]:
    raw = yaml.safe_load((HERE / MAPPINGS).read_text()) or {}
    findings = {kind: {"severity": str(v.get("severity", "medium")), "refs": _refs(v.get("refs"), kind)}
                for kind, v in (raw.get("findings") or {}).items()}
    techniques = {cat: _refs(v, cat) for cat, v in (raw.get("techniques") or {}).items()}
    return {"findings": findings, "techniques": techniques}


def finding_refs(kind: str) -> list[dict[str, str]]:
    entry = mappings()["findings"].get(kind)
    return [r.as_dict() for r in entry["refs"]] if entry else []


def finding_severity(kind: str, default: str = "medium") -> str:
    entry = mappings()["findings"].get(kind)
    return str(entry["severity"]) if entry else default


def technique_refs(category: str, explicit: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """References for an escalation technique: its category's mapping plus any `frameworks` entries the
    technique file names itself (written as `FRAMEWORK-ID:ITEM`, e.g. `owasp-nhi:NHI5`)."""
    refs = list(mappings()["techniques"].get(category, ()))
    for text in explicit:
        fw_id, _, item = text.partition(":")
        fw = frameworks().get(fw_id)
        if fw and item in fw.items:
            refs.append(Ref(fw.name, item, fw.items[item]))
    return [r.as_dict() for r in dict.fromkeys(refs)]

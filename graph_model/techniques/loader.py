"""The escalation technique catalogue: YAML data files checked against a JSON schema.

Techniques are knowledge, not code: adding one is a data change reviewed like any other, and the derivation
engine (graph_model/derive.py) interprets the few binding kinds the schema allows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

HERE = Path(__file__).parent
DATA_DIR = HERE / "data"


@dataclass(frozen=True)
class RequiredAction:
    action: str
    applies_to: str
    resource: str | None = None
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    category: str
    yields: str
    actions: tuple[RequiredAction, ...]
    principal_types: tuple[str, ...] = ("user", "role")
    grants_admin: bool = False
    service: str | None = None
    potential: bool = False
    prerequisite: str | None = None
    source: str = "agentpath"
    description: str = ""
    frameworks: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "actions": [a.action for a in self.actions],
            "yields": self.yields,
            "service": self.service,
            "potential": self.potential,
            "source": self.source,
        }


class CatalogueError(ValueError):
    pass


def _schema() -> dict[str, Any]:
    return json.loads((HERE / "technique.schema.json").read_text())


def parse_technique(raw: dict[str, Any], where: str, validator: Any) -> Technique:
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.path))
    if errors:
        err = errors[0]
        field_path = ".".join(str(p) for p in err.path) or "(technique)"
        raise CatalogueError(f"{where}: {field_path}: {err.message}")
    return Technique(
        id=raw["id"],
        name=raw["name"],
        category=raw["category"],
        yields=raw["yields"],
        actions=tuple(
            RequiredAction(a["action"], a["applies_to"], a.get("resource"), dict(a.get("context", {})))
            for a in raw["actions"]
        ),
        principal_types=tuple(raw.get("principal_types", ("user", "role"))),
        grants_admin=bool(raw.get("grants_admin", False)),
        service=raw.get("service"),
        potential=bool(raw.get("potential", False)),
        prerequisite=raw.get("prerequisite"),
        source=raw.get("source", "agentpath"),
        description=raw.get("description", "").strip(),
        frameworks=tuple(raw.get("frameworks", ())),
    )


def load_catalogue(data_dir: Path = DATA_DIR) -> list[Technique]:
    validator = jsonschema.Draft202012Validator(_schema())
    techniques: dict[str, Technique] = {}
    for path in sorted(data_dir.glob("*.yaml")):
        docs = yaml.safe_load(path.read_text()) or []
        if not isinstance(docs, list):
            raise CatalogueError(f"{path.name}: expected a list of techniques")
        for i, raw in enumerate(docs):
            t = parse_technique(raw, f"{path.name}[{i}]", validator)
            if t.id in techniques:
                raise CatalogueError(f"{path.name}[{i}]: duplicate technique id {t.id}")
            techniques[t.id] = t
    return sorted(techniques.values(), key=lambda t: t.id)


@lru_cache(maxsize=1)
def catalogue() -> tuple[Technique, ...]:
    return tuple(load_catalogue())

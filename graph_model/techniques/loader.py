"""The escalation technique catalogue: YAML data files checked against a JSON schema.

Techniques are knowledge, not code: adding one is a data change reviewed like any other, and the derivation
engine (graph_model/derive.py) interprets the few binding kinds the schema allows. Existing-resource kinds
(resources.yaml) say once per resource type how to name it and where a snapshot lists it, so the dozen
techniques that take over an EC2 instance do not each repeat that.
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
RESOURCES_FILE = HERE / "resources.yaml"


@dataclass(frozen=True)
class RequiredAction:
    action: str
    applies_to: str
    resource: str | None = None
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Listing:
    """Where a snapshot lists resources of a kind (`agent_resources[collection]`) and how to read one item."""

    collection: str
    arn: str
    role: str | None = None
    instance_profile: str | None = None


@dataclass(frozen=True)
class ResourceKind:
    kind: str
    arn: str
    services: tuple[str, ...] = ()
    role_requires: tuple[str, ...] = ()
    listed: Listing | None = None
    description: str = ""


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    category: str
    yields: str
    actions: tuple[RequiredAction, ...]
    principal_types: tuple[str, ...] = ("user", "role")
    grants_admin: bool = False
    services: tuple[str, ...] = ()
    existing: str | None = None
    role_requires: tuple[str, ...] = ()
    role_must_allow: tuple[str, ...] = ()
    lifts_boundary: bool = False
    prerequisite: str | None = None
    source: str = "agentpath"
    description: str = ""
    frameworks: tuple[str, ...] = ()

    @property
    def service(self) -> str | None:
        """The first acceptable service principal (most techniques name exactly one)."""
        return self.services[0] if self.services else None

    @property
    def potential(self) -> bool:
        """Needs an existing resource: its edges are potential unless the snapshot lists the resource."""
        return self.existing is not None

    def as_dict(self) -> dict[str, Any]:
        """The `agentpath techniques --format json` contract: id, name, category, actions, then details."""
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "actions": [a.action for a in self.actions],
            "yields": self.yields,
            "service": self.service,
            "services": list(self.services),
            "existing": self.existing,
            "potential": self.potential,
            "grants_admin": self.grants_admin,
            "source": self.source,
            "frameworks": list(self.frameworks),
        }


class CatalogueError(ValueError):
    pass


def _schema(name: str = "technique.schema.json") -> dict[str, Any]:
    return json.loads((HERE / name).read_text())


def _first_error(raw: Any, where: str, validator: Any) -> None:
    """Raise the schema error deepest in the document, naming its field (`file[3]: actions.0.action: ...`)."""
    errors = list(validator.iter_errors(raw))
    if not errors:
        return
    err = max(errors, key=lambda e: (len(e.path), list(map(str, e.path))))
    # oneOf/anyOf errors say little; their deepest sub-error names the field that is wrong.
    while err.context:
        err = max(err.context, key=lambda e: len(e.absolute_path))
    path = list(err.absolute_path)
    if err.validator == "required" and isinstance(err.instance, dict):
        missing = [r for r in err.validator_value if r not in err.instance]
        path += missing[:1]
    elif err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = set(err.schema.get("properties", {}))
        path += sorted(k for k in err.instance if k not in allowed)[:1]
    raise _fail(where, ".".join(str(p) for p in path) or "(technique)", err.message)


def _services(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    return (raw,) if isinstance(raw, str) else tuple(raw)


def parse_technique(raw: dict[str, Any], where: str, validator: Any) -> Technique:
    _first_error(raw, where, validator)
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
        services=_services(raw.get("service")),
        existing=raw.get("existing"),
        role_requires=tuple(raw.get("role_requires", ())),
        role_must_allow=tuple(raw.get("role_must_allow", ())),
        lifts_boundary=bool(raw.get("lifts_boundary", False)),
        prerequisite=raw.get("prerequisite"),
        source=raw.get("source", "agentpath"),
        description=raw.get("description", "").strip(),
        frameworks=tuple(raw.get("frameworks", ())),
    )


def parse_resource_kind(raw: dict[str, Any], where: str, validator: Any) -> ResourceKind:
    _first_error(raw, where, validator)
    listed = raw.get("listed")
    listing = None
    if listed:
        listing = Listing(listed["collection"], listed["arn"], listed.get("role"),
                          listed.get("instance_profile"))
    return ResourceKind(
        kind=raw["kind"],
        arn=raw["arn"],
        services=_services(raw.get("service")),
        role_requires=tuple(raw.get("role_requires", ())),
        listed=listing,
        description=raw.get("description", "").strip(),
    )


def load_resource_kinds(path: Path = RESOURCES_FILE) -> dict[str, ResourceKind]:
    validator = jsonschema.Draft202012Validator(_schema("resource_kind.schema.json"))
    docs = yaml.safe_load(path.read_text()) or []
    if not isinstance(docs, list):
        raise CatalogueError(f"{path.name}: expected a list of resource kinds")
    kinds: dict[str, ResourceKind] = {}
    for i, raw in enumerate(docs):
        k = parse_resource_kind(raw, f"{path.name}[{i}]", validator)
        if k.kind in kinds:
            raise _fail(f"{path.name}[{i}]", "kind", f"duplicate resource kind {k.kind}")
        kinds[k.kind] = k
    return kinds


def _fail(where: str, field_path: str, message: str) -> CatalogueError:
    return CatalogueError(f"{where}: {field_path}: {message}")


def _check_bindings(t: Technique, where: str, kinds: dict[str, ResourceKind]) -> None:
    """Rules the JSON schema cannot express: references between fields and to resources.yaml."""
    if t.existing is not None and t.existing not in kinds:
        raise _fail(where, "existing", f"unknown resource kind {t.existing!r} (see resources.yaml)")
    bindings = [a.applies_to for a in t.actions]
    for i, ra in enumerate(t.actions):
        if ra.applies_to == "existing" and t.existing is None:
            raise _fail(where, f"actions.{i}.applies_to", "'existing' needs the technique's `existing` kind")
        if ra.applies_to == "new" and not ra.resource:
            raise _fail(where, f"actions.{i}.resource", "required for applies_to 'new'")
        if ra.applies_to == "existing" and ra.resource:
            raise _fail(where, f"actions.{i}.resource", "an existing resource is named by its kind")
        if ra.applies_to == "any-group" and t.prerequisite != "escalating-group":
            raise _fail(where, "prerequisite", "applies_to any-group needs prerequisite escalating-group")
    if t.yields == "passed-role" and "passed-role" not in bindings:
        raise _fail(where, "actions", "yields passed-role needs an action that applies_to passed-role")
    if t.yields in ("target-user", "target-role") and not {"target", "target-policy"} & set(bindings):
        raise _fail(where, "actions", f"yields {t.yields} needs an action that applies_to target")
    if t.yields == "existing-role":
        kind = kinds[t.existing] if t.existing else None
        if not (t.services or (kind and kind.services)):
            raise _fail(where, "service", "an existing-role technique needs the service its role trusts")
    if t.prerequisite == "escalating-group" and "any-group" not in bindings:
        raise _fail(where, "prerequisite", "escalating-group needs an action that applies_to any-group")
    if t.lifts_boundary and t.yields != "self":
        raise _fail(where, "lifts_boundary", "only a self technique can lift the caller's boundary")


def load_catalogue(data_dir: Path = DATA_DIR, resources: Path = RESOURCES_FILE) -> list[Technique]:
    validator = jsonschema.Draft202012Validator(_schema())
    kinds = load_resource_kinds(resources)
    techniques: dict[str, Technique] = {}
    for path in sorted(data_dir.glob("*.yaml")):
        docs = yaml.safe_load(path.read_text()) or []
        if not isinstance(docs, list):
            raise CatalogueError(f"{path.name}: expected a list of techniques")
        for i, raw in enumerate(docs):
            where = f"{path.name}[{i}]"
            t = parse_technique(raw, where, validator)
            _check_bindings(t, where, kinds)
            if t.id in techniques:
                raise _fail(where, "id", f"duplicate technique id {t.id}")
            techniques[t.id] = t
    if sum(t.yields == "trusted-role" for t in techniques.values()) > 1:
        raise CatalogueError("yields: only one technique may stand for the trust walk (trusted-role)")
    return sorted(techniques.values(), key=lambda t: t.id)


@lru_cache(maxsize=1)
def catalogue() -> tuple[Technique, ...]:
    return tuple(load_catalogue())


@lru_cache(maxsize=1)
def resource_kinds() -> dict[str, ResourceKind]:
    return load_resource_kinds()

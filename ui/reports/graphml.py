"""GraphML for graph tools (yEd, Gephi, Cytoscape): typed attributes declared once, one element per edge."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

NS = "http://graphml.graphdrawing.org/xmlns"
NODE_KEYS = (
    ("kind", "string"),
    ("label", "string"),
    ("account", "string"),
    ("admin", "boolean"),
    ("owner", "string"),
)
EDGE_KEYS = (
    ("relationship", "string"),
    ("technique", "string"),
    ("conditional", "boolean"),
    ("potential", "boolean"),
    ("grants_admin", "boolean"),
    ("statements", "string"),
)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return " ".join(str(x) for x in v)
    return str(v)


def to_graphml(graph: Mapping[str, Any]) -> str:
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}graphml")
    for scope, keys in (("node", NODE_KEYS), ("edge", EDGE_KEYS)):
        for name, typ in keys:
            ET.SubElement(
                root,
                f"{{{NS}}}key",
                {"id": f"{scope[0]}_{name}", "for": scope, "attr.name": name, "attr.type": typ},
            )
    g = ET.SubElement(root, f"{{{NS}}}graph", {"id": "agentpath", "edgedefault": "directed"})
    for n in graph["nodes"]:
        el = ET.SubElement(g, f"{{{NS}}}node", {"id": n["id"]})
        for name, _ in NODE_KEYS:
            ET.SubElement(el, f"{{{NS}}}data", {"key": f"n_{name}"}).text = _value(n.get(name, ""))
    for i, e in enumerate(graph["edges"]):
        el = ET.SubElement(g, f"{{{NS}}}edge", {"id": f"e{i}", "source": e["source"], "target": e["target"]})
        for name, _ in EDGE_KEYS:
            ET.SubElement(el, f"{{{NS}}}data", {"key": f"e_{name}"}).text = _value(e.get(name, ""))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

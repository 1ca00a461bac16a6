"""Hook for the layers that add agents, owners and privilege events to the graph (see agents issue)."""

from __future__ import annotations

from graph_model.derive import Derived
from graph_model.model import GraphData
from graph_model.snapshot import Snapshot


def enrich(snapshot: Snapshot, derived: Derived, graph: GraphData) -> None:
    """Nothing yet beyond IAM; kept so the pipeline has one place to call."""
    return None

"""agentpath: graph_model."""

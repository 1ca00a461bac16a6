"""agentpath: ui."""

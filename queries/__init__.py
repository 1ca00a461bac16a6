"""agentpath: queries."""

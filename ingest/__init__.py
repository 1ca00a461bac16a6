"""agentpath: ingest."""

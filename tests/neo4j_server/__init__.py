"""agentpath's test Neo4j server (embedded Neo4j Community 5.26 + Bolt, run as a JVM child process)."""

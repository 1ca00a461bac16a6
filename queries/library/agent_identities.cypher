// name: agent_identities
// purpose: The IAM identities each agent runs as, with how that is known, and whether an IAM user among them holds an active long-term access key.
// params: (none)
// columns: agent, identity, kind, mechanism, access_keys_active, access_key_evidence, break_glass
MATCH (a:Agent)-[r:RUNS_AS]->(p:Principal)
RETURN a.uid AS agent, p.uid AS identity, p.kind AS kind, r.mechanism AS mechanism,
       p.access_keys_active AS access_keys_active, p.access_key_evidence AS access_key_evidence,
       p.break_glass AS break_glass
ORDER BY agent, identity

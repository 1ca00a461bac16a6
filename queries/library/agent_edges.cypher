// name: agent_edges
// purpose: Agent steps for path search: each agent's RUNS_AS identities and DELEGATES_TO agents (technique runs-as or delegation), with the agent's owner; an agent with neither has one row with a null target.
// params: (none)
// columns: agent, target, relationship, technique, mechanism, agent_owner
MATCH (a:Agent)
OPTIONAL MATCH (a)-[r:RUNS_AS|DELEGATES_TO]->(b)
RETURN a.uid AS agent, b.uid AS target, type(r) AS relationship,
       CASE WHEN r IS NULL THEN NULL WHEN type(r) = 'RUNS_AS' THEN 'runs-as' ELSE 'delegation' END AS technique,
       r.mechanism AS mechanism, a.owner AS agent_owner
ORDER BY agent, target, relationship, mechanism

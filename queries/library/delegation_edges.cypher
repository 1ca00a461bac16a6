// name: delegation_edges
// purpose: Every delegation between agents: its primary mechanism (bedrock-collaborator, declared, invoke-permission, shared-role), every mechanism that supports it, and the evidence.
// params: (none)
// columns: source, target, mechanism, mechanisms, evidence, conditional
MATCH (a:Agent)-[r:DELEGATES_TO]->(b:Agent)
RETURN a.uid AS source, b.uid AS target, r.mechanism AS mechanism, r.mechanisms AS mechanisms,
       r.evidence AS evidence, r.conditional AS conditional
ORDER BY source, target, mechanism

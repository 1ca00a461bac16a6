// name: owners
// purpose: The accountable human of every user, role and agent, with the source of the claim (manifest, tag, cloudtrail-creator, account, none) and the team.
// params: (none)
// columns: identity, is_agent, kind, owner, source, team, evidence
MATCH (n)
WHERE n:Agent OR (n:Principal AND n.kind IN ['user', 'role'])
RETURN n.uid AS identity, n:Agent AS is_agent, n.kind AS kind, n.owner AS owner, n.owner_source AS source,
       n.owner_team AS team, n.owner_evidence AS evidence
ORDER BY identity

// name: break_glass_identities
// purpose: Users and roles marked break-glass (tag agentpath:break-glass=true, or run by a break-glass agent).
// params: (none)
// columns: identity, kind, tagged, agents
MATCH (p:Principal)
WHERE p.break_glass = true
RETURN p.uid AS identity, p.kind AS kind, p.break_glass_tag AS tagged, p.agents AS agents
ORDER BY identity

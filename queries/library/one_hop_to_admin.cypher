// name: one_hop_to_admin
// purpose: Principals one step away from administrator: self-escalation, or a step into an admin.
// params: (none)
// columns: source, target, technique, conditional
MATCH (a:Principal)-[r:CAN_ASSUME|CAN_ESCALATE_TO]->(b:Principal)
WHERE a.is_admin = false AND (b.is_admin = true OR r.grants_admin = true)
RETURN a.uid AS source, b.uid AS target, r.technique AS technique, r.conditional AS conditional
ORDER BY source, target, technique

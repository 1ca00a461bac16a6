// name: escalation_edges
// purpose: Every assume and escalation edge with its technique and evidence; the input of path search.
// params: (none)
// columns: source, target, relationship, technique, category, actions, statements, conditional, conditions, potential, grants_admin, via
MATCH (a)-[r:CAN_ASSUME|CAN_ESCALATE_TO]->(b)
RETURN a.uid AS source, b.uid AS target, type(r) AS relationship, r.technique AS technique,
       r.category AS category, r.actions AS actions, r.statements AS statements, r.conditional AS conditional,
       r.conditions AS conditions, r.potential AS potential, r.grants_admin AS grants_admin, r.via AS via
ORDER BY source, target, technique

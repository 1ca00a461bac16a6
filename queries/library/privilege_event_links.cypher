// name: privilege_event_links
// purpose: Who performed each privilege event and what it granted: the PERFORMED and GRANTED links.
// params: (none)
// columns: performer, event_id, granted
MATCH (e:PrivilegeEvent)
OPTIONAL MATCH (p)-[:PERFORMED]->(e)
OPTIONAL MATCH (e)-[:GRANTED]->(g)
RETURN p.uid AS performer, e.uid AS event_id, g.uid AS granted
ORDER BY event_id, coalesce(performer, ''), coalesce(granted, '')

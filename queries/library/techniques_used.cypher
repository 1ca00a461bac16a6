// name: techniques_used
// purpose: How many escalation edges each technique produced: which kinds of escalation this estate has.
// params: (none)
// columns: technique, category, edges
MATCH ()-[r:CAN_ESCALATE_TO]->()
RETURN r.technique AS technique, r.category AS category, count(r) AS edges
ORDER BY edges DESC, technique

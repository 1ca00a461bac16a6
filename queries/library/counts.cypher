// name: counts
// purpose: How big the graph is: accounts, principals, policies, agents, people and escalation edges.
// params: (none)
// columns: accounts, principals, policies, agents, people, assume_edges, escalation_edges
OPTIONAL MATCH (a:Account) WITH count(a) AS accounts
OPTIONAL MATCH (p:Principal) WHERE p.kind IN ['user', 'role'] WITH accounts, count(p) AS principals
OPTIONAL MATCH (pol:Policy) WITH accounts, principals, count(pol) AS policies
OPTIONAL MATCH (ag:Agent) WITH accounts, principals, policies, count(ag) AS agents
OPTIONAL MATCH (pe:Person) WITH accounts, principals, policies, agents, count(pe) AS people
OPTIONAL MATCH ()-[r1:CAN_ASSUME]->() WITH accounts, principals, policies, agents, people, count(r1) AS assume_edges
OPTIONAL MATCH ()-[r2:CAN_ESCALATE_TO]->()
RETURN accounts, principals, policies, agents, people, assume_edges, count(r2) AS escalation_edges

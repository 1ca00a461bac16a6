// name: principal_policies
// purpose: The policies attached to one principal (managed, inline, boundary), for the step table.
// params: arn
// columns: policy, name, kind, attachment
MATCH (p:Principal {uid: $arn})-[h:HAS_POLICY]->(pol:Policy)
RETURN pol.uid AS policy, pol.name AS name, pol.kind AS kind, h.attachment AS attachment
ORDER BY attachment, policy

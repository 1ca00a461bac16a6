// name: principals
// purpose: Users and roles with their account, admin status and accountable owner.
// params: (none)
// columns: arn, kind, name, account_id, is_admin, admin_conditional, boundary_arn, owner, owner_source
MATCH (p:Principal)
WHERE p.kind IN ['user', 'role']
RETURN p.arn AS arn, p.kind AS kind, p.name AS name, p.account_id AS account_id, p.is_admin AS is_admin,
       p.admin_conditional AS admin_conditional, p.boundary_arn AS boundary_arn, p.owner AS owner,
       p.owner_source AS owner_source
ORDER BY arn

// name: admins
// purpose: Administrator-equivalent principals (unconditionally so).
// params: (none)
// columns: arn, kind, account_id
MATCH (p:Principal)
WHERE p.is_admin = true
RETURN p.arn AS arn, p.kind AS kind, p.account_id AS account_id
ORDER BY arn

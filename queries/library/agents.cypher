// name: agents
// purpose: Every agent from the manifest, the platform inventory and IAM, with its owner, scope, window, flags and unresolved conflicts (JSON text).
// params: (none)
// columns: id, name, kind, declared, platform_arn, aliases, sources, runs_as, owner, owner_source, sponsor_team, approver, monitored_by, allowed_actions, window_start, window_end, vendor_hosted, break_glass, revoked, conflicts
MATCH (a:Agent)
RETURN a.uid AS id, a.name AS name, a.kind AS kind, a.declared AS declared, a.platform_arn AS platform_arn,
       a.aliases AS aliases, a.sources AS sources, a.runs_as AS runs_as, a.owner AS owner,
       a.owner_source AS owner_source, a.sponsor_team AS sponsor_team, a.approver AS approver,
       a.monitored_by AS monitored_by, a.allowed_actions AS allowed_actions, a.window_start AS window_start,
       a.window_end AS window_end, a.vendor_hosted AS vendor_hosted, a.break_glass AS break_glass,
       a.revoked AS revoked, a.conflicts AS conflicts
ORDER BY id

// name: privilege_events
// purpose: Privilege events from CloudTrail (assume, create, change, pass a role) with who did them, for which agent, and how each is classified (design, misconfiguration, control-failure).
// params: (none)
// columns: event_id, event_time, event_name, action, category, principal, actor_arn, agents, targets, succeeded, error_code, classification, outside_window, out_of_scope, task
MATCH (e:PrivilegeEvent)
RETURN e.uid AS event_id, e.event_time AS event_time, e.event_name AS event_name, e.action AS action,
       e.category AS category, e.principal AS principal, e.actor_arn AS actor_arn, e.agents AS agents,
       e.targets AS targets, e.succeeded AS succeeded, e.error_code AS error_code,
       e.classification AS classification, e.outside_window AS outside_window, e.out_of_scope AS out_of_scope,
       e.task AS task
ORDER BY event_time, event_id

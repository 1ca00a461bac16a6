// name: privilege_event_trail
// purpose: The four evidence layers of one privilege event (JSON text each) and its classification.
// params: event_id
// columns: event_id, task_approval, identity_proof, privilege_event, oversight, classification
MATCH (e:PrivilegeEvent {uid: $event_id})
RETURN e.uid AS event_id, e.task_approval AS task_approval, e.identity_proof AS identity_proof,
       e.privilege_event AS privilege_event, e.oversight AS oversight, e.classification AS classification

/// Paths of the campaign lifecycle, stats, the outbox and inbound events.
enum EnginePaths {
    private typealias Doc = OpenAPIDocument

    static var all: [String: JSONValue] {
        var paths: [String: JSONValue] = [:]
        let lifecycle: [(String, String)] = [
            ("launch", "Validate and start (422 with the validate errors if not ready; no leads → completed)"),
            ("pause", "Pause: every lead keeps its place"), ("resume", "Resume a paused campaign"),
            ("complete", "Stop every open lead (reason stopped) and complete"), ("archive", "Archive a campaign that is not active"),
        ]
        for (verb, summary) in lifecycle {
            paths["/v1/campaigns/{id}/\(verb)"] = [
                "parameters": [Doc.idParameter],
                "post": Doc.operation(summary, tag: "Lifecycle", idempotent: true, responses: [
                    "200": Doc.json(Doc.ref("Campaign"), "The campaign"), "404": Doc.problem("No such campaign"),
                    "409": Doc.problem("Illegal transition; the detail names the current status"),
                    "422": Doc.problem("Not ready (launch): the validate errors with their paths"),
                ]),
            ]
        }
        let count: JSONValue = ["type": "integer"]
        paths["/v1/campaigns/{id}/stats"] = [
            "parameters": [Doc.idParameter],
            "get": Doc.operation("Campaign stats (kept incrementally)", tag: "Lifecycle", responses: [
                "200": Doc.json(Doc.object([
                    "campaign_id": Doc.string, "status": Doc.string, "targets": count, "pending": count, "active": count,
                    "waiting": count, "contacted": count, "sent": count, "accepted": count, "opened": count, "clicked": count,
                    "replied": count, "auto_replied": count, "bounced": count, "unsubscribed": count, "failed": count,
                    "uncertain": count, "skipped": count, "stopped": count, "completed": count, "completion_rate": ["type": "number"], "reply_rate": ["type": "number"],
                    "per_node": ["type": "object", "additionalProperties": count],
                    "per_sender": ["type": "object", "additionalProperties": count],
                ], required: ["campaign_id", "targets", "sent", "completion_rate", "reply_rate"]), "Counts"),
                "404": Doc.problem("No such campaign"),
            ]),
        ]
        let action = Doc.object([
            "id": Doc.string, "object": ["const": "action"], "campaign_id": Doc.string, "contact_id": Doc.string,
            "node_id": Doc.string, "sender_id": ["type": ["string", "null"]], "kind": Doc.string,
            "state": ["type": "string", "enum": ["queued", "sending", "sent", "failed", "uncertain", "dismissed"]],
            "recipient": ["type": ["string", "null"]], "subject": ["type": ["string", "null"]], "body": ["type": ["string", "null"]],
            "error": ["type": ["string", "null"]], "attempts": count, "created_at": Doc.string,
            "sent_at": ["type": ["string", "null"]], "updated_at": Doc.string,
        ], required: ["id", "object", "campaign_id", "contact_id", "node_id", "kind", "state", "attempts", "created_at", "updated_at"])
        paths["/v1/campaigns/{id}/actions"] = [
            "parameters": [Doc.idParameter],
            "get": Doc.operation("The campaign's outbox, oldest first", tag: "Lifecycle", parameters: [
                ["name": "limit", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 1, "maximum": 100]],
                ["name": "starting_after", "in": "query", "required": false, "schema": Doc.string],
            ], responses: [
                "200": Doc.json(Doc.object(["data": ["type": "array", "items": action], "has_more": ["type": "boolean"],
                                            "next_cursor": ["type": ["string", "null"]]], required: ["data", "has_more", "next_cursor"]), "One page"),
                "404": Doc.problem("No such campaign"), "422": Doc.problem("`starting_after` names no action of this campaign"),
            ]),
        ]
        for (verb, summary) in [("retry", "Send an uncertain or failed action again (same row, same ID)"),
                                ("dismiss", "Give up on an uncertain action: its lead stops")] {
            paths["/v1/actions/{id}/\(verb)"] = [
                "parameters": [Doc.idParameter],
                "post": Doc.operation(summary, tag: "Lifecycle", idempotent: true, responses: [
                    "200": Doc.json(action, "The action"), "404": Doc.problem("No such action"),
                    "409": Doc.problem("The action is not in a state this applies to"),
                ]),
            ]
        }
        paths["/v1/campaigns/{id}/leads/{contact_id}/messages"] = [
            "parameters": [Doc.idParameter, ["name": "contact_id", "in": "path", "required": true, "schema": Doc.string]],
            "post": Doc.operation("Write to a lead now from the sender of its last message, through the outbox (a manual action: counted against the sender's caps, never sent twice, the lead not moved)",
                                  tag: "Lifecycle", body: Doc.object(["text": Doc.string], required: ["text"]), idempotent: true, responses: [
                                      "201": Doc.json(action, "The action: `sent`, or `failed` with the provider's words"),
                                      "404": Doc.problem("No such lead in this campaign"), "422": Doc.problem("No text, or too long"),
                                      "409": Doc.problem("Over a cap of the sender (with its next free slot), a suppressed contact, an unusable or busy sender"),
                                  ]),
        ]
        paths["/v1/campaigns/{id}/forecast"] = [
            "parameters": [Doc.idParameter],
            "get": Doc.operation("Forecast: the real dispatcher on a virtual clock over a copy of the state", tag: "Lifecycle",
                                 parameters: [["name": "horizon_days", "in": "query", "required": false,
                                               "schema": ["type": "integer", "minimum": 1, "maximum": 730, "default": 365]]],
                                 responses: [
                                     "200": Doc.json(Doc.object([
                                         "campaign_id": Doc.string, "estimated_completion_at": ["type": ["string", "null"]],
                                         "actions_per_day": ["type": "array", "items": Doc.object(["date": Doc.string, "count": count])],
                                         "bottleneck": Doc.string, "simulated_actions": count, "horizon_reached": ["type": "boolean"],
                                     ], required: ["campaign_id", "estimated_completion_at", "actions_per_day", "bottleneck"]), "The forecast"),
                                     "404": Doc.problem("No such campaign"),
                                 ]),
        ]
        paths["/v1/campaigns/{id}/stats/series"] = [
            "parameters": [Doc.idParameter],
            "get": Doc.operation("Actions and signals per minute, hour or day", tag: "Lifecycle", parameters: [
                ["name": "period", "in": "query", "required": false, "schema": ["type": "string", "enum": ["day", "hour", "minute"]]],
                ["name": "from", "in": "query", "required": false, "schema": ["type": "string", "format": "date-time"]],
                ["name": "to", "in": "query", "required": false, "schema": ["type": "string", "format": "date-time"]],
            ], responses: [
                "200": Doc.json(Doc.object([
                    "campaign_id": Doc.string, "period": Doc.string, "from": Doc.string, "to": Doc.string,
                    "buckets": ["type": "array", "items": Doc.object(["start": Doc.string, "actions": count,
                                                                      "signals": ["type": "object", "additionalProperties": count]])],
                ], required: ["campaign_id", "period", "buckets"]), "Buckets with activity, oldest first"),
                "404": Doc.problem("No such campaign"),
            ]),
        ]
        paths["/v1/senders/{id}/usage"] = [
            "parameters": [Doc.idParameter],
            "get": Doc.operation("A sender's usage in each rolling window, per action kind, and its next free slot", tag: "Senders", responses: [
                "200": Doc.json(Doc.object([
                    "sender_id": Doc.string, "next_slot_at": ["type": ["string", "null"]], "in_flight": ["type": "boolean"],
                    "kinds": ["type": "object", "additionalProperties": Doc.object([
                        "last_hour": count, "last_day": count, "last_week": count, "per_hour": ["type": ["integer", "null"]],
                        "per_day": ["type": ["integer", "null"]], "per_week": ["type": ["integer", "null"]],
                        "next_free_at": ["type": ["string", "null"]],
                    ])],
                ], required: ["sender_id", "in_flight", "kinds"]), "Usage"),
                "404": Doc.problem("No such sender"),
            ]),
        ]
        paths["/v1/inbound"] = [
            "post": Doc.operation("An inbound event: a reply, acceptance, open, click, bounce or opt-out", tag: "Lifecycle",
                                  body: Doc.object([
                                      "type": ["type": "string", "enum": ["replied", "accepted", "opened", "clicked", "bounced", "unsubscribed", "auto_replied"]],
                                      "channel": Doc.string, "action_id": Doc.string, "sender_id": Doc.string,
                                      "identity": Doc.string, "email": Doc.string, "phone": Doc.string, "linkedin_url": Doc.string,
                                      "body": Doc.string, "at": ["type": "string", "format": "date-time"],
                                  ], required: ["type"]), idempotent: true,
                                  responses: ["202": Doc.json(Doc.object(["matched": count], required: ["matched"]), "How many leads it applied to"),
                                              "404": Doc.problem("No such action")]),
        ]
        return paths
    }
}

/// Component schemas of the OpenAPI document.
enum Schemas {
    private static let string = OpenAPIDocument.string
    private static let nullableString: JSONValue = ["type": ["string", "null"]]
    private static let timestamp: JSONValue = ["type": "string", "format": "date-time"]
    private static let nullableTimestamp: JSONValue = ["type": ["string", "null"], "format": "date-time"]
    private static let boolean: JSONValue = ["type": "boolean"]
    private static let integer: JSONValue = ["type": "integer"]
    private static func ref(_ name: String) -> JSONValue { OpenAPIDocument.ref(name) }
    private static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        OpenAPIDocument.object(properties, required: required)
    }
    private static func enumeration(_ values: [String]) -> JSONValue {
        ["type": "string", "enum": .array(values.map { .string($0) })]
    }
    private static func range(_ low: Int, _ high: Int) -> JSONValue {
        ["type": "integer", "minimum": .number(Double(low)), "maximum": .number(Double(high))]
    }
    private static func nullable(_ schema: JSONValue) -> JSONValue { ["anyOf": [schema, ["type": "null"]]] }

    static var all: [String: JSONValue] {
        foundation.merging(contacts, uniquingKeysWith: { first, _ in first }).merging(sequences, uniquingKeysWith: { first, _ in first })
            .merging(EventPaths.schemas, uniquingKeysWith: { first, _ in first })
    }

    private static var contacts: [String: JSONValue] {
        let contactFields: [String: JSONValue] = [
            "first_name": nullableString, "last_name": nullableString, "email": nullableString, "phone": nullableString,
            "linkedin_url": nullableString, "company": nullableString, "title": nullableString, "timezone": nullableString,
        ]
        let custom: JSONValue = ["type": "object", "additionalProperties": ["type": ["string", "number", "boolean"]]]
        var contact = contactFields
        contact["id"] = string
        contact["object"] = ["const": "contact"]
        contact["status"] = string
        contact["custom_fields"] = custom
        contact["created_at"] = timestamp
        contact["updated_at"] = timestamp
        var input = contactFields
        input["status"] = nullableString
        input["custom_fields"] = nullable(["type": "object", "additionalProperties": ["type": ["string", "number", "boolean", "null"]]])
        let counts: [String: JSONValue] = ["created": integer, "updated": integer, "duplicate": integer, "invalid": integer]
        let fieldError = object(["field": string, "message": string], required: ["field", "message"])
        return [
            "Contact": object(contact, required: Array(contact.keys)),
            "ContactInput": [
                "type": "object", "properties": .object(input),
                "description": "At least one of email, phone (E.164 or national in the workspace's region) or linkedin_url",
            ],
            "BulkResult": object([
                "results": ["type": "array", "items": object([
                    "index": integer, "result": enumeration(["created", "updated", "duplicate", "invalid"]),
                    "id": nullableString, "errors": ["type": "array", "items": fieldError],
                ], required: ["index", "result", "id", "errors"])],
                "totals": object(counts, required: Array(counts.keys)),
            ], required: ["results", "totals"]),
            "List": object([
                "id": string, "object": ["const": "list"], "name": string, "description": nullableString,
                "member_count": integer, "created_at": timestamp, "updated_at": timestamp,
            ], required: ["id", "object", "name", "description", "member_count", "created_at", "updated_at"]),
            "ListInput": object(["name": ["type": "string", "minLength": 1, "maxLength": 255], "description": nullableString]),
            "ContactIDs": object(["contact_ids": ["type": "array", "maxItems": 10_000, "items": string]], required: ["contact_ids"]),
            "Membership": object(["added": integer, "already_members": integer, "removed": integer,
                                  "not_found": ["type": "array", "items": string]]),
            "Suppression": object([
                "id": string, "object": ["const": "suppression"],
                "kind": enumeration(["email", "domain", "phone", "linkedin_url", "hash"]), "value": string,
                "reason": nullableString, "created_at": timestamp,
            ], required: ["id", "object", "kind", "value", "reason", "created_at"]),
            "SuppressionInput": object([
                "kind": enumeration(["email", "domain", "phone", "linkedin_url"]), "value": string, "reason": nullableString,
            ], required: ["kind", "value"]),
            "Lead": object([
                "contact_id": string, "object": ["const": "lead"], "campaign_id": string,
                "state": enumeration(["pending", "active", "waiting", "replied", "completed", "failed", "skipped",
                                      "unsubscribed", "bounced", "stopped", "uncertain"]),
                "reason": nullableString, "added_at": timestamp, "updated_at": timestamp, "contact": ref("Contact"),
                "current_step": nullableString, "next_step_at": nullableTimestamp,
            ], required: ["contact_id", "object", "campaign_id", "state", "reason", "added_at", "updated_at", "contact", "current_step",
                          "next_step_at"]),
            "LeadsInput": [
                "type": "object", "description": "Exactly one of contact_ids, contacts or list_id",
                "properties": [
                    "contact_ids": ["type": "array", "maxItems": 10_000, "items": string],
                    "contacts": ["type": "array", "maxItems": 10_000, "items": ref("ContactInput")],
                    "list_id": string,
                ],
            ],
            "LeadAddition": object([
                "added": integer, "duplicates": integer, "invalid": integer, "skipped": integer,
                "details": ["type": "array", "items": object(["index": ["type": ["integer", "null"]], "contact_id": nullableString,
                                                              "reason": string], required: ["index", "contact_id", "reason"])],
            ], required: ["added", "duplicates", "invalid", "skipped", "details"]),
            "Import": object([
                "id": string, "object": ["const": "import"], "state": enumeration(["running", "completed", "failed"]),
                "filename": nullableString, "list_id": nullableString, "rows_read": integer, "created": integer,
                "updated": integer, "duplicates": integer, "invalid": integer,
                "errors": ["type": "array", "maxItems": 100, "items": object(["row": integer, "message": string], required: ["row", "message"])],
                "failure": nullableString, "created_at": timestamp, "updated_at": timestamp, "finished_at": nullableTimestamp,
            ], required: ["id", "object", "state", "filename", "list_id", "rows_read", "created", "updated", "duplicates",
                          "invalid", "errors", "failure", "created_at", "updated_at", "finished_at"]),
            "WorkspacePatch": object(["name": ["type": "string", "minLength": 1, "maxLength": 255],
                                      "default_phone_region": ["type": ["string", "null"], "description": "ISO 3166 code, e.g. US, GB, DE"],
                                      "daily_quota": ["type": ["integer", "null"], "minimum": 1, "description": "Actions per UTC day across all senders"]]),
            "LeadRules": object([
                "include_list_ids": ["type": "array", "items": string], "exclude_list_ids": ["type": "array", "items": string],
                "exclude_contacted": boolean, "skip_active_in_other_campaigns": boolean,
            ]),
        ]
    }

    private static var sequences: [String: JSONValue] {
        let node: JSONValue = [
            "type": "object",
            "description": "One step. Fields by type: connection_request (note ≤ 300), message (body), inmail (subject, body), email (subject, body, html, is_reply, variants), sms (body), delay (minutes, hours, days), condition (signal, within_days, yes, no), profile_visit, follow, like_post, end. A node with no next goes to the node after it.",
            "properties": [
                "id": string,
                "type": enumeration(["connection_request", "message", "inmail", "profile_visit", "follow", "like_post",
                                     "email", "sms", "delay", "condition", "end"]),
                "next": ["type": ["string", "null"]], "note": ["type": ["string", "null"], "maxLength": 300],
                "subject": ["type": ["string", "null"]], "body": ["type": ["string", "null"]], "html": ["type": ["string", "null"]],
                "is_reply": ["type": ["boolean", "null"]],
                "variants": ["type": ["array", "null"], "items": object(["id": string, "weight": integer, "subject": string,
                                                                         "body": string, "html": nullableString])],
                "minutes": ["type": ["integer", "null"]], "hours": ["type": ["integer", "null"]], "days": ["type": ["integer", "null"]],
                "signal": enumeration(["accepted", "replied", "opened", "clicked"]), "within_days": integer,
                "yes": string, "no": string,
            ],
        ]
        let item: JSONValue = ["type": ["string", "null"]]
        return [
            "Node": node,
            "Automation": object([
                "on": enumeration(["replied", "accepted", "opened", "clicked", "bounced", "unsubscribed", "auto_replied", "interested", "not_interested"]),
                "do": enumeration(["set_contact_status", "add_to_list", "remove_from_list", "stop"]),
                "value": nullableString,
            ], required: ["on", "do"]),
            "Simulation": object([
                "seed": ["type": "integer", "minimum": 0], "accept_rate": ["type": "number", "minimum": 0, "maximum": 1],
                "reply_rate": ["type": "number", "minimum": 0, "maximum": 1], "open_rate": ["type": "number", "minimum": 0, "maximum": 1],
                "bounce_rate": ["type": "number", "minimum": 0, "maximum": 1],
                "signal_delay_minutes": ["type": "array", "items": integer, "minItems": 2, "maxItems": 2],
            ]),
            "Sequence": object(["object": ["const": "sequence"], "version": integer, "nodes": ["type": "array", "items": ref("Node")]],
                               required: ["object", "version", "nodes"]),
            "SequenceInput": object(["version": ["type": ["integer", "null"], "description": "When given, must equal the current version"],
                                     "nodes": ["type": "array", "items": ref("Node")]], required: ["nodes"]),
            "NodeInsert": object(["node": ref("Node"), "after": string, "branch": enumeration(["yes", "no"])], required: ["node"]),
            "NodeMove": object(["after": string], required: ["after"]),
            "PreviewInput": ["type": "object", "description": "contact_id, or an inline contact",
                             "properties": ["contact_id": string, "contact": ref("ContactInput")]],
            "Preview": object([
                "contact_id": string,
                "nodes": ["type": "array", "items": object([
                    "node_id": string, "type": string, "sender_id": item, "variant_id": item, "subject": item, "body": item,
                    "html": item, "characters": integer,
                    "sms": nullable(object(["encoding": string, "units": integer, "segments": integer])),
                    "fell_back": ["type": "array", "items": string], "missing": ["type": "array", "items": string],
                ])],
            ], required: ["contact_id", "nodes"]),
            "Validation": object([
                "ready": boolean, "checks": ["type": "object", "additionalProperties": boolean],
                "errors": ["type": "array", "items": ref("ValidationItem")], "warnings": ["type": "array", "items": ref("ValidationItem")],
            ], required: ["ready", "checks", "errors", "warnings"]),
            "ValidationItem": object(["code": string, "message": string, "path": nullableString], required: ["code", "message", "path"]),
        ]
    }

    private static var foundation: [String: JSONValue] {
        [
            "Problem": object([
                "type": string, "title": string, "status": integer, "detail": string,
                "errors": ["type": "array", "items": object(["field": string, "message": string], required: ["field", "message"])],
            ], required: ["type", "title", "status", "detail", "errors"]),
            "Workspace": object([
                "id": string, "object": ["const": "workspace"], "name": string, "default_phone_region": string,
                "daily_quota": ["type": ["integer", "null"]],
                "created_at": timestamp, "updated_at": timestamp,
            ], required: ["id", "object", "name", "default_phone_region", "created_at", "updated_at"]),
            "ApiKey": object([
                "id": string, "object": ["const": "api_key"], "name": string,
                "prefix": ["type": "string", "description": "The first characters of the secret"],
                "key": ["type": "string", "description": "The secret; only in the answer that created the key"],
                "created_at": timestamp, "revoked_at": nullableTimestamp,
                "rate_limit": nullable(ref("RequestRate")),
            ], required: ["id", "object", "name", "prefix", "created_at", "revoked_at", "rate_limit"]),
            "ApiKeyCreate": object(["name": ["type": "string", "maxLength": 255], "rate_limit": nullable(ref("RequestRate"))]),
            "RequestRate": [
                "type": "object",
                "description": "A token bucket: per_second requests a second on average, bursts of up to burst. Null: the server's --rate-limit/--rate-burst (default 50 and 100).",
                "properties": ["per_second": range(1, 100_000), "burst": range(1, 100_000)],
                "required": ["per_second", "burst"],
            ],
            "RateLimit": object([
                "per_hour": nullable(range(0, 100_000)), "per_day": nullable(range(0, 100_000)),
                "per_week": nullable(range(0, 100_000)),
            ]),
            "Limits": [
                "type": "object",
                "description": "Per action kind: connection_request, message, inmail, profile_visit, follow, like_post (LinkedIn), email, sms",
                "additionalProperties": nullable(ref("RateLimit")),
            ],
            "Pacing": object(["min_gap_seconds": range(0, 86_400), "max_gap_seconds": range(0, 86_400)]),
            "SMTPSettings": object([
                "host": string, "port": range(1, 65_535), "security": enumeration(["starttls", "tls", "none"]),
                "username": nullableString, "password": ["type": ["string", "null"], "writeOnly": true],
            ]),
            "IMAPSettings": object([
                "host": string, "port": range(1, 65_535),
                "security": ["type": "string", "enum": ["tls", "starttls", "none"], "description": "Default tls (port 993)"],
                "username": ["type": ["string", "null"], "description": "Default: the SMTP user name, else the sender's address"],
                "password": ["type": ["string", "null"], "writeOnly": true, "description": "Default: the SMTP password"],
            ]),
            "TwilioSettings": object([
                "account_sid": string, "auth_token": ["type": ["string", "null"], "writeOnly": true], "base_url": string,
            ]),
            "GatewaySettings": object(["url": string, "secret": ["type": ["string", "null"], "writeOnly": true]]),
            "UnipileSettings": object([
                "dsn": ["type": "string", "description": "The API base Unipile's dashboard shows (host:port or https URL)"],
                "api_key": ["type": ["string", "null"], "writeOnly": true], "account_id": string,
                "webhook_secret": ["type": ["string", "null"], "writeOnly": true,
                                   "description": "What Unipile's webhooks send in the Unipile-Auth header"],
            ]),
            "Sender": object([
                "id": string, "object": ["const": "sender"], "channel": enumeration(["linkedin", "email", "sms"]),
                "display_name": string, "linkedin_url": nullableString, "email": nullableString, "phone": nullableString,
                "timezone": string, "status": enumeration(["active", "paused", "disconnected"]),
                "limits": ["type": "object", "additionalProperties": ref("RateLimit")], "pacing": ref("Pacing"),
                "smtp": nullable(object(["host": string, "port": integer, "security": string, "username": nullableString,
                                         "password_set": boolean])),
                "imap": nullable(object(["host": string, "port": integer, "security": string, "username": nullableString,
                                         "password_set": boolean])),
                "twilio": nullable(object(["account_sid": string, "base_url": string, "auth_token_set": boolean])),
                "gateway": nullable(object(["url": string, "secret_set": boolean])),
                "unipile": nullable(object(["dsn": string, "account_id": string, "api_key_set": boolean, "webhook_secret_set": boolean])),
                "created_at": timestamp, "updated_at": timestamp,
            ], required: ["id", "object", "channel", "display_name", "linkedin_url", "email", "phone", "timezone", "status",
                          "limits", "pacing", "smtp", "imap", "twilio", "gateway", "unipile", "created_at", "updated_at"]),
            "SenderCreate": object(senderFields(create: true), required: ["channel", "display_name"]),
            "SenderPatch": object(senderFields(create: false)),
            "Window": object([
                "start": ["type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"],
                "end": ["type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "description": "After start; 24:00 allowed"],
            ], required: ["start", "end"]),
            "Schedule": [
                "type": "object",
                "description": "Weekday (monday … sunday) → windows in the campaign's time zone; a missing day sends nothing",
                "additionalProperties": nullable(["type": "array", "items": ref("Window")]),
            ],
            "Campaign": object([
                "id": string, "object": ["const": "campaign"], "name": string, "description": nullableString,
                "channel": enumeration(["linkedin", "email", "sms", "multichannel"]),
                "status": enumeration(["draft", "active", "paused", "completed", "archived"]),
                "dry_run": boolean, "priority": integer, "timezone": string, "schedule": ref("Schedule"),
                "start_at": nullableTimestamp, "sender_ids": ["type": "array", "items": string],
                "hourly_message_rate": range(1, 60), "daily_limit": range(1, 500), "stop_on_reply": boolean,
                "open_tracking": boolean, "signature": nullableString, "skip_other_campaigns": boolean,
                "prioritize_new_leads": boolean, "send_in_lead_timezone": boolean, "lead_rules": ref("LeadRules"), "sequence": ref("Sequence"),
                "simulation": nullable(ref("Simulation")), "is_rebalancing": boolean, "is_enrolling": boolean,
                "automations": ["type": "array", "items": ref("Automation")],
                "created_at": timestamp, "updated_at": timestamp,
                "started_at": nullableTimestamp, "paused_at": nullableTimestamp, "completed_at": nullableTimestamp,
            ], required: ["id", "object", "name", "description", "channel", "status", "dry_run", "priority", "timezone",
                          "schedule", "start_at", "sender_ids", "hourly_message_rate", "daily_limit", "stop_on_reply",
                          "open_tracking", "signature", "skip_other_campaigns", "prioritize_new_leads", "send_in_lead_timezone", "lead_rules",
                          "sequence", "created_at",
                          "updated_at", "started_at", "paused_at", "completed_at"]),
            "CampaignCreate": object(campaignFields(create: true), required: ["name", "channel"]),
            "CampaignPatch": object(campaignFields(create: false)),
        ]
    }

    private static func senderFields(create: Bool) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "display_name": ["type": "string", "minLength": 1, "maxLength": 255],
            "linkedin_url": ["type": ["string", "null"], "description": "Required for linkedin senders"],
            "email": ["type": ["string", "null"], "description": "Required for email senders"],
            "phone": ["type": ["string", "null"], "description": "E.164; required for sms senders"],
            "timezone": ["type": ["string", "null"], "description": "IANA name or ±HH:MM; default UTC"],
            "status": enumeration(["active", "paused", "disconnected"]),
            "limits": nullable(ref("Limits")), "pacing": nullable(ref("Pacing")),
            "smtp": nullable(ref("SMTPSettings")), "imap": nullable(ref("IMAPSettings")), "twilio": nullable(ref("TwilioSettings")),
            "gateway": nullable(ref("GatewaySettings")), "unipile": nullable(ref("UnipileSettings")),
        ]
        fields["channel"] = create ? enumeration(["linkedin", "email", "sms"]) : ["type": "string", "description": "Immutable"]
        return fields
    }

    private static func campaignFields(create: Bool) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "name": ["type": "string", "minLength": 1, "maxLength": 255, "description": "Unique in the workspace"],
            "description": nullableString, "dry_run": ["type": ["boolean", "null"]],
            "priority": ["type": ["integer", "null"], "minimum": 0, "description": "Higher runs first; default 0"],
            "timezone": ["type": ["string", "null"], "description": "IANA name or ±HH:MM; default UTC"],
            "schedule": nullable(ref("Schedule")), "start_at": nullableTimestamp,
            "sender_ids": ["type": ["array", "null"], "items": string],
            "hourly_message_rate": ["type": ["integer", "null"], "minimum": 1, "maximum": 60, "default": 10],
            "daily_limit": ["type": ["integer", "null"], "minimum": 1, "maximum": 500, "default": 50],
            "stop_on_reply": ["type": ["boolean", "null"], "default": true],
            "open_tracking": ["type": ["boolean", "null"], "default": false],
            "signature": nullableString,
            "skip_other_campaigns": ["type": ["boolean", "null"], "default": true],
            "send_in_lead_timezone": ["type": ["boolean", "null"], "default": false],
            "prioritize_new_leads": ["type": ["boolean", "null"], "default": false,
                                     "description": "On a busy sender, start new leads before due follow-ups (default: follow-ups first)"],
            "lead_rules": nullable(ref("LeadRules")),
            "sequence": ["$ref": "#/components/schemas/SequenceInput",
                         "description": "The whole sequence; on PATCH the same nodes as now change nothing"],
            "simulation": nullable(ref("Simulation")),
            "automations": ["type": ["array", "null"], "items": ref("Automation")],
        ]
        fields["channel"] = create ? enumeration(["linkedin", "email", "sms", "multichannel"]) : ["type": "string", "description": "Immutable"]
        fields["status"] = ["type": "string", "description": "Read-only: changed by lifecycle actions"]
        return fields
    }
}

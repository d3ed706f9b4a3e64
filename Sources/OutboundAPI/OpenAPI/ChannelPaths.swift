/// Paths of the real channels: connection checks, unsubscribe, the open pixel and provider webhooks.
enum ChannelPaths {
    private typealias Doc = OpenAPIDocument

    static var all: [String: JSONValue] {
        let senderParameter: JSONValue = ["name": "sender_id", "in": "path", "required": true, "schema": Doc.string]
        let tokenParameter: JSONValue = ["name": "token", "in": "path", "required": true, "schema": Doc.string,
                                         "description": "The opaque token from the link in the message"]
        let html: JSONValue = ["content": ["text/html": ["schema": Doc.string]]]
        func page(_ description: String) -> JSONValue {
            var page = html
            if case .object(var object) = page { object["description"] = .string(description); page = .object(object) }
            return page
        }
        let received = Doc.json(Doc.object(["received": ["type": "boolean"], "matched": ["type": "integer"]],
                                           required: ["received", "matched"]), "Accepted; `matched` counts the leads it applied to")
        return [
            "/v1/senders/{id}/check": [
                "parameters": [Doc.idParameter],
                "post": Doc.operation("Check a sender's connection (SMTP EHLO + AUTH and its IMAP mailbox, Twilio account, gateway health)",
                                      tag: "Senders", responses: [
                    "200": Doc.json(Doc.object([
                        "object": ["const": "sender_check"], "sender_id": Doc.string,
                        "status": ["type": "string", "enum": ["connected", "failed"]],
                        "error": ["type": ["string", "null"], "description": "The provider's exact answer when it failed"],
                        "checked_at": Doc.string,
                    ], required: ["object", "sender_id", "status", "error", "checked_at"]), "The result"),
                    "404": Doc.problem("No such sender"),
                ]),
            ],
            "/v1/senders/{id}/mailbox": [
                "parameters": [Doc.idParameter],
                "get": Doc.operation("Where the reading of an email sender's mailbox (IMAP) stands", tag: "Senders", responses: [
                    "200": Doc.json(Doc.object([
                        "object": ["const": "mailbox"], "sender_id": Doc.string,
                        "status": ["type": "string", "enum": ["not_configured", "not_started", "watching", "failing", "refused"],
                                   "description": "refused: the server refused the login; not tried again until the settings change"],
                        "error": ["type": ["string", "null"], "description": "The server's own words when the last attempt failed"],
                        "uid_validity": ["type": ["integer", "null"]], "last_uid": ["type": ["integer", "null"]],
                        "messages_read": ["type": "integer"], "checked_at": ["type": ["string", "null"]],
                    ], required: ["object", "sender_id", "status", "error", "uid_validity", "last_uid", "messages_read", "checked_at"]),
                    "The mailbox"),
                    "404": Doc.problem("No such sender"),
                ]),
            ],
            "/u/{token}": [
                "parameters": [tokenParameter],
                "get": Doc.operation("Unsubscribe page: shows a button only (link scanners follow GETs)", tag: "Channels", open: true,
                                     responses: ["200": page("The page with the button"), "404": page("Not a valid link")]),
                "post": Doc.operation("One-click unsubscribe (RFC 8058): suppresses the address and stops its leads", tag: "Channels",
                                      open: true, responses: ["200": page("Unsubscribed"), "404": page("Not a valid link")]),
            ],
            "/o/{token}.gif": [
                "parameters": [tokenParameter],
                "get": Doc.operation("Open-tracking pixel: records `opened` once per action", tag: "Channels", open: true,
                                     responses: ["200": ["description": "A 1×1 transparent GIF", "content": ["image/gif": ["schema": Doc.string]]]]),
            ],
            "/webhooks/twilio/{sender_id}": [
                "parameters": [senderParameter],
                "post": [
                    "summary": "Inbound SMS from Twilio (form-encoded, checked with X-Twilio-Signature)", "tags": ["Channels"],
                    "operationId": "twilio_inbound_sms", "security": [],
                    "requestBody": ["required": true, "content": ["application/x-www-form-urlencoded": ["schema": Doc.object([
                        "From": Doc.string, "To": Doc.string, "Body": Doc.string, "MessageSid": Doc.string], required: ["From"])]]],
                    "responses": [
                        "200": ["description": "TwiML: a confirmation for STOP/HELP/START, else empty",
                                "content": ["application/xml": ["schema": Doc.string]]],
                        "403": Doc.problem("Missing or wrong signature"), "404": Doc.problem("No such SMS sender"),
                        "422": Doc.problem("`From` missing or not a phone number"),
                    ],
                ],
            ],
            "/webhooks/unipile/{sender_id}": [
                "parameters": [senderParameter],
                "post": [
                    "summary": "Unipile's webhooks for a LinkedIn seat (message_received, new_relation), with the Unipile-Auth header",
                    "tags": ["Channels"], "operationId": "unipile_event", "security": [],
                    "parameters": [["name": "Unipile-Auth", "in": "header", "required": true, "schema": Doc.string,
                                    "description": "The sender's unipile.webhook_secret"]],
                    "requestBody": ["required": true, "content": ["application/json": ["schema": Doc.object([
                        "event": Doc.string, "account_id": Doc.string, "message": Doc.string,
                        "sender": Doc.object(["attendee_provider_id": Doc.string, "attendee_profile_url": Doc.string]),
                        "user_provider_id": Doc.string, "user_public_identifier": Doc.string, "user_profile_url": Doc.string,
                    ])]]],
                    "responses": ["200": received, "400": Doc.problem("Malformed JSON"), "403": Doc.problem("Unipile-Auth missing or wrong"),
                                  "404": Doc.problem("No such LinkedIn sender"), "422": Doc.problem("Not this sender's account, or no member")],
                ],
            ],
            "/webhooks/linkedin/{sender_id}": [
                "parameters": [senderParameter],
                "post": [
                    "summary": "Events from the LinkedIn gateway (signed with X-Outbound-Signature)", "tags": ["Channels"],
                    "operationId": "linkedin_gateway_event", "security": [],
                    "requestBody": ["required": true, "content": ["application/json": ["schema": Doc.object([
                        "type": ["type": "string", "enum": ["accepted", "replied", "withdrawn", "profile_viewed"]],
                        "recipient": Doc.object(["linkedin_url": Doc.string], required: []),
                        "action_id": Doc.string, "body": Doc.string, "at": Doc.string,
                    ], required: ["type"])]]],
                    "responses": [
                        "200": received, "400": Doc.problem("Malformed JSON"), "403": Doc.problem("Missing, stale or wrong signature"),
                        "404": Doc.problem("No such LinkedIn sender, or no such action"), "422": Doc.problem("Invalid values"),
                    ],
                ],
            ],
            "/webhooks/email/{sender_id}": [
                "parameters": [senderParameter],
                "post": [
                    "summary": "Inbound email (JSON from an inbound-parse service) or a bounce report (RFC 3464)", "tags": ["Channels"],
                    "operationId": "email_inbound",
                    "security": [["bearerAuth": []], ["apiKeyHeader": []], ["basicAuth": []]],
                    "requestBody": ["required": true, "content": [
                        "application/json": ["schema": Doc.object([
                            "from": Doc.string, "to": Doc.string, "subject": Doc.string, "in_reply_to": Doc.string, "text": Doc.string,
                            "headers": ["type": ["object", "string"]],
                        ], required: ["from"])],
                        "message/rfc822": ["schema": Doc.string],
                        "multipart/report": ["schema": Doc.string],
                    ]],
                    "responses": [
                        "200": received, "400": Doc.problem("Malformed JSON"), "401": Doc.problem("No API key of the sender's workspace"),
                        "404": Doc.problem("No such email sender"), "413": Doc.problem("Body too large"), "422": Doc.problem("Invalid values"),
                    ],
                ],
            ],
        ]
    }
}

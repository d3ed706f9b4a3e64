/// Paths of contacts, lists, suppressions, campaign leads and imports.
enum ContactPaths {
    private typealias Doc = OpenAPIDocument
    private static let idParameter = Doc.idParameter

    static var all: [String: JSONValue] {
        [
            "/v1/contacts": [
                "get": Doc.listOperation("List contacts", tag: "Contacts", item: "Contact"),
                "post": Doc.operation("Create a contact", tag: "Contacts", body: Doc.ref("ContactInput"), idempotent: true,
                                      responses: ["201": Doc.json(Doc.ref("Contact"), "The new contact"),
                                                  "409": Doc.problem("An identity belongs to another contact")]),
            ],
            "/v1/contacts/bulk": [
                "post": Doc.operation("Create or merge up to 10,000 contacts", tag: "Contacts",
                                      body: Doc.object(["contacts": ["type": "array", "maxItems": 10_000, "items": Doc.ref("ContactInput")]],
                                                       required: ["contacts"]),
                                      idempotent: true, responses: ["200": Doc.json(Doc.ref("BulkResult"), "Per input index, and totals")]),
            ],
            "/v1/contacts/{id}": [
                "parameters": [idParameter],
                "get": Doc.operation("Get a contact", tag: "Contacts",
                                     responses: ["200": Doc.json(Doc.ref("Contact"), "The contact"), "404": Doc.problem("No such contact")]),
                "patch": Doc.operation("Change a contact (custom_fields merge key by key)", tag: "Contacts",
                                       body: Doc.ref("ContactInput"),
                                       responses: ["200": Doc.json(Doc.ref("Contact"), "The contact"), "404": Doc.problem("No such contact"),
                                                   "409": Doc.problem("An identity belongs to another contact")]),
                "delete": Doc.operation("Delete a contact; with erase=true remove its personal data everywhere and keep a keyed hash on the suppression list",
                                        tag: "Contacts",
                                        parameters: [["name": "erase", "in": "query", "required": false, "schema": ["type": "boolean"]]],
                                        responses: ["204": ["description": "Deleted"], "404": Doc.problem("No such contact")]),
            ],
            "/v1/lists": [
                "get": Doc.listOperation("List lists", tag: "Lists", item: "List"),
                "post": Doc.operation("Create a list", tag: "Lists", body: Doc.ref("ListInput"), idempotent: true,
                                      responses: ["201": Doc.json(Doc.ref("List"), "The new list"), "409": Doc.problem("Name already used")]),
            ],
            "/v1/lists/{id}": [
                "parameters": [idParameter],
                "get": Doc.operation("Get a list", tag: "Lists",
                                     responses: ["200": Doc.json(Doc.ref("List"), "The list"), "404": Doc.problem("No such list")]),
                "patch": Doc.operation("Rename or describe a list", tag: "Lists", body: Doc.ref("ListInput"),
                                       responses: ["200": Doc.json(Doc.ref("List"), "The list"), "404": Doc.problem("No such list"),
                                                   "409": Doc.problem("Name already used")]),
                "delete": Doc.operation("Delete a list (its contacts stay)", tag: "Lists",
                                        responses: ["204": ["description": "Deleted"], "404": Doc.problem("No such list")]),
            ],
            "/v1/lists/{id}/members": [
                "parameters": [idParameter],
                "get": Doc.listOperation("List a list's members", tag: "Lists", item: "Contact"),
                "post": Doc.operation("Add contacts to a list (campaigns following it take them as leads)", tag: "Lists",
                                      body: Doc.ref("ContactIDs"), idempotent: true,
                                      responses: ["200": Doc.json(Doc.ref("Membership"), "What changed"), "404": Doc.problem("No such list")]),
            ],
            "/v1/lists/{id}/members/remove": [
                "parameters": [idParameter],
                "post": Doc.operation("Remove contacts from a list", tag: "Lists", body: Doc.ref("ContactIDs"), idempotent: true,
                                      responses: ["200": Doc.json(Doc.ref("Membership"), "What changed"), "404": Doc.problem("No such list")]),
            ],
            "/v1/suppressions": [
                "get": Doc.listOperation("List suppressions", tag: "Suppressions", item: "Suppression"),
                "post": Doc.operation("Suppress an email, domain, phone or LinkedIn profile", tag: "Suppressions",
                                      body: Doc.ref("SuppressionInput"), idempotent: true,
                                      responses: ["201": Doc.json(Doc.ref("Suppression"), "The entry (the existing one if already there)")]),
            ],
            "/v1/suppressions/{id}": [
                "parameters": [idParameter],
                "delete": Doc.operation("Lift a suppression", tag: "Suppressions",
                                        responses: ["204": ["description": "Deleted"], "404": Doc.problem("No such suppression")]),
            ],
            "/v1/campaigns/{id}/leads": [
                "parameters": [idParameter],
                "get": Doc.operation("List a campaign's leads with their state", tag: "Leads", parameters: [
                    ["name": "state", "in": "query", "required": false,
                     "schema": ["type": "string", "enum": .array(["pending", "active", "waiting", "replied", "completed", "failed",
                                                                  "skipped", "unsubscribed", "bounced", "stopped", "uncertain"])]],
                    ["name": "limit", "in": "query", "required": false, "schema": ["type": "integer", "minimum": 1, "maximum": 100]],
                    ["name": "starting_after", "in": "query", "required": false, "schema": Doc.string],
                ], responses: [
                    "200": Doc.json(Doc.object(["data": ["type": "array", "items": Doc.ref("Lead")], "has_more": ["type": "boolean"],
                                                "next_cursor": ["type": ["string", "null"]]], required: ["data", "has_more", "next_cursor"]),
                                    "One page, in the order leads were added"),
                    "404": Doc.problem("No such campaign"), "422": Doc.problem("`starting_after` names no lead of this campaign"),
                ]),
                "post": Doc.operation("Add leads: contact_ids, inline contacts or a list_id (up to 10,000)", tag: "Leads",
                                      body: Doc.ref("LeadsInput"), idempotent: true,
                                      responses: ["200": Doc.json(Doc.ref("LeadAddition"), "Counts and a reason for each contact left out"),
                                                  "404": Doc.problem("No such campaign"), "409": Doc.problem("Campaign completed or archived")]),
            ],
            "/v1/campaigns/{id}/leads/{contact_id}": [
                "parameters": [idParameter, ["name": "contact_id", "in": "path", "required": true, "schema": Doc.string]],
                "delete": Doc.operation("Remove a lead not yet contacted", tag: "Leads",
                                        responses: ["204": ["description": "Removed"], "404": Doc.problem("No such campaign or lead"),
                                                    "409": Doc.problem("Already contacted")]),
            ],
            "/v1/imports": [
                "post": [
                    "summary": "Import a CSV of contacts (body text/csv, or a multipart/form-data file part)",
                    "operationId": "create_import", "tags": ["Imports"],
                    "parameters": [
                        ["name": "list_id", "in": "query", "required": false, "schema": Doc.string],
                        ["name": "filename", "in": "query", "required": false, "schema": Doc.string],
                        ["name": "map", "in": "query", "required": false, "schema": ["type": "array", "items": Doc.string],
                         "description": "Column=field overrides (field: a contact field, custom.KEY or ignore)"],
                    ],
                    "requestBody": ["required": true, "content": [
                        "text/csv": ["schema": ["type": "string"]],
                        "multipart/form-data": ["schema": Doc.object(["file": ["type": "string", "format": "binary"]])],
                    ]],
                    "responses": [
                        "201": Doc.json(Doc.ref("Import"), "The finished import with its counts and row errors"),
                        "400": Doc.problem("Bad query parameter or unreadable multipart body"),
                        "401": Doc.problem("Missing, unknown or revoked API key"),
                        "422": Doc.json(Doc.ref("Import"), "The file could not be imported at all (no header); see failure"),
                    ],
                ],
            ],
            "/v1/campaigns/{id}/sequence": [
                "parameters": [idParameter],
                "get": Doc.operation("Get a campaign's sequence", tag: "Sequences",
                                     responses: ["200": Doc.json(Doc.ref("Sequence"), "The sequence"), "404": Doc.problem("No such campaign")]),
                "put": Doc.operation("Replace the whole sequence (version + 1); draft or paused campaigns only", tag: "Sequences",
                                     body: Doc.ref("SequenceInput"),
                                     responses: ["200": Doc.json(Doc.ref("Sequence"), "The new version"), "404": Doc.problem("No such campaign"),
                                                 "409": Doc.problem("Campaign active (pause first), or version mismatch")]),
            ],
            "/v1/campaigns/{id}/sequence/nodes": [
                "parameters": [idParameter],
                "post": Doc.operation("Insert a node after another (branch yes/no after a condition)", tag: "Sequences",
                                      body: Doc.ref("NodeInsert"),
                                      responses: ["201": Doc.json(Doc.ref("Sequence"), "The new version"), "404": Doc.problem("No such campaign"),
                                                  "409": Doc.problem("Campaign active, or node ID taken")]),
            ],
            "/v1/campaigns/{id}/sequence/nodes/{node_id}": [
                "parameters": [idParameter, ["name": "node_id", "in": "path", "required": true, "schema": Doc.string]],
                "patch": Doc.operation("Change a node's fields (its type stays)", tag: "Sequences", body: Doc.ref("Node"),
                                       responses: ["200": Doc.json(Doc.ref("Sequence"), "The new version"), "404": Doc.problem("No such node"),
                                                   "409": Doc.problem("Campaign active")]),
                "delete": Doc.operation("Delete a node; its predecessors (and enrollments on it) move to its successor", tag: "Sequences",
                                        responses: ["200": Doc.json(Doc.ref("Sequence"), "The new version"), "404": Doc.problem("No such node"),
                                                    "409": Doc.problem("Campaign active, or a condition")]),
            ],
            "/v1/campaigns/{id}/sequence/nodes/{node_id}/move": [
                "parameters": [idParameter, ["name": "node_id", "in": "path", "required": true, "schema": Doc.string]],
                "post": Doc.operation("Move a step to just after another", tag: "Sequences", body: Doc.ref("NodeMove"),
                                      responses: ["200": Doc.json(Doc.ref("Sequence"), "The new version"), "404": Doc.problem("No such node"),
                                                  "409": Doc.problem("Campaign active, or the node cannot move")]),
            ],
            "/v1/campaigns/{id}/preview": [
                "parameters": [idParameter],
                "post": Doc.operation("Render every step for one lead", tag: "Sequences", body: Doc.ref("PreviewInput"),
                                      responses: ["200": Doc.json(Doc.ref("Preview"), "Each sending step as the lead would get it"),
                                                  "404": Doc.problem("No such campaign")]),
            ],
            "/v1/campaigns/{id}/validate": [
                "parameters": [idParameter],
                "get": Doc.operation("Pre-launch check, no side effects", tag: "Sequences",
                                     responses: ["200": Doc.json(Doc.ref("Validation"), "ready is true exactly when errors is empty"),
                                                 "404": Doc.problem("No such campaign")]),
            ],
            "/v1/imports/{id}": [
                "parameters": [idParameter],
                "get": Doc.operation("An import's progress and result", tag: "Imports",
                                     responses: ["200": Doc.json(Doc.ref("Import"), "The import"), "404": Doc.problem("No such import")]),
            ],
        ]
    }
}

import OutboundCore

/// The `/docs` page: plain HTML rendered on the server from the OpenAPI document (no script).
enum DocsPage {
    static func render(_ document: JSONValue) -> String {
        guard case .object(let root) = document, case .object(let paths)? = root["paths"] else { return "" }
        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Outbound API</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1d2330}
            h1{margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:1px solid #dde} code{background:#f3f4f8;padding:1px 4px;border-radius:3px}
            .op{border:1px solid #e2e4ee;border-radius:6px;margin:.8rem 0;padding:.6rem .9rem}
            .m{display:inline-block;min-width:4.2rem;font-weight:700;font-family:monospace}
            .get{color:#0a7d3b}.post{color:#1f5fbf}.patch{color:#a26100}.delete{color:#b3261e}.put{color:#7a3db8}
            table{border-collapse:collapse;margin:.4rem 0} td,th{border-bottom:1px solid #eee;padding:2px 10px 2px 0;text-align:left;vertical-align:top}
            pre{background:#f6f7fb;padding:.6rem;overflow:auto;font-size:13px}
            </style></head><body>
            <h1>Outbound API</h1>
            <p>Send your key as <code>Authorization: Bearer ob_live_…</code> or <code>X-API-KEY</code>. JSON is snake_case,
            timestamps are RFC 3339 UTC with milliseconds, lists take <code>limit</code> and <code>starting_after</code>
            and answer <code>{data, has_more, next_cursor}</code>. Errors are <code>application/problem+json</code> with
            <code>errors: [{field, message}]</code>. The machine-readable description is <a href="/openapi.json">/openapi.json</a>.</p>
            <h2 id="endpoints">Endpoints</h2>
            """
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            guard case .object(let methods) = item else { continue }
            for method in ["get", "post", "put", "patch", "delete"] {
                guard case .object(let op)? = methods[method] else { continue }
                html += "<div class=\"op\"><span class=\"m \(method)\">\(method.uppercased())</span> <code>\(HTML.escape(path))</code>"
                if case .string(let summary)? = op["summary"] { html += " — \(HTML.escape(summary))" }
                if case .object(let body)? = op["requestBody"], case .object(let content)? = body["content"],
                   case .object(let media)? = content["application/json"], let schema = media["schema"] {
                    html += "<div>Body: \(schemaLink(schema))</div>"
                }
                if case .object(let responses)? = op["responses"] {
                    html += "<table><tr><th>Status</th><th>Meaning</th></tr>"
                    for (status, response) in responses.sorted(by: { $0.key < $1.key }) {
                        guard case .object(let detail) = response, case .string(let text)? = detail["description"] else { continue }
                        html += "<tr><td>\(status)</td><td>\(HTML.escape(text))</td></tr>"
                    }
                    html += "</table>"
                }
                html += "</div>\n"
            }
        }
        if case .object(let components)? = root["components"], case .object(let schemas)? = components["schemas"] {
            html += "<h2 id=\"schemas\">Schemas</h2>"
            for (name, schema) in schemas.sorted(by: { $0.key < $1.key }) {
                html += "<h3 id=\"schema-\(name)\">\(name)</h3>"
                if case .object(let body) = schema, case .object(let properties)? = body["properties"] {
                    var required: Set<String> = []
                    if case .array(let names)? = body["required"] {
                        for case .string(let n) in names { required.insert(n) }
                    }
                    html += "<table><tr><th>Field</th><th>Type</th><th></th></tr>"
                    for (field, fieldSchema) in properties.sorted(by: { $0.key < $1.key }) {
                        html += "<tr><td><code>\(field)</code></td><td>\(schemaLink(fieldSchema))</td>"
                        html += "<td>\(required.contains(field) ? "required" : "")</td></tr>"
                    }
                    html += "</table>"
                } else {
                    html += "<pre>\(HTML.escape(String(decoding: schema.serialized(), as: UTF8.self)))</pre>"
                }
            }
        }
        html += """
            <h2 id="problems">Problem types</h2>
            <table>
            <tr><td id="problem-validation-error">validation-error</td><td>422: well-formed JSON with invalid values; see <code>errors</code></td></tr>
            <tr><td id="problem-malformed-request">malformed-request</td><td>400: not JSON, or a bad query parameter</td></tr>
            <tr><td id="problem-unauthorized">unauthorized</td><td>401: no key, an unknown key or a revoked key</td></tr>
            <tr><td id="problem-not-found">not-found</td><td>404: nothing with that ID in your workspace</td></tr>
            <tr><td id="problem-route-not-found">route-not-found</td><td>404: no such route</td></tr>
            <tr><td id="problem-conflict">conflict</td><td>409: a taken name or identity, or a state that forbids the change</td></tr>
            <tr><td id="problem-idempotency-key-reused">idempotency-key-reused</td><td>422: the key was used with another request</td></tr>
            <tr><td id="problem-idempotency-key-in-progress">idempotency-key-in-progress</td><td>409: the first request with this key is still running</td></tr>
            <tr><td id="problem-payload-too-large">payload-too-large</td><td>413: the body exceeds the route's limit</td></tr>
            </table></body></html>
            """
        return html
    }

    private static func schemaLink(_ schema: JSONValue) -> String {
        guard case .object(let object) = schema else { return "" }
        if case .string(let ref)? = object["$ref"] {
            let name = ref.split(separator: "/").last.map(String.init) ?? ref
            return "<a href=\"#schema-\(name)\">\(name)</a>"
        }
        if case .array(let options)? = object["anyOf"] { return options.map(schemaLink).joined(separator: " or ") }
        switch object["type"] {
        case .string(let type)?:
            if type == "array", let items = object["items"] { return "array of \(schemaLink(items))" }
            if case .array(let values)? = object["enum"] {
                return values.compactMap { if case .string(let v) = $0 { "<code>\(v)</code>" } else { nil } }.joined(separator: " | ")
            }
            return type
        case .array(let types)?:
            return types.compactMap { if case .string(let t) = $0 { t } else { nil } }.joined(separator: " or ")
        default:
            if case .string(let value)? = object["const"] { return "<code>\(value)</code>" }
            return "any"
        }
    }

}

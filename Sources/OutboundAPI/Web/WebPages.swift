import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The web app's pages: swift-mustache templates (every `{{value}}` is HTML-escaped; the
/// templates never use the unescaped `{{{…}}}`), one layout they all extend, one stylesheet, and
/// the security headers every page carries. Kept in the binary, so `outbound` is one file to ship.
struct WebPages: Sendable {
    let library: MustacheLibrary

    init() {
        var library = MustacheLibrary()
        for (name, text) in Self.templates {
            // The templates are ours and fixed: one that does not parse is a programming error.
            try! library.register(text, named: name)
        }
        self.library = library
    }

    /// A page, with the headers of every page of the app.
    func render(_ template: String, _ values: [String: Any], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let html = library.render(values, withTemplate: template) ?? ""
        var fields = Self.securityHeaders
        fields[.contentType] = "text/html; charset=utf-8"
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Values for a template with the absent ones left out: swift-mustache reads an `Optional`
    /// inside `Any` as present (and prints "nil"), so a section on it would always show.
    static func values(_ values: [String: Any?]) -> [String: Any] {
        values.compactMapValues { $0 }
    }

    /// A page's one-line answer to a form (`{{#notice}}<p class="{{class}}">{{text}}</p>`): a notice, or an error.
    static func notice(_ notice: (text: String, ok: Bool)?) -> [String: Any]? {
        notice.map { ["text": $0.text, "class": $0.ok ? "notice" : "error"] }
    }

    /// See-other to `location` (after a form post, or to the sign-in page).
    static func redirect(_ location: String, headers: HTTPFields = [:]) -> Response {
        var fields = securityHeaders
        fields[.location] = location
        fields.append(contentsOf: headers)
        return Response(status: .seeOther, headers: fields)
    }

    /// No script or style from anywhere but this server, none inline, no framing, no sniffing,
    /// no referrer leaving the site, and pages never cached (they show personal data).
    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!: "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; form-action 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        .cacheControl: "no-store",
    ]

    static let templates: [String: String] = [
        "layout": """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{title}} · Outbound</title>
            <link rel="stylesheet" href="/assets/app.css">
            <link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
            <script src="/assets/app.js" defer></script>
            </head>
            <body{{#refresh}} data-refresh="{{refresh}}"{{/refresh}}>
            {{#user}}
            <header>
              <a class="brand" href="/app/campaigns">Outbound</a>
              <nav><a href="/app/inbox">Inbox</a><a href="/app/campaigns">Campaigns</a><a href="/app/senders">Senders</a><a href="/app/contacts">Contacts</a><a href="/app/lists">Lists</a><a href="/app/suppressions">Suppressions</a><a href="/app/settings/keys">Settings</a></nav>
              <form method="post" action="/app/logout" class="signout">
                <input type="hidden" name="_csrf" value="{{csrf}}">
                <span>{{email}}</span><button type="submit">Sign out</button>
              </form>
            </header>
            {{/user}}
            <main>
            {{$content}}{{/content}}
            </main>
            </body>
            </html>
            """,
        "login": """
            {{<layout}}{{$content}}
            <section class="card narrow">
              <h1>Sign in</h1>
              {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
              <form method="post" action="/app/login">
                <input type="hidden" name="_csrf" value="{{loginCSRF}}">
                <label>Email <input type="email" name="email" value="{{email}}" autocomplete="username" required></label>
                <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
                <button type="submit">Sign in</button>
              </form>
            </section>
            {{/content}}{{/layout}}
            """,
        "setup": """
            {{<layout}}{{$content}}
            <section class="card narrow">
              <h1>Welcome to Outbound</h1>
              <p>Choose the email and password you will sign in with. This link works once.</p>
              {{#errors}}<p class="error" role="alert">{{field}}: {{message}}</p>{{/errors}}
              <form method="post" action="/app/setup/{{token}}">
                <input type="hidden" name="_csrf" value="{{loginCSRF}}">
                <label>Your name <input type="text" name="full_name" value="{{fullName}}" autocomplete="name"></label>
                <label>Email <input type="email" name="email" value="{{email}}" autocomplete="username" required></label>
                <label>Password (8 characters or more) <input type="password" name="password" autocomplete="new-password" minlength="8" required></label>
                <button type="submit">Create my account</button>
              </form>
            </section>
            {{/content}}{{/layout}}
            """,
        "campaigns": """
            {{<layout}}{{$content}}
            <h1>Campaigns</h1>
            {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
            <form method="get" action="/app/campaigns" class="filters">
              <label>Status <select name="status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></label>
              <label>Channel <select name="channel">{{#channels}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/channels}}</select></label>
              <button type="submit">Filter</button>
            </form>
            {{^campaigns}}<p>No campaigns{{#filtered}} match these filters{{/filtered}}.</p>{{/campaigns}}
            {{#hasCampaigns}}
            <div class="table">
            <table>
              <thead><tr><th>Campaign</th><th>Status</th><th>Progress</th><th>Contacted</th><th>Replied</th><th>Bounced</th><th>Next send</th><th></th></tr></thead>
              <tbody>
              {{#campaigns}}
              <tr>
                <td><a href="/app/campaigns/{{id}}"><strong>{{name}}</strong></a><br><small>{{channel}}{{#dryRun}} · dry run{{/dryRun}}</small></td>
                <td><span class="status {{status}}">{{status}}</span></td>
                <td><progress value="{{finished}}" max="{{targets}}">{{finished}} of {{targets}}</progress> <small>{{finished}} / {{targets}} done</small></td>
                <td>{{contacted}}</td><td>{{replied}}</td><td>{{bounced}}</td><td><small>{{nextSend}}</small></td>
                <td>{{#actions}}<form method="post" action="/app/campaigns/{{id}}/{{verb}}"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">{{label}}</button></form>{{/actions}}</td>
              </tr>
              {{/campaigns}}
              </tbody>
            </table>
            </div>
            {{/hasCampaigns}}
            {{/content}}{{/layout}}
            """,
        "campaign": """
            {{<layout}}{{$content}}
            {{#campaign}}
            <p><a href="/app/campaigns">← Campaigns</a></p>
            <h1>{{name}}</h1>
            <p><span class="status {{status}}">{{status}}</span> {{channel}}{{#dryRun}} · dry run{{/dryRun}}
              {{#actions}}<form method="post" action="/app/campaigns/{{id}}/{{verb}}"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">{{label}}</button></form>{{/actions}}</p>
            <dl class="figures">
              <div><dt>Leads</dt><dd>{{targets}}</dd></div><div><dt>Done</dt><dd>{{finished}}</dd></div>
              <div><dt>Contacted</dt><dd>{{contacted}}</dd></div><div><dt>Replied</dt><dd>{{replied}} ({{replyRate}})</dd></div>
              <div><dt>Accepted</dt><dd>{{accepted}}</dd></div><div><dt>Opened</dt><dd>{{opened}}</dd></div>
              <div><dt>Bounced</dt><dd>{{bounced}}</dd></div>
            </dl>
            {{/campaign}}
            {{#validation}}
            <section class="card">
              <h2>Before it runs</h2>
              {{#problems}}<p class="{{class}}"><strong>{{kind}}</strong> {{#path}}<code>{{path}}</code>: {{/path}}{{message}}</p>{{/problems}}
              {{^problems}}<p class="notice">Ready: nothing stops it.</p>{{/problems}}
            </section>
            {{/validation}}
            <section class="card">
              <h2>Actions per day</h2>
              {{#forecastPending}}<p>The forecast is being worked out (it replays the whole campaign): it shows on the next view.</p>{{/forecastPending}}
              {{#forecast}}<p>{{#completion}}Expected to finish on <strong>{{completion}}</strong>. {{/completion}}What holds it back: {{bottleneck}}.</p>{{/forecast}}
              {{#chart}}
              <svg class="chart" viewBox="0 0 {{width}} {{height}}" width="{{width}}" height="{{height}}" role="img" aria-labelledby="chart-title">
                <title id="chart-title">Actions per day: the last two weeks sent, then the forecast; dots are replies (the highest bar is {{peak}})</title>
                <line x1="0" y1="{{baseline}}" x2="{{width}}" y2="{{baseline}}" class="axis"/>
                {{#bars}}<rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" class="{{class}}"><title>{{title}}</title></rect>{{/bars}}
                {{#dots}}<circle cx="{{cx}}" cy="{{cy}}" r="3.5" class="reply"><title>{{title}}</title></circle>{{/dots}}
                {{#labels}}<text x="{{x}}" y="{{y}}">{{text}}</text>{{/labels}}
              </svg>
              {{/chart}}
              <p class="legend"><span class="key past"></span> sent <span class="key forecast"></span> forecast <span class="key reply"></span> replies</p>
            </section>
            <section class="card">
              <h2>Sequence</h2>
              {{#graph}}
              <div class="graph"><svg viewBox="0 0 {{width}} {{height}}" width="{{width}}" height="{{height}}" role="img" aria-labelledby="graph-title">
                <title id="graph-title">The sequence's steps and the ways between them, each sending step with what it sent and what came back</title>
                <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>
                {{#arrows}}<line x1="{{x1}}" y1="{{y1}}" x2="{{x2}}" y2="{{y2}}" marker-end="url(#arrow)"/>{{#label}}<text x="{{lx}}" y="{{ly}}" class="way">{{label}}</text>{{/label}}{{/arrows}}
                {{#boxes}}<rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" rx="6" class="{{class}}"/><text x="{{tx}}" y="{{ty1}}" class="name">{{title}}</text><text x="{{tx}}" y="{{ty2}}">{{detail}}</text>{{/boxes}}
              </svg></div>
              {{/graph}}
              <div class="table"><table>
                <thead><tr><th>Step</th><th>Type</th><th>Sent</th><th>Opened</th><th>Accepted</th><th>Replied</th></tr></thead>
                <tbody>{{#steps}}<tr><td>{{id}}</td><td>{{type}}</td><td><progress value="{{sent}}" max="{{max}}">{{sent}}</progress> {{sent}}</td><td>{{opened}}</td><td>{{accepted}}</td><td>{{replied}}</td></tr>{{/steps}}</tbody>
              </table></div>
              {{#preview}}
              <h3 id="preview">Each step for {{lead}}</h3>
              {{#steps}}<div class="preview"><small>{{id}} · {{type}}</small>{{#subject}}<strong>{{subject}}</strong>{{/subject}}<p>{{body}}</p>{{#missing}}<small class="error">No value for: {{missing}}</small>{{/missing}}</div>{{/steps}}
              {{/preview}}
              {{^preview}}<p><small>Choose “Preview” on a lead below to see each step written for them.</small></p>{{/preview}}
            </section>
            <section class="card">
              <h2>Senders</h2>
              {{^senders}}<p>No senders.</p>{{/senders}}
              {{#senders}}
              <h3>{{name}} <small>{{channel}} · <span class="status {{status}}">{{status}}</span> · {{sentHere}} sent for this campaign{{#nextSlot}} · next free slot {{nextSlot}}{{/nextSlot}}{{#inFlight}} · sending now{{/inFlight}}</small></h3>
              <div class="table"><table>
                <thead><tr><th>Action</th><th>Last hour</th><th>Last 24 h</th><th>Last 7 days</th></tr></thead>
                <tbody>{{> limits}}</tbody>
              </table></div>
              {{/senders}}
            </section>
            <section class="card">
              <h2>Leads</h2>
              {{#campaign}}<p><a href="/app/campaigns/{{id}}/leads.csv" download>Download every lead as CSV</a> · <a href="/app/campaigns/{{id}}/actions.csv" download>Download every action as CSV</a></p>{{/campaign}}
              <form method="get" class="filters">
                <label>State <select name="state">{{#states}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/states}}</select></label>
                <button type="submit">Filter</button>
              </form>
              {{#campaign}}<form method="post" action="/app/campaigns/{{id}}" class="filters" role="search">{{/campaign}}
                <input type="hidden" name="_csrf" value="{{csrf}}">
                <label>Search the leads <input type="text" name="q" value="{{query}}" placeholder="name, email, phone, profile, company"></label>
                <label>State <select name="state">{{#states}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/states}}</select></label>
                <button type="submit">Search</button>
              </form>
              {{#query}}<p>Leads matching “{{query}}”.</p>{{/query}}
              <div class="table"><table>
                <thead><tr><th>Lead</th><th>State</th><th>Step</th><th>Next</th><th>Reason</th><th></th></tr></thead>
                <tbody>{{#leads}}<tr><td>{{name}}<br><small>{{identity}}</small></td><td>{{state}}</td><td>{{step}}</td><td><small>{{nextAt}}</small></td><td>{{reason}}</td><td><a href="/app/campaigns/{{campaignID}}?preview={{contactID}}#preview">Preview</a></td></tr>{{/leads}}</tbody>
              </table></div>
              {{#next}}<p><a href="{{next}}">Next page →</a></p>{{/next}}
              {{#nextSearch}}{{#campaign}}<form method="post" action="/app/campaigns/{{id}}">{{/campaign}}<input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="q" value="{{q}}"><input type="hidden" name="state" value="{{state}}"><input type="hidden" name="after" value="{{after}}"><button type="submit">Next page →</button></form>{{/nextSearch}}
            </section>
            {{/content}}{{/layout}}
            """,
        "senders": """
            {{<layout}}{{$content}}
            <h1>Senders</h1>
            {{#check}}<p class="{{class}}" role="status">{{text}}</p>{{/check}}
            {{^senders}}<p>No senders yet: add one with <code>POST /v1/senders</code>.</p>{{/senders}}
            {{#senders}}
            <section class="card">
              <h2>{{name}} <small>{{channel}} · {{identity}}</small></h2>
              <p><span class="status {{status}}">{{status}}</span>
                {{#nextSlot}} · next free slot {{nextSlot}}{{/nextSlot}}{{#inFlight}} · sending now{{/inFlight}}
                {{#mailbox}} · mailbox {{mailbox}}{{/mailbox}}</p>
              {{#mailboxError}}<p class="error">{{mailboxError}}</p>{{/mailboxError}}
              <div class="table"><table>
                <thead><tr><th>Action</th><th>Last hour</th><th>Last 24 h</th><th>Last 7 days</th></tr></thead>
                <tbody>{{> limits}}</tbody>
              </table></div>
              <form method="post" action="/app/senders/{{id}}/check"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">Check the connection</button></form>
            </section>
            {{/senders}}
            {{/content}}{{/layout}}
            """,
        "suppressions": """
            {{<layout}}{{$content}}
            <h1>Suppressions</h1>
            <p>Never contacted again, in any campaign.</p>
            {{#notice}}<p class="{{class}}" role="status">{{text}}</p>{{/notice}}
            <form method="post" action="/app/suppressions" class="filters">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <label>Kind <select name="kind">{{#kinds}}<option value="{{.}}">{{.}}</option>{{/kinds}}</select></label>
              <label>Value <input type="text" name="value" required></label>
              <label>Reason <input type="text" name="reason"></label>
              <button type="submit">Suppress</button>
            </form>
            <div class="table"><table>
              <thead><tr><th>Kind</th><th>Value</th><th>Reason</th><th>Since</th><th></th></tr></thead>
              <tbody>{{#entries}}<tr><td>{{kind}}</td><td>{{value}}</td><td>{{reason}}</td><td>{{created}}</td>
                <td><form method="post" action="/app/suppressions/{{id}}/delete"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">Remove</button></form></td></tr>{{/entries}}</tbody>
            </table></div>
            {{#next}}<p><a href="{{next}}">Next page →</a></p>{{/next}}
            {{/content}}{{/layout}}
            """,
        "limits": """
            {{#limits}}<tr><td>{{kind}}</td>{{#windows}}<td>{{#limit}}<meter value="{{used}}" min="0" max="{{limit}}">{{used}}</meter> {{used}} / {{limit}}{{/limit}}{{^limit}}{{used}} (no cap){{/limit}}</td>{{/windows}}</tr>{{/limits}}
            """,
        "settings": """
            <nav class="tabs" aria-label="Settings"><a href="/app/settings/keys">API keys</a> · <a href="/app/settings/webhooks">Webhooks</a> · <a href="/app/settings/users">Users</a> · <a href="/app/settings/sessions">Sessions</a></nav>
            """,
        "webhooks": """
            {{<layout}}{{$content}}
            {{> settings}}
            <h1>Webhooks</h1>
            <p>Events are posted to each endpoint as Standard Webhooks (signed with its secret), retried with backoff, in order.</p>
            {{#notice}}<p class="{{class}}" role="status">{{text}}</p>{{/notice}}
            {{#issued}}<p class="notice" role="status">Endpoint {{url}} added. Its signing secret, shown only now — keep it: <code>{{secret}}</code></p>{{/issued}}
            {{#hasEndpoints}}
            <div class="table"><table>
              <thead><tr><th>URL</th><th>Events</th><th>Format</th><th>State</th><th>Waiting</th><th></th></tr></thead>
              <tbody>{{#endpoints}}<tr><td>{{url}}{{#description}}<br><small>{{description}}</small>{{/description}}</td><td>{{types}}</td><td>{{format}}</td><td>{{health}}</td><td>{{backlog}}</td>
                <td><form method="post" action="/app/settings/webhooks/{{id}}/ping"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">Test</button></form>
                    <form method="post" action="/app/settings/webhooks/{{id}}/delete"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">Delete</button></form></td></tr>{{/endpoints}}</tbody>
            </table></div>
            {{/hasEndpoints}}
            {{^endpoints}}<p>No endpoints yet.</p>{{/endpoints}}
            <h2>Add an endpoint</h2>
            <form method="post" action="/app/settings/webhooks" class="upload">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <label>URL <input type="url" name="url" required placeholder="https://example.com/outbound-events"></label>
              <label>Events (blank for every event; or e.g. reply.received, message.*) <input type="text" name="types"></label>
              <label>Description <input type="text" name="description" maxlength="500"></label>
              <button type="submit">Add</button>
            </form>
            {{/content}}{{/layout}}
            """,
        "users": """
            {{<layout}}{{$content}}
            {{> settings}}
            <h1>Users</h1>
            {{#notice}}<p class="{{class}}" role="status">{{text}}</p>{{/notice}}
            <div class="table"><table>
              <thead><tr><th>Email</th><th>Name</th><th>Role</th><th>Since</th></tr></thead>
              <tbody>{{#users}}<tr><td>{{email}}{{#you}} (you){{/you}}</td><td>{{name}}</td><td>{{role}}</td><td>{{created}}</td></tr>{{/users}}</tbody>
            </table></div>
            {{#admin}}
            <h2>Add a user</h2>
            <form method="post" action="/app/settings/users" class="upload">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <label>Email <input type="email" name="email" required autocomplete="off"></label>
              <label>Name <input type="text" name="full_name" maxlength="200"></label>
              <label>Role <select name="access_role"><option value="MEMBER">Member</option><option value="ADMIN">Admin</option></select></label>
              <label>First password (8 characters or more; tell it to them) <input type="password" name="password" minlength="8" required autocomplete="new-password"></label>
              <button type="submit">Add</button>
            </form>
            {{/admin}}
            {{/content}}{{/layout}}
            """,
        "keys": """
            {{<layout}}{{$content}}
            {{> settings}}
            <h1>API keys</h1>
            {{#issued}}<p class="notice" role="status">New key <strong>{{name}}</strong>, shown only now — keep it: <code>{{secret}}</code></p>{{/issued}}
            <form method="post" action="/app/settings/keys" class="filters">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <label>Name <input type="text" name="name" required maxlength="100"></label>
              <button type="submit">Create a key</button>
            </form>
            <div class="table"><table>
              <thead><tr><th>Name</th><th>Key</th><th>Created</th><th></th></tr></thead>
              <tbody>{{#keys}}<tr><td>{{name}}</td><td><code>{{prefix}}…</code></td><td>{{created}}</td>
                <td>{{#revoked}}revoked {{revoked}}{{/revoked}}{{^revoked}}<form method="post" action="/app/settings/keys/{{id}}/revoke"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">Revoke</button></form>{{/revoked}}</td></tr>{{/keys}}</tbody>
            </table></div>
            {{/content}}{{/layout}}
            """,
        "inbox": """
            {{<layout}}{{$content}}
            <h1>Inbox</h1>
            <p class="tabs">{{#showingDone}}<a href="/app/inbox">Open</a> · <strong>Done</strong>{{/showingDone}}{{^showingDone}}<strong>Open</strong> · <a href="/app/inbox?show=done">Done</a>{{/showingDone}}</p>
            {{^threads}}<p>No conversations here yet: replies from every sender and channel land here.</p>{{/threads}}
            {{#hasThreads}}
            <div class="table"><table>
              <thead><tr><th>From</th><th>Campaign</th><th>Latest reply</th><th>When</th></tr></thead>
              <tbody>{{#threads}}<tr class="{{#unread}}unread{{/unread}}">
                <td><a href="/app/inbox/{{campaignID}}/{{contactID}}">{{name}}</a>{{#unread}} <span class="badge">new</span>{{/unread}}<br><small>{{identity}}{{#status}} · {{status}}{{/status}}</small></td>
                <td>{{campaign}}<br><small>{{channel}}</small></td><td>{{reply}}</td><td><small>{{at}}</small></td></tr>{{/threads}}</tbody>
            </table></div>
            {{/hasThreads}}
            {{#next}}<p><a href="{{next}}">Older →</a></p>{{/next}}
            {{/content}}{{/layout}}
            """,
        "thread": """
            {{<layout}}{{$content}}
            <p><a href="/app/inbox">← Inbox</a></p>
            {{#thread}}
            <h1>{{name}}</h1>
            <p>{{identity}} · {{campaign}} ({{channel}}){{#status}} · <strong>{{status}}</strong>{{/status}}{{#done}} · done{{/done}}</p>
            <p>{{#actions}}<form method="post" action="/app/inbox/{{campaignID}}/{{contactID}}/{{verb}}"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">{{label}}</button></form> {{/actions}}</p>
            {{/thread}}
            <ol class="conversation">
              {{#messages}}<li class="{{side}}"><small>{{who}} · {{kind}} · {{at}}{{#state}} · <strong>{{state}}</strong>{{/state}}</small>{{#subject}}<strong>{{subject}}</strong>{{/subject}}<p>{{text}}</p>{{#error}}<small class="error">{{error}}</small>{{/error}}</li>{{/messages}}
            </ol>
            {{#notice}}<p class="{{class}}" role="status">{{text}}</p>{{/notice}}
            {{#reply}}
            <form method="post" action="/app/inbox/{{campaignID}}/{{contactID}}/reply" class="reply">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <input type="hidden" name="reply_id" value="{{replyID}}">
              <label for="reply-text">Reply from the same sender</label>
              <textarea id="reply-text" name="text" rows="5" required maxlength="20000">{{draft}}</textarea>
              <button type="submit">Send reply</button>
            </form>
            {{/reply}}
            {{/content}}{{/layout}}
            """,
        "lists": """
            {{<layout}}{{$content}}
            <h1>Lists</h1>
            {{#notice}}<p class="{{class}}" role="status">{{text}}</p>{{/notice}}
            {{^lists}}<p>No lists yet.</p>{{/lists}}
            {{#hasLists}}
            <div class="table"><table>
              <thead><tr><th>List</th><th>Contacts</th><th>Created</th><th></th></tr></thead>
              <tbody>{{#lists}}<tr><td>{{name}}</td><td>{{members}}</td><td>{{created}}</td><td><a href="/app/lists/{{id}}/contacts.csv" download>Export CSV</a></td></tr>{{/lists}}</tbody>
            </table></div>
            {{/hasLists}}
            <h2>New list</h2>
            <form method="post" action="/app/lists" class="filters">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <label>Name <input type="text" name="name" required maxlength="200"></label>
              <button type="submit">Create</button>
            </form>
            <h2>Import contacts from a CSV file</h2>
            <p>Columns are recognised by their headers (first name, last name, email, phone, LinkedIn, company, title…); a contact already there is updated.</p>
            <form method="post" action="/app/imports" enctype="multipart/form-data" class="upload" data-progress>
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <label>Add them to <select name="list_id"><option value="">no list</option>{{#lists}}<option value="{{id}}">{{name}}</option>{{/lists}}</select></label>
              <label>CSV file <input type="file" name="file" accept=".csv,text/csv" required></label>
              <progress max="100" value="0" hidden></progress>
              <p class="progress-text" role="status" aria-live="polite"></p>
              <button type="submit">Import</button>
            </form>
            {{/content}}{{/layout}}
            """,
        "import": """
            {{<layout}}{{$content}}
            <p><a href="/app/lists">← Lists</a></p>
            <h1>Import of {{filename}}</h1>
            {{#failed}}<p class="error" role="alert">Not imported: {{failure}}</p>{{/failed}}
            {{^failed}}<p class="notice" role="status">Imported {{rowsRead}} rows: {{created}} created, {{updated}} updated, {{duplicates}} duplicates, {{invalid}} invalid.</p>{{/failed}}
            {{#errors}}<p class="error">Row {{row}}: {{message}}</p>{{/errors}}
            <p><a href="/app/contacts">See the contacts</a></p>
            {{/content}}{{/layout}}
            """,
        "contacts": """
            {{<layout}}{{$content}}
            <h1>Contacts</h1>
            <form method="post" action="/app/contacts" class="filters" role="search">
              <input type="hidden" name="_csrf" value="{{csrf}}">
              <label>Search <input type="text" name="q" value="{{query}}" placeholder="name, email, phone, profile, company"></label>
              <button type="submit">Search</button>
            </form>
            {{^contacts}}<p>No contacts{{#query}} match “{{query}}”{{/query}}.</p>{{/contacts}}
            {{#hasContacts}}
            <div class="table"><table>
              <thead><tr><th>Name</th><th>Email</th><th>Phone</th><th>LinkedIn</th><th>Company</th><th>Status</th></tr></thead>
              <tbody>{{#contacts}}<tr><td>{{name}}</td><td>{{email}}</td><td>{{phone}}</td><td>{{linkedin}}</td><td>{{company}}</td><td>{{status}}</td></tr>{{/contacts}}</tbody>
            </table></div>
            {{/hasContacts}}
            {{#next}}<form method="post" action="/app/contacts"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="q" value="{{query}}"><input type="hidden" name="after" value="{{next}}"><button type="submit">Next page →</button></form>{{/next}}
            {{/content}}{{/layout}}
            """,
        "sessions": """
            {{<layout}}{{$content}}
            {{> settings}}
            <h1>Sessions</h1>
            <p>Where you are signed in. Signing a session out ends it at once.</p>
            <div class="table">
            <table>
              <thead><tr><th>Browser</th><th>Signed in</th><th>Last seen</th><th></th></tr></thead>
              <tbody>
              {{#sessions}}
              <tr>
                <td>{{agent}}{{#current}} <strong>(this one)</strong>{{/current}}</td><td>{{created}}</td><td>{{seen}}</td>
                <td>{{#revoked}}signed out {{revoked}}{{/revoked}}{{^revoked}}<form method="post" action="/app/settings/sessions/{{id}}/revoke"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit">Sign out</button></form>{{/revoked}}</td>
              </tr>
              {{/sessions}}
              </tbody>
            </table>
            </div>
            {{/content}}{{/layout}}
            """,
        "message": """
            {{<layout}}{{$content}}
            <section class="card narrow"><h1>{{heading}}</h1><p>{{text}}</p><p><a href="{{link}}">{{linkText}}</a></p></section>
            {{/content}}{{/layout}}
            """,
    ]

    /// The app's icon: an arrow leaving a box.
    static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="3" y="7" width="20" height="20" rx="3" fill="none" \
        stroke="#2456d3" stroke-width="3"/><path d="M14 18 L28 4 M19 4 H28 V13" fill="none" stroke="#2456d3" stroke-width="3" \
        stroke-linecap="round"/></svg>
        """

    /// How often a page marked `data-refresh` takes its figures anew.
    static let refreshSeconds = 15

    /// The only script, by hand (no build chain): a page marked `data-refresh` takes its figures
    /// anew every so often (the same page fetched, its `<main>` swapped in); a form marked `data-progress` is sent with
    /// XMLHttpRequest to show how much of the file is uploaded — the server imports rows as they
    /// arrive, so that is how far the import is — then the page goes where the server answers.
    /// Without it the form posts as usual.
    static let script = """
        document.addEventListener("DOMContentLoaded", () => {
          // A page marked data-refresh (the campaigns, a running campaign, the inbox) takes its
          // figures anew every so many seconds: the same page fetched, its <main> put in place of
          // this one — unless the tab is hidden or a form is being filled in.
          const period = Number(document.body.dataset.refresh || 0);
          const refresh = async () => {
            if (document.hidden || document.activeElement?.closest("main form")) return false;
            try {
              const answer = await fetch(window.location.href, { headers: { Accept: "text/html" } });
              if (!answer.ok || answer.redirected) return false;
              const fresh = new DOMParser().parseFromString(await answer.text(), "text/html").querySelector("main");
              if (!fresh) return false;
              document.querySelector("main").replaceWith(fresh);
              return true;
            } catch (error) {
              return false;  // offline for a moment: the next turn tries again
            }
          };
          if (period > 0) {
            setInterval(refresh, period * 1000);
            window.outboundRefresh = refresh;  // the browser test calls it rather than wait
          }
          for (const form of document.querySelectorAll("form[data-progress]")) {
            form.addEventListener("submit", (event) => {
              event.preventDefault();
              const bar = form.querySelector("progress");
              const text = form.querySelector(".progress-text");
              const button = form.querySelector("button[type=submit]");
              const request = new XMLHttpRequest();
              request.open("POST", form.action);
              request.upload.addEventListener("progress", (progress) => {
                if (!progress.lengthComputable) return;
                const percent = Math.floor(100 * progress.loaded / progress.total);
                bar.value = percent;
                text.textContent = percent < 100 ? `Importing… ${percent}%` : "Finishing…";
              });
              request.addEventListener("load", () => {
                if (request.status < 400 || request.responseURL.includes("/app/imports/")) { window.location.assign(request.responseURL); return; }
                text.textContent = request.status === 403 ? "The form has expired: reload the page and try again." : "Not imported (" + request.status + ").";
                button.disabled = false;
              });
              request.addEventListener("error", () => { text.textContent = "The upload failed: check the connection and try again."; button.disabled = false; });
              bar.hidden = false;
              button.disabled = true;
              text.textContent = "Importing… 0%";
              request.send(new FormData(form));
            });
          }
        });
        """

    /// One small stylesheet; readable on a phone (tables scroll sideways inside their box).
    static let stylesheet = """
        :root{--ink:#1d2433;--muted:#5b6478;--line:#d9dee8;--accent:#2456d3;--bad:#b42318;--good:#1a7f37;font:16px/1.5 system-ui,sans-serif;color:var(--ink)}
        body{margin:0;background:#f6f7fb}
        header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.75rem 1rem;background:#fff;border-bottom:1px solid var(--line)}
        header nav{display:flex;gap:1rem;flex:1}
        .brand{font-weight:700;text-decoration:none;color:var(--ink)}
        a{color:var(--accent)}
        main{max-width:72rem;margin:0 auto;padding:1rem}
        .card{background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:1.25rem}
        .narrow{max-width:24rem;margin:3rem auto}
        label{display:block;margin:.5rem 0;color:var(--muted)}
        input,select,button{font:inherit}
        .warning{color:#8a5a00}
        .unread td{font-weight:600}
        .badge{font-size:.75rem;border:1px solid var(--accent);color:var(--accent);border-radius:1rem;padding:0 .4rem}
        .conversation{list-style:none;padding:0;display:flex;flex-direction:column;gap:.75rem}
        .conversation li{max-width:36rem;background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:.5rem .75rem}
        .conversation li.ours{align-self:flex-end;border-color:var(--accent)}
        .conversation li p{white-space:pre-wrap;margin:.25rem 0 0}
        .conversation small{display:block;color:var(--muted)}
        .reply{display:flex;flex-direction:column;gap:.5rem;max-width:36rem;margin-top:1rem}
        .reply textarea{font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:.375rem}
        .reply button{align-self:flex-start}
        .graph{overflow-x:auto}
        .graph svg{max-width:none}
        .graph rect{fill:#fff;stroke:var(--line);stroke-width:1.5}
        .graph rect.send{stroke:var(--accent)}
        .graph rect.condition{stroke-dasharray:5 3}
        .graph line{stroke:var(--muted);stroke-width:1.5}
        .graph marker path{fill:var(--muted)}
        .graph text{font-size:12px;fill:var(--muted)}
        .graph text.name{font-weight:600;fill:var(--ink)}
        .graph text.way{font-style:italic}
        .preview{border:1px solid var(--line);border-radius:.375rem;padding:.5rem .75rem;margin:.5rem 0;background:#fff}
        .preview p{white-space:pre-wrap;margin:.25rem 0 0}
        .preview small{display:block;color:var(--muted)}
        .upload{display:flex;flex-direction:column;gap:.5rem;max-width:36rem}
        .upload progress{width:100%;height:1rem}
        .upload button{align-self:flex-start}
        .filters input[type=text]{min-width:16rem}
        input[type=email],input[type=password],input[type=text]{display:block;width:100%;box-sizing:border-box;padding:.5rem;border:1px solid var(--line);border-radius:.25rem}
        button{padding:.4rem .9rem;border:1px solid var(--accent);background:var(--accent);color:#fff;border-radius:.25rem;cursor:pointer}
        .signout{display:flex;gap:.5rem;align-items:center}
        .signout button{background:#fff;color:var(--accent)}
        .filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:end;margin-bottom:1rem}
        .filters label{margin:0}
        .table{overflow-x:auto;background:#fff;border:1px solid var(--line);border-radius:.5rem}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:.5rem .75rem;border-bottom:1px solid var(--line);vertical-align:top}
        td form,main p form{display:inline-block;margin:0 .4rem .4rem 0}
        .status{padding:.1rem .5rem;border-radius:1rem;border:1px solid var(--line)}
        .status.active{border-color:var(--good);color:var(--good)}
        .status.paused{border-color:var(--muted)}
        .error{color:var(--bad);font-weight:600}
        .notice{color:var(--good)}
        progress,meter{width:8rem}
        .card+.card,h1+.card{margin-top:1rem}
        .figures{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
        .figures div{background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:.5rem 1rem}
        .figures dt{color:var(--muted);font-size:.85rem}
        .figures dd{margin:0;font-size:1.3rem;font-weight:600}
        .chart{max-width:100%;height:auto}
        .chart .axis{stroke:var(--muted)}
        .chart .past{fill:var(--accent)}
        .chart .forecast{fill:none;stroke:var(--accent);stroke-dasharray:3 2}
        .chart .reply{fill:#fff;stroke:var(--good);stroke-width:2}
        .chart text{font-size:10px;fill:var(--muted)}
        .legend .key{display:inline-block;width:.9rem;height:.9rem;vertical-align:middle;margin-left:.75rem}
        .legend .past{background:var(--accent)}
        .legend .forecast{border:1px dashed var(--accent)}
        .legend .reply{border:2px solid var(--good);border-radius:50%}
        """
}

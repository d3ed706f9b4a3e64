// Written by hand on SwiftNIO and NIOSSL: no IMAP client package is available in the package
// mirror. It speaks only what reading replies needs: RFC 9051 (IMAP4rev2) and RFC 3501
// (IMAP4rev1) — the greeting, CAPABILITY, STARTTLS, AUTHENTICATE PLAIN (RFC 4959 SASL-IR, or
// with a continuation) else LOGIN, SELECT, UID SEARCH, UID FETCH with literals, NOOP, LOGOUT —
// and RFC 2177 IDLE. Implicit TLS (port 993) per RFC 8314. One command at a time, no pipelining.
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import OutboundCore

/// One server response: its line(s) with any literals (`{n}` + n bytes) taken out, in order.
struct IMAPResponse: Sendable {
    /// The text with each literal left as its `{n}` marker.
    var text: String
    var literals: [[UInt8]]

    /// `* 3 EXISTS` → ["*", "3", "EXISTS"]: the first words, upper-cased from the third on.
    var words: [Substring] { text.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true) }
    var isUntagged: Bool { text.hasPrefix("* ") }
    var isContinuation: Bool { text.hasPrefix("+") }
}

/// Why an IMAP session failed, and where: a refused login is the sender's to fix, the rest is
/// tried again.
public enum IMAPFailure: Error, Sendable, CustomStringConvertible {
    /// Could not connect, TLS failed, the server hung up or went silent.
    case connection(String)
    /// The server answered a command with NO or BAD (its own words), or greeted with BYE.
    case rejected(stage: Stage, text: String)
    /// The settings cannot work (no STARTTLS offered, login disabled).
    case unusable(String)

    public enum Stage: String, Sendable { case greeting, starttls, login, select, search, fetch, idle, noop }

    public var description: String {
        switch self {
        case .connection(let message): message
        case .rejected(let stage, let text): "\(stage.rawValue): \(text)"
        case .unusable(let message): message
        }
    }

    /// The server refused the credentials: trying again cannot help (and may lock the account).
    public var isRefusedLogin: Bool {
        if case .rejected(.login, _) = self { return true }
        return false
    }
}

/// Splits the byte stream into responses (RFC 9051 §2.2.2, §4.3: a line ending in `{n}` or
/// `{n+}` is followed by n bytes, then the rest of the response).
final class IMAPResponseDecoder: ByteToMessageDecoder {
    typealias InboundOut = IMAPResponse
    static let maximumLine = 65_536
    static let maximumLiteral = 16 << 20
    private var text = ""
    private var literals: [[UInt8]] = []
    private var literalLength: Int?

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if let length = literalLength {
            guard let bytes = buffer.readBytes(length: length) else { return .needMoreData }
            literals.append(bytes)
            literalLength = nil
            return .continue
        }
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLine { throw IMAPFailure.connection("the server sent a line longer than 64 KiB") }
            return .needMoreData
        }
        let line = (buffer.readString(length: newline - buffer.readerIndex + 1) ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
        text += line
        if let length = Self.literalLength(endingLine: line) {
            guard length <= Self.maximumLiteral else { throw IMAPFailure.connection("the server sent a literal of \(length) bytes") }
            literalLength = length
            return .continue
        }
        context.fireChannelRead(wrapInboundOut(IMAPResponse(text: text, literals: literals)))
        text = ""
        literals = []
        return .continue
    }

    /// `… {123}` or `… {123+}` at the end of a line → 123.
    static func literalLength(endingLine line: String) -> Int? {
        guard line.hasSuffix("}"), let open = line.lastIndex(of: "{") else { return nil }
        let digits = line[line.index(after: open)..<line.index(before: line.endIndex)]
        return Int(digits.hasSuffix("+") ? digits.dropLast() : digits)
    }
}

/// Hands each response to whoever waits for one; responses nobody waits for yet are kept.
final class IMAPClientHandler: ChannelInboundHandler {
    typealias InboundIn = IMAPResponse
    private var waiting: CircularBuffer<(id: Int, promise: EventLoopPromise<IMAPResponse?>)> = []
    private var early: CircularBuffer<IMAPResponse> = []
    private var failure: IMAPFailure?
    private var nextID = 0

    /// The next response, or nil when none came within `timeout`.
    func nextResponse(on loop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<IMAPResponse?> {
        if let response = early.popFirst() { return loop.makeSucceededFuture(response) }
        if let failure { return loop.makeFailedFuture(failure) }
        let promise = loop.makePromise(of: IMAPResponse?.self)
        nextID += 1
        let id = nextID
        waiting.append((id, promise))
        let timer = loop.scheduleTask(in: timeout) { [self] in
            guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
            waiting.remove(at: index).promise.succeed(nil)
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let response = unwrapInboundIn(data)
        if let waiter = waiting.popFirst() { waiter.promise.succeed(response) } else { early.append(response) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error as? IMAPFailure ?? .connection("connection error: \(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.connection("the server closed the connection"))
        context.fireChannelInactive()
    }

    private func fail(_ error: IMAPFailure) {
        if failure == nil { failure = error }
        while let waiter = waiting.popFirst() { waiter.promise.fail(error) }
    }
}

/// One open IMAP connection, greeted, secured and logged in.
actor IMAPSession {
    let channel: any NIOCore.Channel
    private let handler: NIOLoopBound<IMAPClientHandler>
    private let replyTimeout: TimeAmount
    private(set) var capabilities: Set<String> = []
    private var tagNumber = 0

    private init(channel: any NIOCore.Channel, handler: NIOLoopBound<IMAPClientHandler>, replyTimeout: TimeAmount) {
        self.channel = channel
        self.handler = handler
        self.replyTimeout = replyTimeout
    }

    /// Connects, reads the greeting, upgrades with STARTTLS when asked (never falling back to
    /// plain text) and logs in.
    static func open(
        _ settings: IMAPSettings, username: String, password: String, tls: TLSConfiguration,
        connectTimeout: TimeAmount = .seconds(15), replyTimeout: TimeAmount = .seconds(60)
    ) async throws -> IMAPSession {
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: tls) } catch {
            throw IMAPFailure.unusable("TLS is not usable: \(error)")
        }
        let host = settings.host
        let implicitTLS = settings.security == .tls
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let handler = try await loop.submit { NIOLoopBound(IMAPClientHandler(), eventLoop: loop) }.get()
        let channel: any NIOCore.Channel
        do {
            channel = try await MailConnection.connect(host: host, port: settings.port, implicitTLS: implicitTLS, context: context,
                                                       connectTimeout: connectTimeout, on: loop) { pipeline in
                try pipeline.addHandler(ByteToMessageHandler(IMAPResponseDecoder()))
                try pipeline.addHandler(handler.value)
            }
        } catch {
            throw IMAPFailure.connection("cannot connect to \(host):\(settings.port): \(error)")
        }
        let session = IMAPSession(channel: channel, handler: handler, replyTimeout: replyTimeout)
        do {
            try await session.start(settings, username: username, password: password, context: context)
            return session
        } catch {
            session.close()
            throw error
        }
    }

    private func start(_ settings: IMAPSettings, username: String, password: String, context: NIOSSLContext) async throws {
        let greeting = try await response(timeout: replyTimeout)
        guard greeting.text.uppercased().hasPrefix("* OK") || greeting.text.uppercased().hasPrefix("* PREAUTH") else {
            throw IMAPFailure.rejected(stage: .greeting, text: greeting.text)
        }
        try await loadCapabilities()
        if settings.security == .starttls {
            guard capabilities.contains("STARTTLS") else {
                throw IMAPFailure.unusable("the server does not offer STARTTLS; set imap.security to \"tls\" or \"none\"")
            }
            _ = try await command("STARTTLS", stage: .starttls)
            try await MailConnection.startTLS(channel, context: context, host: settings.host)
            try await loadCapabilities()  // RFC 9051 §6.2.1: forget what was said before TLS.
        }
        if greeting.text.uppercased().hasPrefix("* PREAUTH") { return }
        if capabilities.contains("AUTH=PLAIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            if capabilities.contains("SASL-IR") {
                _ = try await command("AUTHENTICATE PLAIN \(token)", stage: .login)
            } else {
                _ = try await command("AUTHENTICATE PLAIN", stage: .login, continuation: token)
            }
        } else if !capabilities.contains("LOGINDISABLED") {
            _ = try await command("LOGIN \(Self.quoted(username)) \(Self.quoted(password))", stage: .login)
        } else {
            throw IMAPFailure.unusable("the server offers neither AUTH=PLAIN nor LOGIN here (try imap.security \"tls\")")
        }
        // Servers may announce more once logged in; ask when they did not say.
        try await loadCapabilities()
    }

    /// Opens `mailbox` read-write (so read messages stay as they are: BODY.PEEK never sets \Seen).
    func select(_ mailbox: String) async throws -> (uidValidity: Int64, uidNext: Int64?, exists: Int) {
        let (untagged, _) = try await command("SELECT \(Self.quoted(mailbox))", stage: .select)
        var validity: Int64?
        var next: Int64?
        var exists = 0
        for response in untagged {
            if let value = Self.code("UIDVALIDITY", in: response.text) { validity = value }
            if let value = Self.code("UIDNEXT", in: response.text) { next = value }
            let words = response.words
            if words.count >= 3, words[2].uppercased() == "EXISTS", let count = Int(words[1]) { exists = count }
        }
        guard let validity else { throw IMAPFailure.unusable("the server did not say the mailbox's UIDVALIDITY") }
        return (validity, next, exists)
    }

    /// The UIDs of the messages after `uid`, in order.
    func uids(after uid: Int64) async throws -> [Int64] {
        // `n:*` also names the last message when every UID is below n (RFC 9051 §6.4.4): filtered.
        let (untagged, _) = try await command("UID SEARCH UID \(uid + 1):*", stage: .search)
        return untagged.filter { $0.text.uppercased().hasPrefix("* SEARCH") }
            .flatMap { $0.text.split(separator: " ").dropFirst(2).compactMap { Int64($0) } }
            .filter { $0 > uid }.sorted()
    }

    /// The messages with these UIDs, each its first `limit` bytes, by UID.
    func fetch(_ uids: [Int64], limit: Int = 1 << 20) async throws -> [(uid: Int64, message: [UInt8])] {
        guard !uids.isEmpty else { return [] }
        let set = uids.map(String.init).joined(separator: ",")
        let (untagged, _) = try await command("UID FETCH \(set) (UID BODY.PEEK[]<0.\(limit)>)", stage: .fetch)
        return untagged.compactMap { response in
            guard response.isUntagged, response.words.count >= 3, response.words[2].uppercased().hasPrefix("FETCH"),
                  let uid = Self.number(after: "UID", in: response.text), let body = response.literals.last else { return nil }
            return (uid, body)
        }.sorted { $0.uid < $1.uid }
    }

    /// Waits in IDLE (RFC 2177) for up to `duration`; true when the server announced a change
    /// to the mailbox (new messages: EXISTS or RECENT), false when the time ran out.
    func idle(for duration: TimeAmount) async throws -> Bool {
        let tag = nextTag()
        try await send("\(tag) IDLE\r\n")
        let first = try await response(timeout: replyTimeout)
        guard first.isContinuation else { throw IMAPFailure.rejected(stage: .idle, text: first.text) }
        let deadline = NIODeadline.now() + duration
        var changed = false
        while !changed {
            let left = deadline - NIODeadline.now()
            guard left > .zero, let response = try await nextResponse(timeout: left) else { break }
            let words = response.words
            if response.isUntagged, words.count >= 3, ["EXISTS", "RECENT"].contains(words[2].uppercased()) { changed = true }
            if response.isUntagged, words.count >= 2, words[1].uppercased() == "BYE" {
                throw IMAPFailure.connection("the server ended the session: \(response.text)")
            }
        }
        try await send("DONE\r\n")
        _ = try await completion(of: tag, stage: .idle)
        return changed
    }

    func noop() async throws {
        _ = try await command("NOOP", stage: .noop)
    }

    func logout() async {
        _ = try? await command("LOGOUT", stage: .noop)
        close()
    }

    nonisolated func close() {
        channel.close(promise: nil)
    }

    // MARK: Wire

    private func loadCapabilities() async throws {
        let (untagged, done) = try await command("CAPABILITY", stage: .greeting)
        var words: [Substring] = []
        for response in untagged + [done] {
            let upper = response.text.uppercased()
            if let range = upper.range(of: "* CAPABILITY ") {
                words += upper[range.upperBound...].split(separator: " ")
            } else if let range = upper.range(of: "[CAPABILITY ") {
                words += upper[range.upperBound...].prefix { $0 != "]" }.split(separator: " ")
            }
        }
        capabilities = Set(words.map(String.init))
    }

    /// Sends one tagged command and reads until its completion: the untagged responses, and the
    /// tagged OK (a NO or BAD throws with the server's words).
    @discardableResult
    private func command(_ text: String, stage: IMAPFailure.Stage, continuation: String? = nil) async throws
        -> (untagged: [IMAPResponse], done: IMAPResponse) {
        let tag = nextTag()
        try await send("\(tag) \(text)\r\n")
        return try await completion(of: tag, stage: stage, continuation: continuation)
    }

    private func completion(of tag: String, stage: IMAPFailure.Stage, continuation: String? = nil) async throws
        -> (untagged: [IMAPResponse], done: IMAPResponse) {
        var untagged: [IMAPResponse] = []
        while true {
            let response = try await response(timeout: replyTimeout)
            if response.isContinuation {
                // Only AUTHENTICATE asks for more; anything else gets an empty line (a cancel).
                try await send((continuation ?? "*") + "\r\n")
                continue
            }
            guard response.text.hasPrefix(tag + " ") else {
                untagged.append(response)
                continue
            }
            let status = response.text.dropFirst(tag.count + 1)
            guard status.uppercased().hasPrefix("OK") else {
                throw IMAPFailure.rejected(stage: stage, text: String(status))
            }
            return (untagged, response)
        }
    }

    private func nextTag() -> String {
        tagNumber += 1
        return String(format: "A%03d", tagNumber)
    }

    private func send(_ text: String) async throws {
        guard channel.isActive else { throw IMAPFailure.connection("the server closed the connection") }
        do {
            try await channel.writeAndFlush(channel.allocator.buffer(string: text)).get()
        } catch {
            throw IMAPFailure.connection("cannot write to the server: \(error)")
        }
    }

    /// The next response; a server silent for `timeout` is hung up on.
    private func response(timeout: TimeAmount) async throws -> IMAPResponse {
        guard let response = try await nextResponse(timeout: timeout) else {
            close()
            throw IMAPFailure.connection("the server did not answer within \(timeout.nanoseconds / 1_000_000_000) s")
        }
        return response
    }

    private func nextResponse(timeout: TimeAmount) async throws -> IMAPResponse? {
        let channel = self.channel
        let handler = self.handler
        return try await channel.eventLoop.flatSubmit { handler.value.nextResponse(on: channel.eventLoop, timeout: timeout) }.get()
    }

    // MARK: Syntax

    /// A quoted string (RFC 9051 §4.3): `"` and `\` escaped. Line breaks cannot be quoted.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "") + "\""
    }

    /// `[NAME 123]` in a response text → 123.
    static func code(_ name: String, in text: String) -> Int64? {
        guard let range = text.uppercased().range(of: "[\(name) ") else { return nil }
        return Int64(text[range.upperBound...].prefix { $0.isNumber })
    }

    /// `… UID 42 …` → 42.
    static func number(after name: String, in text: String) -> Int64? {
        let words = text.uppercased().split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ")" })
        guard let index = words.firstIndex(of: Substring(name)), index + 1 < words.count else { return nil }
        return Int64(words[index + 1])
    }
}

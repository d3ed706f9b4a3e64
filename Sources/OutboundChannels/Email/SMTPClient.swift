// Written by hand on SwiftNIO and NIOSSL: no Swift SMTP client package is available in the
// package mirror. It speaks RFC 5321 (SMTP: EHLO, MAIL, RCPT, DATA, RSET, QUIT, multi-line
// replies, dot-stuffing), RFC 3207 (STARTTLS) and RFC 4954 (AUTH PLAIN and LOGIN); implicit TLS
// (port 465) per RFC 8314. Pipelining is not used: one command, one reply.
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import OutboundCore

/// One SMTP reply: the code and its text lines (`250-…` continuation lines joined).
struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    var code: Int
    var lines: [String]

    var description: String { "\(code) " + lines.joined(separator: " ") }
    var isPositive: Bool { (200..<400).contains(code) }
}

/// Why a session failed, and at which stage: it decides transient or permanent.
enum SMTPFailure: Error, Sendable, CustomStringConvertible {
    /// Could not connect, TLS failed, or the connection dropped: nothing was accepted.
    case connection(String)
    /// The server answered a command with an error.
    case rejected(stage: Stage, reply: SMTPReply)
    /// The sender's settings cannot work (no STARTTLS offered, no AUTH method in common).
    case unusable(String)

    enum Stage: String, Sendable { case greeting, ehlo, starttls, auth, mail, rcpt, data, message }

    var description: String {
        switch self {
        case .connection(let message): message
        case .rejected(_, let reply): reply.description
        case .unusable(let message): message
        }
    }
}

/// Splits the byte stream into replies (RFC 5321 §4.2: `250-first`, `250 last`).
final class SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    private var lines: [String] = []
    private var code = 0

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 16_384 { throw SMTPFailure.connection("the server sent a line longer than 16 KiB") }
            return .needMoreData
        }
        // "\r\n" is one Character in Swift: trim by Unicode scalars, not with `last`.
        let line = (buffer.readString(length: newline - buffer.readerIndex + 1) ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
        guard line.utf8.count >= 3, let code = Int(line.prefix(3)) else {
            throw SMTPFailure.connection("the server sent something that is not an SMTP reply: \(line.prefix(80))")
        }
        self.code = code
        let separator = line.dropFirst(3).first
        lines.append(String(line.dropFirst(4)))
        if separator == "-" { return .continue }
        context.fireChannelRead(wrapInboundOut(SMTPReply(code: code, lines: lines)))
        lines = []
        return .continue
    }
}

/// Hands each reply to the command waiting for it; replies that come first (the greeting) wait.
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = SMTPReply
    private var waiting: CircularBuffer<EventLoopPromise<SMTPReply>> = []
    private var early: CircularBuffer<SMTPReply> = []
    private var failure: SMTPFailure?

    func nextReply(on loop: any EventLoop) -> EventLoopFuture<SMTPReply> {
        if let reply = early.popFirst() { return loop.makeSucceededFuture(reply) }
        if let failure { return loop.makeFailedFuture(failure) }
        let promise = loop.makePromise(of: SMTPReply.self)
        waiting.append(promise)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        if let promise = waiting.popFirst() { promise.succeed(reply) } else { early.append(reply) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error as? SMTPFailure ?? .connection("connection error: \(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.connection("the server closed the connection"))
        context.fireChannelInactive()
    }

    private func fail(_ error: SMTPFailure) {
        if failure == nil { failure = error }
        while let promise = waiting.popFirst() { promise.fail(error) }
    }
}

/// One open SMTP connection, greeted, secured and authenticated, ready for transactions.
final class SMTPSession: Sendable {
    let channel: any NIOCore.Channel
    /// Held here, not looked up in the pipeline: a server that answers and hangs up at once
    /// (`421`) has its handler removed before the answer is asked for.
    private let handler: NIOLoopBound<SMTPClientHandler>
    /// Settings it was opened with; a change opens a new session.
    let fingerprint: SMTPSettings
    private let replyTimeout: TimeAmount

    private init(channel: any NIOCore.Channel, handler: NIOLoopBound<SMTPClientHandler>, fingerprint: SMTPSettings, replyTimeout: TimeAmount) {
        self.channel = channel
        self.handler = handler
        self.fingerprint = fingerprint
        self.replyTimeout = replyTimeout
    }

    var isActive: Bool { channel.isActive }

    /// Connects, reads the greeting, EHLOs, upgrades with STARTTLS when asked (never falling
    /// back to plain text), and authenticates when a username is set.
    static func open(
        _ settings: SMTPSettings, password: String?, heloName: String, tls: TLSConfiguration,
        connectTimeout: TimeAmount = .seconds(15), replyTimeout: TimeAmount = .seconds(60)
    ) async throws -> SMTPSession {
        let context: NIOSSLContext
        do { context = try NIOSSLContext(configuration: tls) } catch {
            throw SMTPFailure.unusable("TLS is not usable: \(error)")
        }
        let host = settings.host
        let implicitTLS = settings.security == .tls
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let handler = try await loop.submit { NIOLoopBound(SMTPClientHandler(), eventLoop: loop) }.get()
        let channel: any NIOCore.Channel
        do {
            channel = try await MailConnection.connect(host: host, port: settings.port, implicitTLS: implicitTLS, context: context,
                                                       connectTimeout: connectTimeout, on: loop) { pipeline in
                try pipeline.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                try pipeline.addHandler(handler.value)
            }
        } catch {
            throw SMTPFailure.connection("cannot connect to \(host):\(settings.port): \(error)")
        }
        let session = SMTPSession(channel: channel, handler: handler, fingerprint: settings, replyTimeout: replyTimeout)
        do {
            try session.expect(await session.reply(), 220, .greeting)
            var capabilities = try await session.ehlo(heloName)
            if settings.security == .starttls {
                guard capabilities.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                    throw SMTPFailure.unusable("the server does not offer STARTTLS; set security to \"tls\" or \"none\"")
                }
                try session.expect(await session.command("STARTTLS"), 220, .starttls)
                try await MailConnection.startTLS(channel, context: context, host: host)
                capabilities = try await session.ehlo(heloName)
            }
            if let username = settings.username {
                try await session.authenticate(username: username, password: password ?? "", capabilities: capabilities)
            }
            return session
        } catch {
            session.close()
            throw error
        }
    }

    /// One message: MAIL FROM, RCPT TO, DATA, the dot-stuffed content and the final dot.
    func send(from: String, to: String, message: String) async throws {
        try expect(await command("MAIL FROM:<\(from)>"), 250, .mail)
        try expect(await command("RCPT TO:<\(to)>"), 250, .rcpt, also: [251])
        try expect(await command("DATA"), 354, .data)
        var content = MIME.dotStuffed(message)
        if !content.hasSuffix("\r\n") { content += "\r\n" }
        try expect(await write(content + ".\r\n"), 250, .message)
    }

    /// Ends a transaction that failed part-way, keeping the connection usable.
    func reset() async -> Bool {
        (try? await command("RSET"))?.code == 250
    }

    func quit() async {
        _ = try? await command("QUIT")
        close()
    }

    func close() {
        channel.close(promise: nil)
    }

    // MARK: Steps

    private func ehlo(_ name: String) async throws -> [String] {
        let reply = try await command("EHLO \(name)")
        try expect(reply, 250, .ehlo)
        // The first line is the greeting; each other line is one capability (`AUTH PLAIN LOGIN`).
        return Array(reply.lines.dropFirst())
    }

    private func authenticate(username: String, password: String, capabilities: [String]) async throws {
        let methods = capabilities.first { $0.uppercased().hasPrefix("AUTH ") || $0.uppercased().hasPrefix("AUTH=") }
            .map { $0.dropFirst(5).uppercased().split(separator: " ").map(String.init) } ?? []
        if methods.contains("PLAIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            try expect(await command("AUTH PLAIN \(token)"), 235, .auth)
        } else if methods.contains("LOGIN") {
            try expect(await command("AUTH LOGIN"), 334, .auth)
            try expect(await command(Data(username.utf8).base64EncodedString()), 334, .auth)
            try expect(await command(Data(password.utf8).base64EncodedString()), 235, .auth)
        } else {
            throw SMTPFailure.unusable("the server offers no AUTH PLAIN or LOGIN (it offers: \(methods.joined(separator: " ")))")
        }
    }

    // MARK: Wire

    private func command(_ line: String) async throws -> SMTPReply {
        try await write(line + "\r\n")
    }

    /// Writes `text` (if any) and waits for the next reply; a silent server is hung up on.
    private func write(_ text: String?) async throws -> SMTPReply {
        let channel = self.channel
        let handler = self.handler
        let timeout = replyTimeout
        return try await channel.eventLoop.flatSubmit {
            let reply = handler.value.nextReply(on: channel.eventLoop)
            if let text, channel.isActive { channel.writeAndFlush(channel.allocator.buffer(string: text), promise: nil) }
            let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
            reply.whenComplete { _ in timer.cancel() }
            return reply
        }.get()
    }

    private func reply() async throws -> SMTPReply {
        try await write(nil)
    }

    private func expect(_ reply: SMTPReply, _ code: Int, _ stage: SMTPFailure.Stage, also: Set<Int> = []) throws {
        guard reply.code == code || also.contains(reply.code) else { throw SMTPFailure.rejected(stage: stage, reply: reply) }
    }
}

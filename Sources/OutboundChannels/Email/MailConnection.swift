import NIOCore
import NIOPosix
import NIOSSL

/// The TCP (and TLS) part of talking to a mail server, shared by the SMTP and IMAP clients.
enum MailConnection {
    /// Connects to `host:port` on one event loop: TLS from the first byte when `implicitTLS`,
    /// then the handlers `pipeline` adds. Errors are NIO's; callers say what failed in their terms.
    static func connect(
        host: String, port: Int, implicitTLS: Bool, context: NIOSSLContext, connectTimeout: TimeAmount, on loop: any EventLoop,
        pipeline: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void
    ) async throws -> any Channel {
        try await ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: sniName(host)))
                    }
                    try pipeline(channel.pipeline.syncOperations)
                }
            }
            .connect(host: host, port: port).get()
    }

    /// Upgrades an open connection to TLS in place (SMTP STARTTLS, IMAP STARTTLS).
    static func startTLS(_ channel: any Channel, context: NIOSSLContext, host: String) async throws {
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: sniName(host)), position: .first)
        }.get()
    }

    /// SNI must be a host name, not an IP address (RFC 6066 §3).
    static func sniName(_ host: String) -> String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
    }
}

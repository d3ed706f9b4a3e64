import Foundation
import Logging
import OutboundChannels
import OutboundCore
import ServiceLifecycle

/// Runs the mailbox watchers in the server: one IMAP watch per email sender with `imap`
/// settings, started, restarted (its settings changed) and stopped (the sender went away) as the
/// senders are looked at again every `rescan`.
public struct MailboxWatchService: Service {
    let mailboxes: MailboxService
    let watcher: IMAPWatcher
    let logger: Logger
    let rescan: Duration

    public init(mailboxes: MailboxService, watcher: IMAPWatcher, logger: Logger, rescan: Duration = .seconds(15)) {
        self.mailboxes = mailboxes
        self.watcher = watcher
        self.logger = logger
        self.rescan = rescan
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            var watches: [ID: (fingerprint: String, task: Task<Void, Never>)] = [:]
            defer { for watch in watches.values { watch.task.cancel() } }
            while !Task.isCancelled {
                do {
                    let senders = try await mailboxes.watchedSenders()
                    let present = Set(senders.map(\.id))
                    for (id, watch) in watches where !present.contains(id) {
                        watch.task.cancel()
                        watches[id] = nil
                    }
                    for sender in senders {
                        guard let fingerprint = IMAPWatcher.fingerprint(of: sender), watches[sender.id]?.fingerprint != fingerprint else { continue }
                        watches[sender.id]?.task.cancel()
                        // A watch that ended on a refused login stays here, ended, until the fingerprint changes.
                        let (watcher, mailboxes, logger) = (watcher, mailboxes, logger)
                        watches[sender.id] = (fingerprint, Task {
                            await watcher.watch(sender, mailboxes: mailboxes) { logger.warning("\($0)") }
                        })
                    }
                } catch {
                    logger.error("listing the mailboxes to watch failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: rescan)
            }
        }
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The mark of a server serving a SQLite file: an exclusive `flock` on `<file>.lock`, held for the
/// process's life and let go by the kernel however it ends (even by SIGKILL). A second server on
/// the same file, or a move of a file in use, is refused (`outbound migrate --from`).
struct ServerLock {
    private let descriptor: Int32

    /// Takes the lock of the SQLite file at `path`; nil when another process holds it.
    static func take(_ path: String) throws -> ServerLock? {
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: lockPath]) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return ServerLock(descriptor: descriptor)
    }

    /// Lets the lock go (a server keeps it until it exits).
    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

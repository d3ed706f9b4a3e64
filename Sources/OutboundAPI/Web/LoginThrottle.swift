import Foundation

/// Slows password guessing at the web app's sign-in: after `limit` wrong passwords for one email
/// within `window`, that email cannot sign in until the window has passed since the first of
/// them. Kept in memory: one process's view (enough to make guessing slow; bcrypt does the rest).
actor LoginThrottle {
    let limit: Int
    let window: TimeInterval
    private var failures: [String: [Date]] = [:]

    init(limit: Int = 5, window: TimeInterval = 900) {
        self.limit = limit
        self.window = window
    }

    /// When the email may try again, if it is held now.
    func heldUntil(_ email: String, now: Date) -> Date? {
        let recent = (failures[Self.key(email)] ?? []).filter { now.timeIntervalSince($0) < window }
        guard recent.count >= limit, let first = recent.first else { return nil }
        return first.addingTimeInterval(window)
    }

    func failed(_ email: String, at now: Date) {
        let key = Self.key(email)
        failures[key] = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window } + [now]
        if failures.count > 10_000 { failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } } }
    }

    func succeeded(_ email: String) {
        failures[Self.key(email)] = nil
    }

    private static func key(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }
}

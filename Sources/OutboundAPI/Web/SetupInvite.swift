import OutboundCore

/// The one-time link a first run prints so the first user can set a password (`/app/setup/…`).
/// It lives in the server's memory: it works once, and a restart with still no user prints a
/// new one.
public actor SetupInvite {
    private var token: String?
    private var workspace: ID?

    public init() {}

    /// A fresh link token for the first user of `workspace` (replacing any earlier one).
    public func issue(for workspace: ID) -> String {
        let token = SessionService.randomToken()
        self.token = token
        self.workspace = workspace
        return token
    }

    /// The workspace the token is for, while it is valid.
    func workspace(for presented: String) -> ID? {
        guard let token, WebRoutes.same(presented, token) else { return nil }
        return workspace
    }

    /// Takes the token (so two posts cannot both use it); `restore` gives it back when the
    /// form had a mistake.
    func claim(_ presented: String) -> ID? {
        guard let workspace = workspace(for: presented) else { return nil }
        token = nil
        return workspace
    }

    func restore(_ presented: String, for workspace: ID) {
        guard token == nil else { return }
        token = presented
        self.workspace = workspace
    }
}

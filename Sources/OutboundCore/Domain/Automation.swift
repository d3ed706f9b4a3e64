/// A rule a campaign runs when a signal arrives for one of its leads.
public struct Automation: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case setContactStatus(String)
        case addToList(ID)
        case removeFromList(ID)
        case stop
    }

    public var on: SignalType
    public var action: Action

    public init(on: SignalType, action: Action) {
        self.on = on
        self.action = action
    }

    /// The API names of the actions.
    public static let actionNames = ["set_contact_status", "add_to_list", "remove_from_list", "stop"]
}

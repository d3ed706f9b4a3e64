/// Which slice of a list to read: at most `limit` items after the item `startingAfter`,
/// in creation order.
public struct PageRequest: Sendable, Hashable {
    public var limit: Int
    public var startingAfter: ID?

    public static let defaultLimit = 25
    public static let maximumLimit = 100

    public init(limit: Int = PageRequest.defaultLimit, startingAfter: ID? = nil) {
        self.limit = limit
        self.startingAfter = startingAfter
    }
}

/// One slice of a list, and whether more follow it.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var hasMore: Bool

    public init(items: [Item], hasMore: Bool) {
        self.items = items
        self.hasMore = hasMore
    }

    public func map<T>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), hasMore: hasMore)
    }
}

extension Page {
    /// Every item of a list, read in the largest pages, each following the last item of the one before.
    public static func all(id: (Item) -> ID, _ read: (PageRequest) async throws -> Page<Item>) async throws -> [Item] {
        var items: [Item] = []
        var request = PageRequest(limit: PageRequest.maximumLimit)
        while true {
            let page = try await read(request)
            items += page.items
            guard page.hasMore, let last = page.items.last else { return items }
            request.startingAfter = id(last)
        }
    }
}

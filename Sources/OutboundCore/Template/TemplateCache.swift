import Foundation
import Synchronization

/// Templates compiled once per distinct text, shared by every tick.
public final class TemplateCache: Sendable {
    private let cache = Mutex<[String: Template]>([:])

    public init() {}

    public func compile(_ text: String) throws -> Template {
        if let hit = cache.withLock({ $0[text] }) { return hit }
        let template = try Template.parse(text)
        cache.withLock { storage in
            if storage.count > 10_000 { storage.removeAll() }
            storage[text] = template
        }
        return template
    }
}

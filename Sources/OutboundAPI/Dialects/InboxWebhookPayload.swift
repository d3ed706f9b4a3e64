import Foundation
import OutboundCore

/// Inbox's webhook envelope (reference dialects §2.6) for endpoints created with
/// `"format": "inbox"`: `{id, seq, teamId, type, timestamp, version, data}` with Inbox's event
/// names and camelCase objects. It translates the event's own data; it reads nothing else, so
/// counts Inbox puts in its slim campaign object (`targetsCount`, …) are left out.
struct InboxWebhookPayload: WebhookPayloadFormat {
    func body(for event: Event, endpoint: WebhookEndpoint) -> [UInt8]? {
        guard let data = JSONValue.members(of: event.data) else { return nil }
        let name: String
        var inbox: [String: JSONValue] = [:]
        switch event.type {
        case "campaign.launched", "campaign.resumed", "campaign.paused", "campaign.completed":
            name = event.type == "campaign.launched" ? "campaign.started" : event.type
            inbox["campaign"] = Self.campaign(data["campaign"])
        case "message.sent":
            guard case .object(let message)? = data["message"] else { return nil }
            name = message["first_contact"] == .bool(false) ? "target.followUpSent" : "target.contacted"
            inbox["campaign"] = ["id": message["campaign_id"] ?? .null]
            inbox["message"] = ["id": message["id"] ?? .null, "campaignId": message["campaign_id"] ?? .null,
                                "createdAt": message["sent_at"] ?? .null, "userId": message["sender_id"] ?? .null]
            inbox["prospect"] = ["externalId": message["contact_id"] ?? .null]
        case "reply.received":
            guard case .object(let reply)? = data["reply"], case .object(let lead)? = data["lead"] else { return nil }
            name = "target.replied"
            inbox["campaign"] = ["id": lead["campaign_id"] ?? .null]
            inbox["message"] = ["content": reply["text"] ?? .null, "createdAt": reply["received_at"] ?? .null,
                                "campaignId": lead["campaign_id"] ?? .null]
            inbox["prospect"] = ["externalId": lead["contact_id"] ?? .null]
        default:
            return nil
        }
        let envelope: JSONValue = [
            "id": .string(event.id), "seq": .number(Double(event.seq)), "teamId": .string(event.workspaceID.rawValue),
            "type": .string(name), "timestamp": .string(Timestamp.iso(event.at)), "version": "1.0", "data": .object(inbox),
        ]
        return envelope.serialized()
    }

    /// Inbox's slim campaign object from ours.
    private static func campaign(_ value: JSONValue?) -> JSONValue {
        guard case .object(let campaign)? = value else { return .null }
        let status: JSONValue = campaign["status"] == .string("archived") ? "completed" : campaign["status"] ?? .null
        return [
            "id": campaign["id"] ?? .null, "name": campaign["name"] ?? .null, "description": campaign["description"] ?? .null,
            "status": status, "dryRun": campaign["dry_run"] ?? .null, "createdAt": campaign["created_at"] ?? .null,
            "updatedAt": campaign["updated_at"] ?? .null, "pausedAt": campaign["paused_at"] ?? .null,
            "completedAt": campaign["completed_at"] ?? .null, "lastStartedAt": campaign["started_at"] ?? .null,
        ]
    }
}

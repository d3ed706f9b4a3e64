import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// One HTTP request to a provider and its whole (size-capped) answer.
struct HTTPExchange: Sendable {
    var status: Int
    var body: Data

    /// The body as text, shortened for error messages.
    var excerpt: String {
        String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }

    static func perform(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: Data? = nil, timeout: TimeAmount = .seconds(30)
    ) async throws -> HTTPExchange {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return HTTPExchange(status: Int(response.status.code), body: Data(buffer: bytes))
    }

    /// `application/x-www-form-urlencoded` (spaces as `+`, as Twilio documents).
    static func formEncoded(_ fields: [(String, String)]) -> Data {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let pairs = fields.map { name, value in
            let encode = { (text: String) in
                text.addingPercentEncoding(withAllowedCharacters: allowed.union(CharacterSet(charactersIn: " ")))!
                    .replacingOccurrences(of: " ", with: "+")
            }
            return encode(name) + "=" + encode(value)
        }
        return Data(pairs.joined(separator: "&").utf8)
    }

    static func basicAuth(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
}

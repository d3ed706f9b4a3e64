import Foundation
import Synchronization
import Hummingbird
import MultipartKit
import OutboundCore

/// `/v1/imports`: a CSV upload streamed into contacts, and its progress.
///
/// `POST /v1/imports` takes the CSV as the body (`text/csv`) or as the file part of a
/// `multipart/form-data` upload; `?list_id=` adds every imported contact to a list and
/// `?map=Column%20Name=field` (repeatable) overrides the automatic header mapping. The body is
/// read as it arrives, so memory stays flat; the answer is the finished job.
struct ImportRoutes {
    let imports: ImportService

    func register(on routes: RouteRecorder) {
        routes.on(.post, "/v1/imports", query: ["list_id", "filename", "map"]) { request, context in
            let workspace = try context.workspace()
            let overrides = try Self.overrides(request)
            var listID: ID?
            if let text = request.uri.queryParameters["list_id"].map(String.init) {
                guard let id = ID(text, kind: .list) else { throw ValidationError("list_id", "no list \(text) in this workspace") }
                listID = id
            }
            let contentType = request.headers[.contentType] ?? ""
            if contentType.lowercased().hasPrefix("application/json") {
                throw APIError.malformedBody("send the CSV as the body (Content-Type: text/csv) or as a multipart/form-data file part")
            }
            let filename = request.uri.queryParameters["filename"].map(String.init)
            let job: ImportJob
            if contentType.lowercased().hasPrefix("multipart/form-data") {
                guard let boundary = Self.boundary(contentType) else {
                    throw APIError.malformedBody("multipart/form-data needs a boundary parameter")
                }
                let stream = MultipartFileStream(body: request.body, boundary: boundary)
                let started = try await imports.start(filename: filename, listID: listID, in: workspace)
                // The file part names itself once its headers are read: the job takes that name
                // unless `?filename=` gave one.
                let named = stream.filename
                job = try await imports.run(started, source: stream, overrides: overrides, filename: { named.value.withLock { $0 } })
            } else {
                let started = try await imports.start(filename: filename, listID: listID, in: workspace)
                job = try await imports.run(started, source: request.body.map { $0.readableBytesView }, overrides: overrides)
            }
            var response = try JSONResponse.make(ImportBody(job), status: job.state == .failed ? .unprocessableContent : .created)
            response.headers[.location] = "/v1/imports/\(job.id)"
            return response
        }
        routes.on(.get, "/v1/imports/{id}") { _, context in
            let id = try context.parameters.id(kind: .importJob, resource: "import")
            return try ImportBody(await imports.get(id, in: context.workspace()))
        }
    }

    /// `map=Column=field` query parameters.
    private static func overrides(_ request: Request) throws -> [String: ColumnTarget] {
        var result: [String: ColumnTarget] = [:]
        for entry in request.uri.queryParameters.getAll("map") {
            guard let equals = entry.lastIndex(of: "="), let target = ColumnTarget(fieldName: String(entry[entry.index(after: equals)...])) else {
                throw APIError.badQuery(field: "map", message: "must be Column=field with field one of first_name, last_name, email, phone, linkedin_url, company, title, timezone, status, custom.KEY, ignore")
            }
            result[String(entry[..<equals])] = target
        }
        return result
    }

    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }
}

/// The bytes of the first file part of a multipart body, chunk by chunk as the body arrives.
struct MultipartFileStream<Body: AsyncSequence>: AsyncSequence where Body.Element == ByteBuffer {
    typealias Element = [UInt8]
    let body: Body
    let boundary: String
    /// The file part's `filename` (from its Content-Disposition), once its headers are read.
    let filename = Named()

    final class Named: Sendable {
        let value = Mutex<String?>(nil)
    }

    func makeAsyncIterator() -> Iterator {
        Iterator(upstream: body.makeAsyncIterator(), parser: MultipartParser(boundary: boundary), filename: filename)
    }

    /// `filename="…"` (or RFC 5987 `filename*=UTF-8''…`) of a Content-Disposition value.
    static func filename(in disposition: String) -> String? {
        var plain: String?
        for parameter in disposition.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            switch pair[0].lowercased() {
            case "filename*":
                let encoded = pair[1].components(separatedBy: "''").last ?? pair[1]
                if let decoded = encoded.removingPercentEncoding, !decoded.isEmpty { return decoded }
            case "filename":
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if !value.isEmpty { plain = value }
            default:
                break
            }
        }
        // Browsers may send a whole client path; only its last component is the file's name.
        return plain.map { String($0.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? Substring($0)) }
    }

    struct Iterator: AsyncIteratorProtocol {
        var upstream: Body.AsyncIterator
        let parser: MultipartParser
        let state = PartState()

        init(upstream: Body.AsyncIterator, parser: MultipartParser, filename: Named) {
            self.upstream = upstream
            self.parser = parser
            let state = self.state
            parser.onHeader = { name, value in
                guard name.lowercased() == "content-disposition" else { return }
                if value.contains("filename=") || value.contains("name=\"file\"") {
                    if !state.done {
                        state.inFile = true
                        state.fileStarted = true
                        if let name = MultipartFileStream.filename(in: value) { filename.value.withLock { $0 = $0 ?? name } }
                    }
                } else if !state.fileStarted, let field = MultipartFileStream.fieldName(in: value) {
                    state.field = (field, [])
                }
            }
            parser.onBody = { buffer in
                if state.inFile {
                    state.bytes.append(contentsOf: buffer.readableBytesView)
                } else if state.field != nil, (state.field?.value.count ?? 0) < 4096 {
                    state.field?.value.append(contentsOf: buffer.readableBytesView.prefix(4096))
                }
            }
            parser.onPartComplete = {
                if state.inFile {
                    state.inFile = false
                    state.done = true
                } else if let (name, value) = state.field {
                    state.fields[name] = state.fields[name] ?? String(decoding: value, as: UTF8.self)
                    state.field = nil
                }
            }
        }

        mutating func next() async throws -> [UInt8]? {
            guard let buffer = try await upstream.next() else { return nil }
            do {
                try parser.execute(buffer)
            } catch {
                throw APIError.malformedBody("the multipart body cannot be read: \(error)")
            }
            defer { state.bytes.removeAll(keepingCapacity: true) }
            return state.bytes
        }
    }

    /// Where the parser is; shared with its callbacks.
    final class PartState {
        var inFile = false
        var fileStarted = false
        var done = false
        var bytes: [UInt8] = []
        /// The text parts before the file (a form's other fields, at most 4 KiB each), by name.
        var fields: [String: String] = [:]
        var field: (name: String, value: [UInt8])?
    }

    /// `name="…"` of a Content-Disposition value.
    static func fieldName(in disposition: String) -> String? {
        for parameter in disposition.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2, pair[0].lowercased() == "name" { return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return nil
    }
}

struct ImportBody: ResponseEncodable, Sendable {
    struct RowErrorBody: Encodable, Sendable {
        var row: Int
        var message: String
    }

    var id: String
    var object = "import"
    var state: String
    @Nullable var filename: String?
    @Nullable var listId: String?
    var rowsRead: Int
    var created: Int
    var updated: Int
    var duplicates: Int
    var invalid: Int
    var errors: [RowErrorBody]
    @Nullable var failure: String?
    var createdAt: Date
    var updatedAt: Date
    @Nullable var finishedAt: Date?

    init(_ job: ImportJob) {
        id = job.id.rawValue
        state = job.state.rawValue
        filename = job.filename
        listId = job.listID?.rawValue
        rowsRead = job.rowsRead
        created = job.created
        updated = job.updated
        duplicates = job.duplicates
        invalid = job.invalid
        errors = job.errors.map { RowErrorBody(row: $0.row, message: $0.message) }
        failure = job.failure
        createdAt = job.createdAt
        updatedAt = job.updatedAt
        finishedAt = job.finishedAt
    }
}

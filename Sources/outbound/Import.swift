import ArgumentParser
import Foundation
import OutboundAPI
import OutboundCore
import OutboundStore

/// `outbound import FILE.csv`: the same streaming import as `POST /v1/imports`, with a progress bar.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Import contacts from a CSV file.")

    @Argument(help: "The CSV file (UTF-8, with a header row).") var file: String
    @Option(help: "Add every imported contact to this list (created if missing).") var list: String?
    @Option(name: .customLong("map"), help: "Map a column to a field: \"E-mail Address=email\", \"Plan=custom.plan\", \"Notes=ignore\".")
    var mappings: [String] = []
    @Option(help: "Workspace ID (needed only when the database has several).") var workspace: String?
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        var overrides: [String: ColumnTarget] = [:]
        for mapping in mappings {
            guard let equals = mapping.lastIndex(of: "="),
                  let target = ColumnTarget(fieldName: String(mapping[mapping.index(after: equals)...]))
            else { throw ValidationError("--map \(mapping): expected Column=field (a contact field, custom.KEY or ignore)") }
            overrides[String(mapping[..<equals])] = target
        }
        guard let handle = FileHandle(forReadingAtPath: file) else { throw ValidationError("cannot read \(file)") }
        let store = try await database.open()
        let services = try await Services(store: store)
        let workspaceID = try await chooseWorkspace(store)
        var listID: ID?
        if let list { listID = try await services.lists.findOrCreate(named: list, in: workspaceID).id }
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let progress = ProgressBar(totalBytes: size)
        let job = try await services.imports.start(filename: URL(fileURLWithPath: file).lastPathComponent, listID: listID, in: workspaceID)
        let finished = try await services.imports.run(job, source: FileChunks(handle: handle, progress: progress), overrides: overrides) {
            progress.update(rows: $0.rowsRead)
        }
        progress.finish(rows: finished.rowsRead)
        emitError("""
            \(finished.state.rawValue): \(finished.rowsRead) rows read, \(finished.created) created, \(finished.updated) updated, \
            \(finished.duplicates) duplicates, \(finished.invalid) invalid (import \(finished.id))
            """)
        for error in finished.errors.prefix(10) { emitError("  row \(error.row): \(error.message)") }
        if finished.errors.count > 10 { emitError("  … \(finished.invalid - 10) more: GET /v1/imports/\(finished.id)") }
        if let failure = finished.failure { throw ValidationError(failure) }
    }

    private func chooseWorkspace(_ store: any Store) async throws -> ID {
        if let workspace {
            guard let id = ID(workspace, kind: .workspace), try await store.workspace(id) != nil else {
                throw ValidationError("no workspace \(workspace) in \(database.path)")
            }
            return id
        }
        let ids = try await store.workspaceIDs(limit: 2)
        guard ids.count == 1 else {
            throw ValidationError(ids.isEmpty ? "no workspace yet: run `outbound workspace create --name NAME`"
                                              : "several workspaces: choose one with --workspace ID (`outbound workspace list` shows them)")
        }
        return ids[0]
    }
}

/// A file read in 256 KiB chunks, reporting bytes read to the progress bar.
struct FileChunks: AsyncSequence {
    typealias Element = [UInt8]
    let handle: FileHandle
    let progress: ProgressBar?

    struct Iterator: AsyncIteratorProtocol {
        let handle: FileHandle
        let progress: ProgressBar?

        mutating func next() async throws -> [UInt8]? {
            guard let data = try handle.read(upToCount: 256 * 1024), !data.isEmpty else { return nil }
            progress?.advance(bytes: data.count)
            return Array(data)
        }
    }

    func makeAsyncIterator() -> Iterator { Iterator(handle: handle, progress: progress) }
}

/// A one-line progress bar on standard error: percent of bytes, rows and rows per second.
final class ProgressBar: Sendable {
    private let totalBytes: Int
    private let state = Mutex<(bytes: Int, rows: Int, lastDraw: Double)>((0, 0, 0))
    private let start = Date()

    init(totalBytes: Int) {
        self.totalBytes = totalBytes
    }

    func advance(bytes: Int) {
        state.withLock { $0.bytes += bytes }
    }

    func update(rows: Int) {
        let now = Date().timeIntervalSince(start)
        let draw = state.withLock { state -> (Int, Bool) in
            state.rows = rows
            guard now - state.lastDraw >= 0.1 else { return (state.bytes, false) }
            state.lastDraw = now
            return (state.bytes, true)
        }
        if draw.1 { render(bytes: draw.0, rows: rows, elapsed: now, final: false) }
    }

    func finish(rows: Int) {
        render(bytes: totalBytes, rows: rows, elapsed: Date().timeIntervalSince(start), final: true)
    }

    private func render(bytes: Int, rows: Int, elapsed: Double, final: Bool) {
        let fraction = totalBytes > 0 ? min(1, Double(bytes) / Double(totalBytes)) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let rate = elapsed > 0 ? Int(Double(rows) / elapsed) : 0
        let line = "\r\(bar) \(Int(fraction * 100))%  \(rows) rows  \(rate) rows/s"
        FileHandle.standardError.write(Data((line + (final ? "\n" : "")).utf8))
    }
}

/// Writes a line to standard error.
func emitError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

import Synchronization

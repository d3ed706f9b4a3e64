import Foundation

/// Streams a CSV into contacts: rows are read as bytes arrive, upserted in batches, and the
/// job's counts are saved after each batch so its progress can be watched.
public struct ImportService: Sendable {
    let store: any Store
    let clock: any TimeSource
    let contacts: ContactService
    let lists: ListService

    /// Rows per transaction.
    public static let batchSize = 5_000

    public init(store: any Store, clock: any TimeSource, contacts: ContactService, lists: ListService) {
        self.store = store
        self.clock = clock
        self.contacts = contacts
        self.lists = lists
    }

    /// Starts a job record (state `running`).
    public func start(filename: String?, listID: ID?, in workspace: ID) async throws -> ImportJob {
        if let listID { _ = try await lists.get(listID, in: workspace) }
        let job = ImportJob(id: .generate(.importJob), workspaceID: workspace, filename: filename, listID: listID,
                            createdAt: clock.now)
        try await store.insertImport(job)
        return job
    }

    /// Reads every chunk of `source` and imports its rows; `progress` is called after each batch.
    /// A row that cannot be read or is invalid is counted and reported, and the import goes on.
    /// The job ends `failed` only when the file has no usable header or the source fails.
    public func run<Source: AsyncSequence>(
        _ job: ImportJob, source: Source, overrides: [String: ColumnTarget] = [:],
        progress: @Sendable (ImportJob) -> Void = { _ in },
        filename: @Sendable () -> String? = { nil }
    ) async throws -> ImportJob where Source.Element: Sequence<UInt8> {
        var job = job
        let region = try await contacts.region(of: job.workspaceID)
        // The previous batch, prepared and waiting to be committed while the next one is prepared.
        var waiting: (rows: [Int], batch: ContactService.PreparedBatch)?
        var reader = CSVReader()
        var mapping: ColumnMapping?
        var pending: [(row: Int, input: ContactInput)] = []
        pending.reserveCapacity(ImportService.batchSize)
        do {
            for try await chunk in source {
                if job.filename == nil { job.filename = filename() }
                var records: [CSVRecord] = []
                reader.feed(chunk) { records.append($0) }
                for record in records {
                    try await take(record, &job, &mapping, &pending, overrides)
                    if pending.count >= ImportService.batchSize {
                        try await flush(&pending, &waiting, &job, region: region)
                        progress(job)
                    }
                }
            }
            var records: [CSVRecord] = []
            reader.finish { records.append($0) }
            for record in records { try await take(record, &job, &mapping, &pending, overrides) }
            try await flush(&pending, &waiting, &job, region: region)
            try await flush(&pending, &waiting, &job, region: region)
            if mapping == nil {
                job.state = .failed
                job.failure = "the file is empty: expected a header row such as first_name,last_name,email"
            } else {
                job.state = .completed
            }
        } catch let error as ImportFailure {
            job.state = .failed
            job.failure = error.message
        } catch {
            job.state = .failed
            job.failure = "the upload stopped before the end of the file"
            job.finishedAt = clock.now
            job.updatedAt = clock.now
            try? await store.updateImport(job)
            throw error
        }
        job.finishedAt = clock.now
        job.updatedAt = clock.now
        try await store.updateImport(job)
        progress(job)
        return job
    }

    private func take(
        _ record: CSVRecord, _ job: inout ImportJob, _ mapping: inout ColumnMapping?,
        _ pending: inout [(row: Int, input: ContactInput)], _ overrides: [String: ColumnTarget]
    ) async throws {
        guard let current = mapping else {
            if let error = record.error { throw ImportFailure(message: "the header row cannot be read: \(error)") }
            let header = record.fields.map { $0.trimmingWhitespace() }
            for name in overrides.keys where !header.contains(name) {
                throw ImportFailure(message: "--map names a column \"\(name)\" that the header does not have")
            }
            mapping = ColumnMapping(header: header, overrides: overrides)
            return
        }
        job.rowsRead += 1
        if let error = record.error {
            job.record(error: error, row: record.number)
            return
        }
        if record.fields.count > current.targets.count, record.fields[current.targets.count...].contains(where: { !$0.isEmpty }) {
            job.record(error: "has \(record.fields.count) columns; the header has \(current.targets.count)", row: record.number)
            return
        }
        pending.append((record.number, current.input(for: record.fields)))
    }

    /// Commits the waiting batch while preparing the pending rows (two cores: one parses and
    /// normalises, the other matches and writes), then makes the pending rows the waiting batch.
    private func flush(
        _ pending: inout [(row: Int, input: ContactInput)], _ waiting: inout (rows: [Int], batch: ContactService.PreparedBatch)?,
        _ job: inout ImportJob, region: PhoneRegion
    ) async throws {
        let committing = waiting
        let workspace = job.workspaceID
        async let committed: [UpsertOutcome] = commit(committing?.batch, in: workspace)
        let next = pending.isEmpty ? nil : (rows: pending.map(\.row), batch: contacts.prepare(pending.map(\.input), region: region))
        let outcomes = try await committed
        pending.removeAll(keepingCapacity: true)
        waiting = next
        guard let committing else { return }
        var members: [ID] = []
        for (row, outcome) in zip(committing.rows, outcomes) {
            switch outcome {
            case .created(let contact): job.created += 1; members.append(contact.id)
            case .updated(let contact): job.updated += 1; members.append(contact.id)
            case .duplicate(let contact): job.duplicates += 1; members.append(contact.id)
            case .invalid(let issues):
                job.record(error: issues.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }
                    .joined(separator: "; "), row: row)
            }
        }
        if let list = job.listID, !members.isEmpty { try await lists.addImported(members, to: list, in: job.workspaceID) }
        job.updatedAt = clock.now
        try await store.updateImport(job)
    }

    private func commit(_ batch: ContactService.PreparedBatch?, in workspace: ID) async throws -> [UpsertOutcome] {
        guard let batch else { return [] }
        return try await contacts.commit(batch, in: workspace)
    }

    public func get(_ id: ID, in workspace: ID) async throws -> ImportJob {
        guard let job = try await store.importJob(id, in: workspace) else { throw NotFoundError("import", id: id.rawValue) }
        return job
    }
}

/// The whole import cannot go on (no header, a bad `--map`).
struct ImportFailure: Error {
    let message: String
}

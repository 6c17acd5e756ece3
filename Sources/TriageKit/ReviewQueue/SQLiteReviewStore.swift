#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The review queue in an SQLite file, shared by the processes of one machine.
///
/// ```swift
/// let store = try SQLiteReviewStore(path: SQLiteReviewStore.defaultPath(home: home))
/// let ids = try store.enqueue(deferred)
/// for item in try store.pendingCases(model: "tickets", limit: 20) { … }
/// try store.answer(caseID: ids[0], label: "billing", reviewer: "ana")
/// ```
///
/// Every change to a case and the event that records it are written in one
/// transaction, so the `events` table is a complete, append-only history of the
/// queue. Writes take the write lock up front (`BEGIN IMMEDIATE`) and wait up to the
/// busy timeout for another process to finish; readers are not blocked by a writer.
///
/// A store is one SQLite connection and is not thread-safe: use it from one thread at
/// a time, and open a store per thread or process to work in parallel. It is
/// therefore not `Sendable`.
///
/// Labels are stored as given: checking an answer against the model's labels is the
/// caller's job.
///
/// Known limits: keep the file on a local disk, since write-ahead logging shares
/// memory between processes and does not work over network file systems; and one
/// machine's processes share the queue, not several machines.
public final class SQLiteReviewStore: ReviewStore {
    /// The database file, or `:memory:`.
    public let path: String

    /// The connection; tests read the raw tables through it.
    let database: SQLiteDatabase

    let logger: Logger
    let clock: @Sendable () -> Double
    private let json = ProbabilityJSON()

    /// Seconds a write waits for another process's lock unless told otherwise.
    public static let defaultBusyTimeout: Double = 5

    /// Opens the review queue at `path`, creating the file, its folder and its tables
    /// when missing, and upgrading an older schema.
    ///
    /// - Parameters:
    ///   - path: the database file; see ``defaultPath(home:)``.
    ///   - busyTimeout: seconds to wait for another process's write lock before a
    ///     write fails with a "locked" error.
    ///   - busyTimeoutName: how that error's remedy names the busy timeout, such as
    ///     the environment variable that sets it.
    ///   - logger: takes debug messages; nothing is logged above debug.
    ///   - clock: the current time in seconds since 1970, stored with each change.
    /// - Throws: `.invalidArgument` for a negative busy timeout; `.store` when the
    ///   file cannot be opened, is not a Triage review queue, or was written by a
    ///   newer Triage.
    public init(
        path: String,
        busyTimeout: Double = defaultBusyTimeout,
        busyTimeoutName: String = "the busy timeout",
        logger: Logger = .disabled,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) throws {
        guard busyTimeout >= 0, busyTimeout.isFinite else {
            throw TriageError.invalidArgument(
                "the busy timeout must be 0 seconds or more, got \(busyTimeout)")
        }
        self.path = path
        self.logger = logger
        self.clock = clock

        // Open, then bring the tables up to date.
        database = try SQLiteDatabase(
            path: path, busyTimeout: busyTimeout, name: "the review queue",
            busyTimeoutName: busyTimeoutName,
            logger: logger)
        try ReviewQueueSchema.migrate(database, logger: logger)
        logger.debug("opened review queue", ["store.path": path])
    }

    /// A private queue in memory, gone when the store is released. For tests and
    /// one-off runs.
    public static func inMemory(
        logger: Logger = .disabled,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) throws -> SQLiteReviewStore {
        try SQLiteReviewStore(
            path: SQLiteDatabase.inMemoryPath, logger: logger, clock: clock)
    }

    /// Where a Triage home keeps its review queue: `home/review/queue.sqlite`.
    public static func defaultPath(home: String) -> String {
        let folder = home.hasSuffix("/") ? String(home.dropLast()) : home
        return folder + "/review/queue.sqlite"
    }

    // MARK: - ReviewStore

    /// Adds deferred inputs as pending cases, all in one transaction, and returns each
    /// one's case id in order.
    ///
    /// An input that already has a case for the same model (the same `model` and
    /// `input` strings) joins it: the id is the existing one and its deferral count
    /// goes up. While that case is pending, its model version, prediction,
    /// confidence, probabilities and reason are replaced by the newer ones; once
    /// answered they are kept. A case a model resolved on its own is deferred now,
    /// so it is pending again with the newer prediction. The same input twice in one
    /// batch behaves the same way. Each input writes a `deferred` or `redeferred`
    /// event whose value is the label predicted this time.
    ///
    /// The batch's traffic, when given, is added to its model version's counts for
    /// the day (UTC) in the same transaction.
    ///
    /// - Complexity: O(n log m) for n inputs and m stored cases; the statements are
    ///   compiled once per call.
    /// - Throws: `.invalidArgument` when a confidence or probability is not a finite
    ///   number, before anything is written; `.store` when the queue is locked past
    ///   the busy timeout or the write fails, and then nothing is added.
    public func enqueue(_ cases: [NewCase], traffic: TrafficCount?) throws -> [Int64] {
        guard !cases.isEmpty || traffic != nil else { return [] }

        // Check and encode before taking the write lock, so other writers wait less.
        var encoded: [String] = []
        encoded.reserveCapacity(cases.count)
        for (position, item) in cases.enumerated() {
            let finite =
                item.confidence.isFinite
                && item.probabilities.allSatisfy { $0.probability.isFinite }
            guard finite else {
                throw TriageError.invalidArgument(
                    "deferred input \(position + 1) of \(cases.count) has a "
                        + "confidence or probability that is not a finite number")
            }
            encoded.append(try encodeProbabilities(item.probabilities))
        }

        // Insert each input or join it to its case, and log the event.
        let now = clock()
        let ids = try database.transaction {
            let insert = try database.statement(SQL.insertCase)
            let event = try database.statement(SQL.insertEvent)
            var ids: [Int64] = []
            ids.reserveCapacity(cases.count)
            for (item, probabilities) in zip(cases, encoded) {
                // Most inputs are new: insert them, and get the id SQLite assigned.
                try bindDeferral(item, probabilities: probabilities, at: now, to: insert)
                try insert.step()
                insert.reset()
                let id: Int64
                let kind: String
                if database.changes == 1 {
                    id = database.lastInsertedRowID
                    kind = "deferred"
                } else {
                    id = try joinCase(item, probabilities: probabilities, at: now)
                    kind = "redeferred"
                }

                // Log the deferral with the label predicted this time.
                try appendEvent(
                    caseID: id, kind: kind, reviewer: nil, value: item.predicted,
                    previous: nil, at: now, using: event)
                ids.append(id)
            }
            if let traffic { try count(traffic, at: now) }
            return ids
        }
        logger.debug("enqueued review cases", ["cases.count": "\(cases.count)"])
        return ids
    }

    /// One case by id; throws `caseNotFound` when there is none.
    public func reviewCase(id: Int64) throws -> ReviewCase {
        try fetchCase(id: id)
    }

    /// Pending cases, least confident first and skipped ones last; `model` limits the
    /// list to one model's cases.
    ///
    /// The order is fewest skips first, then lowest confidence, then oldest id.
    ///
    /// - Complexity: O(k log n) for one model's first k of n cases. Across all
    ///   models, O(p log k) for p pending cases: their sort keys are read from an
    ///   index, and only the k listed cases from the table.
    ///
    /// - Throws: `.invalidArgument` for a negative limit; `.store` when the queue
    ///   cannot be read.
    public func pendingCases(model: String?, limit: Int?) throws -> [ReviewCase] {
        if let limit, limit < 0 {
            throw TriageError.invalidArgument(
                "the number of cases to list must be 0 or more, got \(limit)")
        }
        let statement: SQLiteStatement
        if let model {
            statement = try database.statement(SQL.pendingCasesOfModel)
            try statement.bind(model, at: 2)
        } else {
            statement = try database.statement(SQL.pendingCases)
        }
        try statement.bind(Int64(limit ?? -1), at: 1)
        return try readCases(statement)
    }

    /// Every answered case of one model, oldest answer first (then by id).
    public func answeredCases(model: String) throws -> [ReviewCase] {
        let statement = try database.statement(SQL.answeredCases)
        try statement.bind(model, at: 1)
        return try readCases(statement)
    }

    /// Records that a reviewer passed on a case; it stays pending and moves to the
    /// back, behind every case skipped fewer times.
    ///
    /// - Throws: `caseNotFound`; `caseClosed` when the case is already answered, or
    ///   when another reviewer's live claim holds it (as for an answer). Nothing
    ///   changes on any error.
    @discardableResult
    public func skip(caseID: Int64, reviewer: String) throws -> ReviewCase {
        let now = clock()
        let skipped = try database.transaction {
            // Only a pending case can be skipped, and not from under another
            // reviewer's claim.
            try checkPending(caseID: caseID)
            try checkNotClaimedByOthers(caseID: caseID, reviewer: reviewer, at: now)

            // Move it back, free the reviewer's claim, and log who passed on it.
            try deleteClaim(caseID: caseID, reviewer: reviewer)
            let update = try database.statement(SQL.skipCase)
            try update.bind(caseID, at: 1)
            try update.bind(now, at: 2)
            try update.step()
            try appendEvent(
                caseID: caseID, kind: "skipped", reviewer: reviewer, value: nil,
                previous: nil, at: now)
            return try fetchCase(id: caseID)
        }
        logger.debug("skipped review case", ["case.id": "\(caseID)"])
        return skipped
    }

    /// How many cases are in each status, for one model or all. Every status is in
    /// the result, with 0 when no case has it.
    ///
    /// - Complexity: O(n) in the cases counted, read from the partial indexes rather
    ///   than the table.
    public func counts(model: String?) throws -> [CaseStatus: Int] {
        var counts: [CaseStatus: Int] = [:]
        for status in CaseStatus.allCases {
            let statement: SQLiteStatement
            if let model {
                statement = try database.statement(SQL.countOfModel(status))
                try statement.bind(model, at: 1)
            } else {
                statement = try database.statement(SQL.count(status))
            }
            counts[status] = try statement.step() ? Int(statement.int64(at: 0)) : 0
            statement.reset()
        }
        return counts
    }

    // MARK: - Reading and writing rows

    /// Binds a deferral to ``SQL/insertCase``.
    private func bindDeferral(
        _ item: NewCase, probabilities: String, at time: Double,
        to statement: SQLiteStatement
    ) throws {
        try statement.bind(item.model, at: 1)
        try statement.bind(item.modelVersion, at: 2)
        try statement.bind(item.input, at: 3)
        try statement.bind(item.text, at: 4)
        try statement.bind(item.predicted, at: 5)
        try statement.bind(item.confidence, at: 6)
        try statement.bind(probabilities, at: 7)
        try statement.bind(item.reason.rawValue, at: 8)
        try statement.bind(time, at: 9)
        try statement.bind(item.predictionSet.map(Self.encodeLabels), at: 10)
        try statement.bind(Int64(max(1, item.requiredAnswers)), at: 11)
        try statement.bind(item.priority, at: 12)
        try statement.bind(item.gold, at: 13)
    }

    /// A list of labels as a JSON array.
    static func encodeLabels(_ labels: [String]) -> String {
        var writer = JSONWriter()
        writer.value(labels)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Adds a repeat deferral to the existing case of the same model and input, and
    /// returns that case's id.
    private func joinCase(
        _ item: NewCase, probabilities: String, at time: Double
    ) throws -> Int64 {
        // Find the case the insert collided with.
        let find = try database.statement(SQL.caseIDByInput)
        try find.bind(item.model, at: 1)
        try find.bind(item.input, at: 2)
        guard try find.step() else {
            throw TriageError(
                .store, "the review queue lost a case while adding a deferred input",
                at: SourceLocation(file: path))
        }
        let id = find.int64(at: 0)
        find.reset()

        // Count the deferral, and take the newer prediction while pending.
        let join = try database.statement(SQL.joinCase)
        try join.bind(id, at: 1)
        try join.bind(item.modelVersion, at: 2)
        try join.bind(item.predicted, at: 5)
        try join.bind(item.confidence, at: 6)
        try join.bind(probabilities, at: 7)
        try join.bind(item.reason.rawValue, at: 8)
        try join.bind(time, at: 9)
        try join.bind(item.predictionSet.map(Self.encodeLabels), at: 10)
        try join.bind(Int64(max(1, item.requiredAnswers)), at: 11)
        try join.bind(item.priority, at: 12)
        try join.bind(item.gold, at: 13)
        try join.step()
        join.reset()
        return id
    }

    /// Checks, inside the caller's transaction, that the case exists and is pending,
    /// and returns the label the model predicted for it.
    @discardableResult
    func checkPending(caseID: Int64) throws -> String {
        let statement = try database.statement(SQL.caseStatus)
        try statement.bind(caseID, at: 1)
        guard try statement.step() else { throw TriageError.caseNotFound(caseID) }
        let status = CaseStatus(rawValue: statement.string(at: 0))
        let predicted = statement.string(at: 1)
        statement.reset()
        switch status {
        case .pending:
            return predicted
        case .answered:
            throw TriageError.caseClosed(caseID)
        case .autoResolved:
            throw TriageError(
                .caseClosed, "case \(caseID) was resolved automatically by a newer model",
                remedy: "reopen it with `triage review reopen \(caseID)` to answer it")
        case nil:
            throw TriageError.damagedCase(caseID, field: "a status", path: path)
        }
    }

    func fetchCase(id: Int64) throws -> ReviewCase {
        let statement = try database.statement(SQL.caseByID)
        try statement.bind(id, at: 1)
        guard let found = try readCases(statement).first else {
            throw TriageError.caseNotFound(id)
        }
        return found
    }

    /// Steps `statement` to the end, reading a case from each row of
    /// ``SQL/caseColumns``.
    func readCases(_ statement: SQLiteStatement) throws -> [ReviewCase] {
        // A statement left mid-way would keep its read snapshot open.
        defer { statement.reset() }
        var cases: [ReviewCase] = []
        while try statement.step() {
            let id = statement.int64(at: 0)
            guard let reason = DeferralReason(rawValue: statement.string(at: 8)) else {
                throw TriageError.damagedCase(id, field: "a deferral reason", path: path)
            }
            guard let status = CaseStatus(rawValue: statement.string(at: 9)) else {
                throw TriageError.damagedCase(id, field: "a status", path: path)
            }
            cases.append(
                ReviewCase(
                    id: id,
                    model: statement.string(at: 1),
                    modelVersion: Int(statement.int64(at: 2)),
                    input: statement.string(at: 3),
                    text: statement.string(at: 4),
                    predicted: statement.string(at: 5),
                    confidence: statement.double(at: 6),
                    probabilities: try decodeProbabilities(
                        statement.string(at: 7), caseID: id),
                    reason: reason,
                    status: status,
                    answer: statement.optionalString(at: 10),
                    reviewer: statement.optionalString(at: 11),
                    timesDeferred: Int(statement.int64(at: 12)),
                    skips: Int(statement.int64(at: 13)),
                    createdAt: statement.double(at: 14),
                    answeredAt: statement.optionalDouble(at: 15),
                    predictionSet: try statement.optionalString(at: 16).map {
                        try decodeLabels($0, caseID: id)
                    },
                    requiredAnswers: Int(statement.int64(at: 17)),
                    priority: statement.double(at: 18),
                    gold: statement.optionalString(at: 19),
                    disputed: statement.int64(at: 20) != 0))
        }
        return cases
    }

    /// Appends to the event log; `statement` is ``SQL/insertEvent``, which a caller
    /// writing many events fetches once.
    func appendEvent(
        caseID: Int64, kind: String, reviewer: String?, value: String?,
        previous: String?, at time: Double, using statement: SQLiteStatement? = nil
    ) throws {
        let statement = try statement ?? database.statement(SQL.insertEvent)
        try statement.bind(caseID, at: 1)
        try statement.bind(kind, at: 2)
        try statement.bind(reviewer, at: 3)
        try statement.bind(value, at: 4)
        try statement.bind(previous, at: 5)
        try statement.bind(time, at: 6)
        try statement.step()
        statement.reset()
    }

    // MARK: - Probabilities as JSON

    private func decodeLabels(_ text: String, caseID: Int64) throws -> [String] {
        guard let labels = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            throw TriageError.damagedCase(caseID, field: "a prediction set", path: path)
        }
        return labels
    }

    func encodeProbabilities(_ probabilities: [LabelProbability]) throws -> String {
        do {
            return try json.encode(probabilities)
        } catch {
            throw TriageError.invalidArgument(
                "the label probabilities of a deferred input cannot be encoded")
        }
    }

    private func decodeProbabilities(_ text: String, caseID: Int64) throws
        -> [LabelProbability]
    {
        do {
            return try json.decode(text)
        } catch {
            throw TriageError.damagedCase(caseID, field: "label probabilities", path: path)
        }
    }
}

/// The store's SQL, compiled once per connection through the statement cache.
enum SQL {
    /// The columns ``SQLiteReviewStore`` reads a case from, in order.
    static let caseColumns = """
        id, model, model_version, input, text, predicted, confidence, probabilities, \
        reason, status, answer, reviewer, times_deferred, skips, created_at, answered_at, \
        prediction_set, required_answers, priority, gold, disputed
        """

    /// Inserts a new case; does nothing when the model already has a case for the
    /// input, which ``joinCase`` then updates.
    static let insertCase = """
        INSERT INTO cases (
            model, model_version, input, text, predicted, confidence, probabilities,
            reason, created_at, updated_at, prediction_set, required_answers, priority, gold)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13)
        ON CONFLICT (model, input) DO NOTHING
        """

    static let caseIDByInput = "SELECT id FROM cases WHERE model = ?1 AND input = ?2"

    /// Counts a repeat deferral of case ?1 and, unless it is answered, takes the newer
    /// prediction; a case a model had resolved on its own is pending again. The other
    /// parameters are numbered as in ``insertCase``.
    static let joinCase = """
        UPDATE cases SET
            times_deferred = times_deferred + 1,
            updated_at = ?9,
            status = CASE status WHEN 'auto_resolved' THEN 'pending' ELSE status END,
            model_version = CASE status WHEN 'answered' THEN model_version ELSE ?2 END,
            predicted = CASE status WHEN 'answered' THEN predicted ELSE ?5 END,
            confidence = CASE status WHEN 'answered' THEN confidence ELSE ?6 END,
            probabilities = CASE status WHEN 'answered' THEN probabilities ELSE ?7 END,
            reason = CASE status WHEN 'answered' THEN reason ELSE ?8 END,
            prediction_set = CASE status WHEN 'answered' THEN prediction_set ELSE ?10 END,
            required_answers = max(required_answers, ?11),
            priority = max(priority, ?12),
            gold = coalesce(?13, gold)
        WHERE id = ?1
        """

    static let insertEvent = """
        INSERT INTO events (case_id, kind, reviewer, value, previous, at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        """

    static let caseByID = "SELECT \(caseColumns) FROM cases WHERE id = ?1"

    static let caseStatus = "SELECT status, predicted FROM cases WHERE id = ?1"

    // The literal 'pending' and 'answered' let SQLite use the partial indexes. Across
    // all models, the ids are sorted from the per-model index, which covers the sort
    // keys, and only the rows that make the cut are read.
    static let pendingCases = """
        SELECT \(caseColumns) FROM cases WHERE id IN (
            SELECT id FROM cases WHERE status = 'pending'
            ORDER BY skips, confidence, id LIMIT ?1)
        ORDER BY skips, confidence, id
        """

    static let pendingCasesOfModel = """
        SELECT \(caseColumns) FROM cases WHERE status = 'pending' AND model = ?2
        ORDER BY skips, confidence, id LIMIT ?1
        """

    static let answeredCases = """
        SELECT \(caseColumns) FROM cases WHERE status = 'answered' AND model = ?1
        ORDER BY answered_at, id
        """

    static let skipCase = "UPDATE cases SET skips = skips + 1, updated_at = ?2 WHERE id = ?1"

    // The status is written into the SQL, not bound, so that SQLite counts entries
    // of the matching partial index.
    static func count(_ status: CaseStatus) -> String {
        "SELECT count(*) FROM cases WHERE status = '\(status.rawValue)'"
    }

    static func countOfModel(_ status: CaseStatus) -> String {
        "SELECT count(*) FROM cases WHERE status = '\(status.rawValue)' AND model = ?1"
    }
}

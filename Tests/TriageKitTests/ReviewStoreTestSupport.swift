@testable import TriageKit

/// A store with a test clock, on disk in its own folder or in memory.
final class StoreFixture {
    let folder: TemporaryFolder
    let clock = TestClock()
    let store: SQLiteReviewStore

    init(_ storage: Storage, logger: Logger = .disabled) throws {
        folder = try TemporaryFolder()
        let clock = self.clock
        switch storage {
        case .memory:
            store = try .inMemory(logger: logger, clock: { clock.tick() })
        case .disk:
            store = try SQLiteReviewStore(
                path: folder.queuePath, logger: logger, clock: { clock.tick() })
        }
    }
}

/// One row of the `events` table.
struct EventRow: Equatable, CustomStringConvertible {
    var caseID: Int64
    var kind: String
    var reviewer: String?
    var value: String?
    var previous: String?

    var description: String {
        "\(caseID) \(kind) \(reviewer ?? "-") \(value ?? "-") \(previous ?? "-")"
    }
}

extension SQLiteReviewStore {
    /// The event log, oldest first, read with a raw query; `caseID` keeps one case's.
    func eventRows(caseID: Int64? = nil) throws -> [EventRow] {
        let statement = try database.prepare(
            """
            SELECT case_id, kind, reviewer, value, previous FROM events
            WHERE ?1 IS NULL OR case_id = ?1 ORDER BY id
            """)
        try statement.bind(caseID, at: 1)
        var rows: [EventRow] = []
        while try statement.step() {
            rows.append(
                EventRow(
                    caseID: statement.int64(at: 0),
                    kind: statement.string(at: 1),
                    reviewer: statement.optionalString(at: 2),
                    value: statement.optionalString(at: 3),
                    previous: statement.optionalString(at: 4)))
        }
        return rows
    }

    /// A single text value from a raw query.
    func text(_ sql: String) throws -> String? {
        let statement = try database.prepare(sql)
        return try statement.step() ? statement.optionalString(at: 0) : nil
    }

    /// A single integer from a raw query.
    func integer(_ sql: String) throws -> Int64 {
        let statement = try database.prepare(sql)
        return try statement.step() ? statement.int64(at: 0) : 0
    }
}

/// A deferred input with defaults for what a test does not care about.
func deferred(
    _ input: String,
    model: String = "tickets",
    version: Int = 1,
    predicted: String = "billing",
    confidence: Double = 0.5
) -> NewCase {
    NewCase(
        model: model, modelVersion: version, input: "{\"text\":\"\(input)\"}",
        text: input, predicted: predicted, confidence: confidence,
        probabilities: [
            LabelProbability(label: predicted, probability: confidence),
            LabelProbability(label: "other", probability: 1 - confidence),
        ],
        reason: .lowConfidence)
}

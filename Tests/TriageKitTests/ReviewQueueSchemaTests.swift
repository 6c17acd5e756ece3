import Testing

@testable import TriageKit

/// The migration runner, with step lists of the tests' own.
@Suite struct ReviewQueueSchemaTests {
    @Test func migrationStepsRunOnceEachInItsOwnTransaction() throws {
        let database = try SQLiteDatabase(path: SQLiteDatabase.inMemoryPath)
        let steps = ["CREATE TABLE a (x)", "CREATE TABLE b (x)"]
        try ReviewQueueSchema.migrate(database, steps: steps, logger: .disabled)
        #expect(try database.userVersion() == 2)

        // Running again changes nothing; a failing third step leaves version 2 and
        // rolls back its own partial work.
        try ReviewQueueSchema.migrate(database, steps: steps, logger: .disabled)
        let broken = steps + ["CREATE TABLE c (x); CREATE TABLE a (x)"]
        let error = #expect(throws: TriageError.self) {
            try ReviewQueueSchema.migrate(database, steps: broken, logger: .disabled)
        }
        #expect(
            error?.message
                == "cannot upgrade the database to schema version 3: table a already exists "
                + "(SQLITE_ERROR, code 1)")
        #expect(try database.userVersion() == 2)
        let tables = try database.prepare(
            "SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema ORDER BY name)")
        #expect(try tables.step())
        #expect(tables.string(at: 0) == "a,b")

        // Code that knows fewer steps than the file has refuses it.
        #expect(throws: TriageError.self) {
            try ReviewQueueSchema.migrate(
                database, steps: ["CREATE TABLE a (x)"], logger: .disabled)
        }
    }
}

/// Upgrading a queue written by an older Triage keeps every case and its history.
@Suite struct ReviewQueueUpgradeTests {
    @Test func rebuildingTheCasesTableKeepsCasesAnswersClaimsAndEvents() throws {
        let folder = try TemporaryFolder()
        let database = try SQLiteDatabase(path: folder.queuePath)
        let older = Array(ReviewQueueSchema.migrations.prefix(3))
        try ReviewQueueSchema.migrate(database, steps: older, logger: .disabled)
        try database.execute(
            """
            INSERT INTO cases (id, model, model_version, input, text, predicted, confidence,
                probabilities, reason, status, answer, reviewer, created_at, updated_at,
                answered_at, gold)
            VALUES (7, 'tickets', 1, '{"text":"a"}', 'a', 'billing', 0.4, '[]',
                    'low_confidence', 'answered', 'refund', 'ana', 1, 2, 2, 'refund'),
                   (8, 'tickets', 1, '{"text":"b"}', 'b', 'billing', 0.3, '[]',
                    'low_confidence', 'pending', NULL, NULL, 1, 1, NULL, NULL);
            INSERT INTO answers (case_id, reviewer, label, at) VALUES (7, 'ana', 'refund', 2);
            INSERT INTO claims (case_id, reviewer, expires_at) VALUES (8, 'ben', 99);
            INSERT INTO events (case_id, kind, value, at) VALUES (7, 'deferred', 'billing', 1);
            """)

        try ReviewQueueSchema.migrate(database, logger: .disabled)
        #expect(try database.userVersion() == ReviewQueueSchema.currentVersion)
        let store = try SQLiteReviewStore(path: folder.queuePath)
        let answered = try store.reviewCase(id: 7)
        #expect(answered.status == .answered && answered.answer == "refund")
        #expect(answered.gold == "refund" && answered.answeredAt == 2)
        #expect(try store.reviewCase(id: 8).status == .pending)
        #expect(try store.answers(model: "tickets").map(\.label) == ["refund"])
        #expect(try store.events(caseID: 7).map(\.kind) == ["deferred"])
        #expect(try store.integer("SELECT count(*) FROM claims") == 1)

        // The new status is allowed, foreign keys are back on and still hold.
        #expect(try store.integer("PRAGMA foreign_keys") == 1)
        #expect(
            try store.applyRescoring([
                RescoredCase(
                    caseID: 8, modelVersion: 2, predicted: "refund", confidence: 0.99,
                    probabilities: [], reason: nil)
            ]).resolved == 1)
        #expect(throws: TriageError.self) {
            try store.database.execute(
                "INSERT INTO answers (case_id, reviewer, label, at) VALUES (99, 'x', 'y', 1)")
        }
    }
}

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

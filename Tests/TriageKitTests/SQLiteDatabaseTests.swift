import Foundation
import Testing

@testable import TriageKit

/// The thin SQLite wrapper under the review store.
@Suite struct SQLiteDatabaseTests {
    private func open(_ storage: Storage, in folder: TemporaryFolder) throws -> SQLiteDatabase {
        switch storage {
        case .memory: try SQLiteDatabase(path: SQLiteDatabase.inMemoryPath)
        case .disk: try SQLiteDatabase(path: folder.path + "/test.sqlite")
        }
    }

    @Test(arguments: Storage.allCases)
    func boundValuesReadBackUnchanged(storage: Storage) throws {
        let folder = try TemporaryFolder()
        let database = try open(storage, in: folder)
        try database.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, n TEXT)")

        let insert = try database.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)")
        let texts = ["", "plain", "naïve café ✓ 日本語", "nul\u{0}inside"]
        for (index, text) in texts.enumerated() {
            try insert.bind(index == 0 ? Int64.min : Int64.max - Int64(index), at: 1)
            try insert.bind(Double(index) + 0.25, at: 2)
            try insert.bind(text, at: 3)
            try insert.bind(nil as String?, at: 4)
            #expect(try insert.step() == false)
            insert.reset()
        }

        let select = try database.prepare("SELECT i, r, s, n, typeof(s) FROM t ORDER BY rowid")
        var read: [String] = []
        var integers: [Int64] = []
        var reals: [Double] = []
        while try select.step() {
            #expect(select.isNull(at: 3))
            #expect(select.optionalString(at: 3) == nil)
            #expect(select.string(at: 4) == "text")
            read.append(select.string(at: 2))
            integers.append(select.int64(at: 0))
            reals.append(select.double(at: 1))
        }
        #expect(read == texts)
        let expected: [Int64] = [.min, .max - 1, .max - 2, .max - 3]
        #expect(integers == expected)
        #expect(reals == [0.25, 1.25, 2.25, 3.25])
    }

    @Test(arguments: Storage.allCases)
    func transactionCommitsOrRollsBack(storage: Storage) throws {
        let folder = try TemporaryFolder()
        let database = try open(storage, in: folder)
        try database.execute("CREATE TABLE t (x INTEGER)")

        let value = try database.transaction {
            try database.execute("INSERT INTO t VALUES (1)")
            return 7
        }
        #expect(value == 7)

        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try database.transaction {
                try database.execute("INSERT INTO t VALUES (2)")
                throw Stop()
            }
        }
        #expect(!database.isInTransaction)
        let count = try database.prepare("SELECT count(*), sum(x) FROM t")
        #expect(try count.step())
        #expect(count.int64(at: 0) == 1 && count.int64(at: 1) == 1)
    }

    @Test func errorsSayWhatFailedWithoutBoundValues() throws {
        let database = try SQLiteDatabase(path: SQLiteDatabase.inMemoryPath)
        try database.execute("CREATE TABLE t (x TEXT UNIQUE)")

        // A statement that does not compile.
        let syntax = #expect(throws: TriageError.self) {
            try database.prepare("SELEC 1")
        }
        #expect(syntax?.code == .store)
        #expect(
            syntax?.description
                == ":memory:: cannot prepare a statement for the database: near \"SELEC\": "
                + "syntax error (SQLITE_ERROR, code 1)")

        // A constraint names the column, never the value.
        let insert = try database.prepare("INSERT INTO t VALUES (?1)")
        try insert.bind("private review text", at: 1)
        try insert.step()
        insert.reset()
        let duplicate = #expect(throws: TriageError.self) {
            try insert.step()
        }
        #expect(
            duplicate?.description
                == ":memory:: cannot write to the database: UNIQUE constraint failed: t.x "
                + "(SQLITE_CONSTRAINT, code 2067)")
        #expect(duplicate?.remedy == nil)
    }

    @Test func fileDatabaseUsesWriteAheadLogAndForeignKeys() throws {
        let folder = try TemporaryFolder()
        let database = try SQLiteDatabase(path: folder.path + "/nested/deeper/db.sqlite")
        let mode = try database.prepare("PRAGMA journal_mode")
        #expect(try mode.step())
        #expect(mode.string(at: 0) == "wal")
        let keys = try database.prepare("PRAGMA foreign_keys")
        #expect(try keys.step())
        #expect(keys.int64(at: 0) == 1)
    }

    @Test func cachedStatementsAreReusedAndReset() throws {
        let database = try SQLiteDatabase(path: SQLiteDatabase.inMemoryPath)
        let first = try database.statement("SELECT ?1")
        try first.bind(Int64(5), at: 1)
        #expect(try first.step())

        // Asked for again mid-way: the same statement, rewound and unbound.
        let second = try database.statement("SELECT ?1")
        #expect(first === second)
        #expect(try second.step())
        #expect(second.isNull(at: 0))
    }

    @Test func unopenablePathsSayWhy() throws {
        let folder = try TemporaryFolder()

        // A folder cannot be opened as a database.
        let folderError = #expect(throws: TriageError.self) {
            try SQLiteDatabase(path: folder.path, name: "the review queue")
        }
        #expect(folderError?.code == .store)
        #expect(folderError?.message.hasPrefix("cannot open the review queue: ") == true)
        #expect(folderError?.message.contains("(SQLITE_CANTOPEN, code 14)") == true)
        #expect(
            folderError?.remedy
                == "check the path, and that you may read and write the file and its folder")

        // A parent that is a file cannot become a folder.
        let file = folder.path + "/plain-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let parentError = #expect(throws: TriageError.self) {
            try SQLiteDatabase(path: file + "/queue.sqlite", name: "the review queue")
        }
        #expect(
            parentError?.description
                == "\(file)/queue.sqlite: cannot create the folder for the review queue; "
                + "check the path, and that you may write to its parent folder")
    }
}

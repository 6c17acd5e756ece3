import CSQLite

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One connection to an SQLite database: a small wrapper over the C API, written for
/// the review queue.
///
/// Opening a file creates it (and its folder) when missing, switches it to
/// write-ahead logging so that readers and one writer can work at the same time, turns
/// foreign keys on and sets a busy timeout, so that a connection that finds the
/// database locked by another process waits instead of failing at once. Writes go
/// through ``transaction(_:)``, which starts with `BEGIN IMMEDIATE`: the write lock is
/// taken up front, so a writer queues on the busy timeout rather than failing halfway
/// through its transaction.
///
/// Every SQLite failure throws a ``TriageError`` with code `.store`, located at the
/// database path. Its message says what failed and SQLite's reason with the result
/// code; a remedy follows where there is an obvious one. Bound values are never copied
/// into an error; SQLite's own message may quote a fragment of the SQL or a column
/// name (`near "SELEC": syntax error`, `UNIQUE constraint failed: t.x`).
///
/// A connection is not thread-safe: use it from one thread at a time. That is why the
/// type is not `Sendable`. Separate processes, or separate connections on separate
/// threads, can share one database file.
final class SQLiteDatabase {
    /// The path given to `init`, or `:memory:`.
    let path: String

    /// How the database is named in error messages and remedies.
    let name: String

    /// How the remedy for a locked database names the busy timeout, so that users
    /// know what to raise: "the busy timeout" unless the caller knows better (an
    /// environment variable or an option).
    let busyTimeoutName: String

    private let handle: OpaquePointer
    private let logger: Logger
    private var cache: [String: SQLiteStatement] = [:]

    /// The path SQLite understands as a private, temporary, in-memory database.
    static let inMemoryPath = ":memory:"

    /// The most page cache a connection keeps, in KiB: 64 MiB, against SQLite's
    /// default of 2 MiB. A large batch of writes touches tens of megabytes of pages;
    /// with a small cache they spill to the log mid-transaction, which halved write
    /// speed in measurements. Memory is taken only as pages are read.
    static let cacheKibibytes = 65_536

    /// Opens, and creates if needed, the database at `path`.
    ///
    /// - Parameters:
    ///   - path: a file path, or `:memory:` for a database that lives and dies with
    ///     this connection. The folder of a file path is created when missing.
    ///   - busyTimeout: seconds to wait for a lock held by another connection before
    ///     giving up with a "locked" error; clamped to 0 through about 24 days.
    ///   - name: how error messages name the database, such as "the review queue".
    ///   - busyTimeoutName: how the remedy for a locked database names the busy
    ///     timeout.
    ///   - logger: takes debug messages about how the database was opened.
    /// - Throws: `.store` when the folder cannot be created, the file cannot be opened,
    ///   or it is not an SQLite database (`SQLITE_NOTADB`). The file is read once at
    ///   open, so a damaged or foreign file is reported here rather than later.
    init(
        path: String, busyTimeout: Double = 5, name: String = "the database",
        busyTimeoutName: String = "the busy timeout", logger: Logger = .disabled
    ) throws {
        self.path = path
        self.name = name
        self.busyTimeoutName = busyTimeoutName
        self.logger = logger
        let inMemory = path == SQLiteDatabase.inMemoryPath

        // The folder must exist before SQLite can create the file in it.
        if !inMemory {
            try SQLiteDatabase.createParentFolder(of: path, name: name)
        }

        // Open. SQLite may hand back a connection even when opening fails; it must be
        // closed in that case too.
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &connection, flags, nil)
        guard status == SQLITE_OK, let connection else {
            let error = SQLiteDatabase.error(
                "cannot open \(name)", code: status, connection: connection,
                path: path, name: name, busyTimeoutName: busyTimeoutName)
            sqlite3_close_v2(connection)
            throw error
        }
        self.handle = connection
        sqlite3_extended_result_codes(connection, 1)

        // Wait for other processes' locks, then read the header once, so that a
        // file which is not a database fails here, before anything else.
        let milliseconds =
            busyTimeout.isNaN
            ? 0 : min(max(busyTimeout, 0) * 1000, Double(Int32.max)).rounded()
        sqlite3_busy_timeout(connection, Int32(milliseconds))
        _ = try userVersion(what: "cannot open \(name)")

        // Settings that belong to the connection rather than to the file.
        let configure = "cannot configure \(name)"
        try execute("PRAGMA foreign_keys = ON", what: configure)
        try execute(
            "PRAGMA cache_size = -\(SQLiteDatabase.cacheKibibytes)", what: configure)

        // Write-ahead logging lets readers work while one process writes. An in-memory
        // database has no log to share.
        if !inMemory {
            try enableWriteAheadLog(timeout: milliseconds / 1000)
        }
    }

    deinit {
        // Statements must be finalized before the connection closes; `close_v2` waits
        // for any that are still alive outside the cache.
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: - Running SQL

    /// Runs one or more statements that return no rows, such as a migration step.
    ///
    /// - Parameter what: the start of the error message, saying what failed.
    /// - Throws: `.store` when any statement fails; those before it stay applied
    ///   unless a surrounding transaction rolls them back.
    func execute(_ sql: String, what: String? = nil) throws {
        let status = sqlite3_exec(handle, sql, nil, nil, nil)
        guard status == SQLITE_OK else {
            throw error(what ?? "cannot run a statement on \(name)", code: status)
        }
    }

    /// Compiles a statement that the caller owns. Prefer ``statement(_:)`` for SQL
    /// that runs often.
    ///
    /// - Throws: `.store` when the SQL does not compile, for instance when it names a
    ///   table the schema lacks.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(
            handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw error("cannot prepare a statement for \(name)", code: status)
        }
        return SQLiteStatement(statement, database: self)
    }

    /// A compiled statement from this connection's cache, reset and with its bindings
    /// cleared.
    ///
    /// The cache hands out the same object each time for the same SQL, so finish with
    /// a statement (step it to the end, or reset it) before asking for it again.
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = cache[sql] {
            cached.reset()
            cached.clearBindings()
            return cached
        }
        let statement = try prepare(sql)
        cache[sql] = statement
        return statement
    }

    /// Runs `body` in a write transaction and commits, or rolls back if it throws.
    ///
    /// The transaction starts with `BEGIN IMMEDIATE`, which takes the write lock at
    /// once: when another connection holds it, this one waits up to the busy timeout
    /// and then throws, before `body` has run. Transactions do not nest.
    ///
    /// - Throws: what `body` throws, or `.store` when the transaction cannot start or
    ///   commit.
    func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try execute("BEGIN IMMEDIATE", what: "cannot start a write transaction on \(name)")
        do {
            let result = try body()
            try execute("COMMIT", what: "cannot commit a transaction to \(name)")
            return result
        } catch {
            // Some failures (a full disk, for one) have already rolled back; a second
            // rollback would fail and hide the first error.
            if sqlite3_get_autocommit(handle) == 0 {
                sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            }
            throw error
        }
    }

    /// Whether a transaction is open on this connection.
    var isInTransaction: Bool {
        sqlite3_get_autocommit(handle) == 0
    }

    /// The number of rows the last finished `INSERT`, `UPDATE` or `DELETE` changed.
    var changes: Int {
        Int(sqlite3_changes64(handle))
    }

    /// The rowid of the last row inserted on this connection.
    var lastInsertedRowID: Int64 {
        sqlite3_last_insert_rowid(handle)
    }

    // MARK: - Header fields

    /// `PRAGMA user_version`: the application's schema version, 0 in a new database.
    func userVersion(what: String? = nil) throws -> Int {
        try integerPragma("user_version", what: what)
    }

    /// Sets `PRAGMA user_version`. Run it inside the migration's transaction.
    func setUserVersion(_ version: Int) throws {
        try execute(
            "PRAGMA user_version = \(Int32(clamping: version))",
            what: "cannot record the schema version of \(name)")
    }

    /// `PRAGMA application_id`: a number the owning application stores in the header
    /// to recognise its files, 0 when none was set.
    func applicationID() throws -> Int32 {
        Int32(truncatingIfNeeded: try integerPragma("application_id", what: nil))
    }

    /// Sets `PRAGMA application_id`.
    func setApplicationID(_ id: Int32) throws {
        try execute(
            "PRAGMA application_id = \(id)",
            what: "cannot record the application id of \(name)")
    }

    private func integerPragma(_ pragma: String, what: String?) throws -> Int {
        do {
            let statement = try prepare("PRAGMA \(pragma)")
            guard try statement.step() else { return 0 }
            return Int(statement.int64(at: 0))
        } catch let error as TriageError {
            guard let what else { throw error }
            throw error.replacingWhat(with: what)
        }
    }

    private func enableWriteAheadLog(timeout: Double) throws {
        // Switching the journal needs the file to itself and SQLite does not wait for
        // it with the busy handler: two processes opening a new queue at once would
        // collide. Try again until the busy timeout runs out.
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var mode = ""
        while true {
            do {
                let statement = try prepare("PRAGMA journal_mode = WAL")
                mode = try statement.step() ? statement.string(at: 0) : ""
                break
            } catch let error as TriageError {
                guard ContinuousClock.now < deadline else {
                    throw error.replacingWhat(with: "cannot switch \(name) to write-ahead logging")
                }
                usleep(20_000)
            }
        }

        // Some file systems (network mounts, mostly) cannot share the log's memory
        // map. SQLite then keeps its rollback journal, which still works, only with
        // writers blocking readers.
        if mode.lowercased() != "wal" {
            logger.debug(
                "write-ahead logging unavailable",
                ["store.path": path, "store.journal_mode": mode])
        }
    }

    // MARK: - Errors

    /// A `.store` error for a failure on this connection, with SQLite's message.
    func error(_ what: String, code: Int32) -> TriageError {
        SQLiteDatabase.error(
            what, code: code, connection: handle, path: path, name: name,
            busyTimeoutName: busyTimeoutName)
    }

    /// A `.store` error: what failed, SQLite's reason and codes, and a remedy where
    /// there is an obvious one.
    static func error(
        _ what: String, code: Int32, connection: OpaquePointer?, path: String,
        name: String, busyTimeoutName: String = "the busy timeout"
    ) -> TriageError {
        // Prefer the connection's message, which is specific ("no such table: x"),
        // and fall back to the generic text of the code.
        var extended = code
        var reason = String(cString: sqlite3_errstr(code))
        if let connection {
            extended = sqlite3_extended_errcode(connection)
            if extended & 0xff != code & 0xff { extended = code }
            reason = String(cString: sqlite3_errmsg(connection))
        }
        let primary = code & 0xff
        let codeText = "\(SQLiteDatabase.codeName(primary)), code \(extended)"
        return TriageError(
            .store, "\(what): \(reason) (\(codeText))",
            at: SourceLocation(file: path),
            remedy: remedy(forPrimaryCode: primary, name: name, busyTimeoutName: busyTimeoutName))
    }

    /// The remedy for a primary result code, when there is an obvious one.
    static func remedy(
        forPrimaryCode code: Int32, name: String, busyTimeoutName: String = "the busy timeout"
    ) -> String? {
        switch code {
        case SQLITE_BUSY, SQLITE_LOCKED:
            "\(name) is locked by another process; try again, or raise \(busyTimeoutName)"
        case SQLITE_NOTADB, SQLITE_CORRUPT:
            "the file is not a Triage review queue or is damaged; restore it from a "
                + "backup or move it aside"
        case SQLITE_READONLY, SQLITE_PERM:
            "check that you may write to the file and to its folder"
        case SQLITE_CANTOPEN:
            "check the path, and that you may read and write the file and its folder"
        case SQLITE_FULL:
            "free some disk space and try again"
        default:
            nil
        }
    }

    /// The C name of a primary result code, such as `SQLITE_BUSY`.
    static func codeName(_ code: Int32) -> String {
        let names: [Int32: String] = [
            SQLITE_ERROR: "SQLITE_ERROR", SQLITE_INTERNAL: "SQLITE_INTERNAL",
            SQLITE_PERM: "SQLITE_PERM", SQLITE_ABORT: "SQLITE_ABORT",
            SQLITE_BUSY: "SQLITE_BUSY", SQLITE_LOCKED: "SQLITE_LOCKED",
            SQLITE_NOMEM: "SQLITE_NOMEM", SQLITE_READONLY: "SQLITE_READONLY",
            SQLITE_INTERRUPT: "SQLITE_INTERRUPT", SQLITE_IOERR: "SQLITE_IOERR",
            SQLITE_CORRUPT: "SQLITE_CORRUPT", SQLITE_NOTFOUND: "SQLITE_NOTFOUND",
            SQLITE_FULL: "SQLITE_FULL", SQLITE_CANTOPEN: "SQLITE_CANTOPEN",
            SQLITE_PROTOCOL: "SQLITE_PROTOCOL", SQLITE_SCHEMA: "SQLITE_SCHEMA",
            SQLITE_TOOBIG: "SQLITE_TOOBIG", SQLITE_CONSTRAINT: "SQLITE_CONSTRAINT",
            SQLITE_MISMATCH: "SQLITE_MISMATCH", SQLITE_MISUSE: "SQLITE_MISUSE",
            SQLITE_NOLFS: "SQLITE_NOLFS", SQLITE_AUTH: "SQLITE_AUTH",
            SQLITE_RANGE: "SQLITE_RANGE", SQLITE_NOTADB: "SQLITE_NOTADB",
        ]
        return names[code] ?? "SQLite result \(code)"
    }

    private static func createParentFolder(of path: String, name: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true)
        } catch {
            throw TriageError(
                .store, "cannot create the folder for \(name)",
                at: SourceLocation(file: path),
                remedy: "check the path, and that you may write to its parent folder")
        }
    }
}

extension TriageError {
    /// The same error with the text before the first ": " of its message replaced,
    /// for a caller that knows better what was being done.
    fileprivate func replacingWhat(with what: String) -> TriageError {
        var copy = self
        if let range = message.firstRange(of: ": ") {
            copy.message = what + message[range.lowerBound...]
        }
        return copy
    }
}

/// Connections are used from one thread at a time.
@available(*, unavailable)
extension SQLiteDatabase: Sendable {}

import CSQLite

/// A compiled statement of one ``SQLiteDatabase``.
///
/// Bind parameters count from 1 and result columns from 0, as in SQLite's C API. Step
/// a statement until ``step()`` returns `false`, or ``reset()`` it, before running it
/// again.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer
    private let path: String
    private let name: String
    private let busyTimeoutName: String

    /// SQLite copies the bytes of bound text before the bind call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ handle: OpaquePointer, database: SQLiteDatabase) {
        self.handle = handle
        self.connection = sqlite3_db_handle(handle)
        self.path = database.path
        self.name = database.name
        self.busyTimeoutName = database.busyTimeoutName
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: - Binding

    /// Binds an integer, or NULL for `nil`.
    func bind(_ value: Int64?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        try check(sqlite3_bind_int64(handle, index, value))
    }

    /// Binds an integer, or NULL for `nil`.
    func bind(_ value: Int?, at index: Int32) throws {
        try bind(value.map { Int64($0) }, at: index)
    }

    /// Binds a double, or NULL for `nil`. SQLite stores NaN as NULL.
    func bind(_ value: Double?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Binds text, or NULL for `nil`. Text may contain NUL characters.
    func bind(_ value: String?, at index: Int32) throws {
        guard var value else { return try bindNull(at: index) }
        let status = value.withUTF8 { bytes -> Int32 in
            // An empty buffer may have no address, which SQLite would read as NULL.
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite3_bind_text(handle, index, "", 0, SQLiteStatement.transient)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text64(
                    handle, index, $0, sqlite3_uint64(bytes.count),
                    SQLiteStatement.transient, UInt8(SQLITE_UTF8))
            }
        }
        try check(status)
    }

    /// Binds NULL.
    func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    /// Sets every parameter back to NULL.
    func clearBindings() {
        sqlite3_clear_bindings(handle)
    }

    // MARK: - Running

    /// Runs the statement to its next row.
    ///
    /// - Returns: `true` when a row is ready to read, `false` when the statement is
    ///   done.
    /// - Throws: `.store` with SQLite's reason; the statement is reset.
    @discardableResult
    func step() throws -> Bool {
        let status = sqlite3_step(handle)
        switch status {
        case SQLITE_ROW:
            return true
        case SQLITE_DONE:
            return false
        default:
            let failure = error(status)
            sqlite3_reset(handle)
            throw failure
        }
    }

    /// Rewinds the statement so it can run again; bindings are kept.
    func reset() {
        // The result repeats the error of the last step, which `step` already threw.
        sqlite3_reset(handle)
    }

    // MARK: - Reading the current row

    /// Whether a column of the current row is NULL.
    func isNull(at column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    /// An integer column; NULL reads as 0.
    func int64(at column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// An integer column, or `nil` for NULL.
    func optionalInt64(at column: Int32) -> Int64? {
        isNull(at: column) ? nil : int64(at: column)
    }

    /// A real column; NULL reads as 0.
    func double(at column: Int32) -> Double {
        sqlite3_column_double(handle, column)
    }

    /// A real column, or `nil` for NULL.
    func optionalDouble(at column: Int32) -> Double? {
        isNull(at: column) ? nil : double(at: column)
    }

    /// A text column; NULL reads as the empty string.
    func string(at column: Int32) -> String {
        optionalString(at: column) ?? ""
    }

    /// A text column, or `nil` for NULL. Bytes that are not UTF-8 are repaired.
    func optionalString(at column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    // MARK: - Errors

    private func check(_ status: Int32) throws {
        guard status != SQLITE_OK else { return }
        throw error(status)
    }

    private func error(_ status: Int32) -> TriageError {
        let what =
            sqlite3_stmt_readonly(handle) != 0
            ? "cannot read \(name)" : "cannot write to \(name)"
        return SQLiteDatabase.error(
            what, code: status, connection: connection, path: path, name: name,
            busyTimeoutName: busyTimeoutName)
    }
}

/// Statements belong to their connection's thread.
@available(*, unavailable)
extension SQLiteStatement: Sendable {}

/// A value a statement parameter can take.
protocol SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) throws
}

extension Int64: SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) throws {
        try statement.bind(self, at: index)
    }
}

extension Double: SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) throws {
        try statement.bind(self, at: index)
    }
}

extension String: SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) throws {
        try statement.bind(self, at: index)
    }
}

extension Int: SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) throws {
        try statement.bind(self, at: index)
    }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    func bind(to statement: SQLiteStatement, at index: Int32) throws {
        if let value = self {
            try value.bind(to: statement, at: index)
        } else {
            try statement.bindNull(at: index)
        }
    }
}

extension SQLiteDatabase {
    /// Runs a cached statement that returns no rows, with its parameters in order.
    func run(_ sql: String, _ values: any SQLiteBindable...) throws {
        let statement = try self.statement(sql)
        defer { statement.reset() }
        for (offset, value) in values.enumerated() {
            try value.bind(to: statement, at: Int32(offset + 1))
        }
        _ = try statement.step()
    }
}

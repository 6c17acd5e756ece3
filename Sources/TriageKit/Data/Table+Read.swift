extension Table {
    /// Reads a whole file, or standard input for `-`, into memory.
    ///
    /// Every row has one cell per column, including JSON Lines rows read before a
    /// later record introduced a new key (their extra cells are `nil`). A CSV or TSV
    /// file with a header and no records gives a table with no rows.
    ///
    /// - Parameters:
    ///   - path: The file to read; `-` reads standard input.
    ///   - format: The format, or `nil` to infer it from the path's extension.
    /// - Throws: `TriageError.io` when the file cannot be opened or read;
    ///   `TriageError` with code `invalidData`, line and column for malformed data.
    /// - Complexity: O(*n*) in the size of the file.
    public static func read(path: String, format: TableFormat? = nil) throws -> Table {
        // Read every batch.
        let reader = try TableReader(path: path, format: format)
        var rows: [Row] = []
        while let batch = try reader.nextBatch(maxRows: 4096) {
            rows.append(contentsOf: batch)
        }

        // Bring early JSON Lines rows up to the final width.
        let width = reader.columns.count
        for index in rows.indices where rows[index].cells.count < width {
            let missing = width - rows[index].cells.count
            rows[index].cells.append(contentsOf: repeatElement(nil, count: missing))
        }
        return Table(source: reader.source, columns: reader.columns, rows: rows)
    }
}

/// The file formats Triage reads examples and inputs from.
public enum TableFormat: String, Sendable, CaseIterable {
    /// Comma-separated values with a header row, quoted as RFC 4180 describes.
    case csv
    /// Tab-separated values with a header row. Fields are taken literally: quote
    /// characters are text, as spreadsheet and database exports write them.
    case tsv
    /// One JSON object per line; keys are column names.
    case jsonLines
    /// One input per line, no header: a single column named `text`.
    case lines

    /// The format a path's extension implies: `.csv`, `.tsv`, `.jsonl` (or `.ndjson`),
    /// and `lines` for anything else.
    public static func inferred(fromPath path: String) -> TableFormat {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".tsv") || lower.hasSuffix(".tab") { return .tsv }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonLines }
        return .lines
    }
}

/// One record of a table.
public struct Row: Sendable, Equatable {
    /// Cells aligned with the table's columns; `nil` is a missing value (a JSON
    /// `null`, or a key the object does not have).
    public var cells: [String?]
    /// The line the record starts on, counting from 1.
    public var line: Int

    public init(cells: [String?], line: Int) {
        self.cells = cells
        self.line = line
    }

    /// The cell in column `index`, or `nil` when the row has no such cell.
    ///
    /// A JSON Lines row read before a later record introduced a new key is shorter
    /// than the final column list; its missing trailing cells are missing values.
    public func cell(at index: Int) -> String? {
        cells.indices.contains(index) ? cells[index] : nil
    }
}

/// A whole file read into memory.
public struct Table: Sendable {
    /// The path the table was read from, or `-` for standard input.
    public var source: String
    public var columns: [String]
    public var rows: [Row]

    public init(source: String, columns: [String], rows: [Row]) {
        self.source = source
        self.columns = columns
        self.rows = rows
    }

    /// The position of a column, or `nil` when the table has no such column.
    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex(of: name)
    }
}

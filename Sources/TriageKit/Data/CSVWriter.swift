/// Writes tables as RFC 4180 CSV: a field is quoted when it holds a comma, a quote or
/// a line break, and quotes inside it are doubled. Missing values are empty fields.
public enum CSVWriter {
    /// One field, quoted if needed.
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        var quoted = "\""
        for character in text {
            quoted.append(character)
            if character == "\"" { quoted.append("\"") }
        }
        return quoted + "\""
    }

    /// A header row and the given rows, each line ending in LF.
    public static func bytes(columns: [String], rows: [Row]) -> [UInt8] {
        var text = columns.map(field).joined(separator: ",") + "\n"
        for row in rows {
            text += columns.indices.map { field(row.cell(at: $0) ?? "") }.joined(separator: ",")
            text += "\n"
        }
        return Array(text.utf8)
    }

    /// Writes a CSV file atomically: a partial file is never visible.
    public static func write(columns: [String], rows: [Row], to path: String) throws {
        try FileIO.replace(path, with: bytes(columns: columns, rows: rows))
    }

    /// Writes several CSV files, replacing none until every one is written: a file
    /// that cannot be written (a missing folder, a full disk) leaves all of them as
    /// they were. Errors name the files given.
    ///
    /// - Throws: `.io` naming the file that failed.
    public static func write(
        _ files: [(path: String, columns: [String], rows: [Row])]
    ) throws {
        try FileIO.replaceAll(files.map(\.path)) { index in
            bytes(columns: files[index].columns, rows: files[index].rows)
        }
    }
}

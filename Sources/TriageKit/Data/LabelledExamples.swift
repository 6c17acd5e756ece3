import FoundationEssentials

/// Rows of input columns with their labels, as training, calibration and evaluation
/// use them.
public struct LabelledExamples: Sendable {
    /// Input column names; every row has one cell per column.
    public private(set) var columns: [String]
    public private(set) var rows: [[String?]]
    public private(set) var labels: [String]
    /// The review case each example came from, or `nil` for examples from files.
    public private(set) var cases: [Int64?]
    /// Where each example was read, for error messages; `nil` for stored ones.
    public private(set) var locations: [SourceLocation?]
    /// How much each example counts in training, 1 unless a weight column says
    /// otherwise.
    public private(set) var weights: [Float]

    public init(columns: [String]) {
        self.columns = columns
        rows = []
        labels = []
        cases = []
        locations = []
        weights = []
    }

    /// Examples with one text column named `column`.
    public init(texts: [String], labels: [String], column: String = "text") {
        precondition(texts.count == labels.count, "\(texts.count) texts for \(labels.count) labels")
        self.init(columns: [column])
        for (text, label) in zip(texts, labels) { append(row: [text], label: label) }
    }

    public var count: Int { rows.count }

    public mutating func append(
        row: [String?], label: String, case id: Int64? = nil, location: SourceLocation? = nil,
        weight: Float = 1
    ) {
        precondition(
            row.count == columns.count, "a row of \(row.count) cells for \(columns.count) columns")
        rows.append(row)
        labels.append(label)
        cases.append(id)
        locations.append(location)
        weights.append(weight)
    }

    /// Appends another set's examples, matching columns by name: columns only one
    /// side has are missing on the other.
    public mutating func append(contentsOf other: LabelledExamples) {
        for column in other.columns where !columns.contains(column) {
            columns.append(column)
            for index in rows.indices { rows[index].append(nil) }
        }
        let positions = columns.map { other.columns.firstIndex(of: $0) }
        for index in 0..<other.count {
            let row = positions.map { position in position.flatMap { other.rows[index][$0] } }
            append(
                row: row, label: other.labels[index], case: other.cases[index],
                location: other.locations[index], weight: other.weights[index])
        }
    }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabelledExamples {
        var result = LabelledExamples(columns: columns)
        for index in indices {
            result.append(
                row: rows[index], label: labels[index], case: cases[index],
                location: locations[index], weight: weights[index])
        }
        return result
    }

    /// The same examples with their columns renamed, in order.
    public func renamed(to names: [String]) -> LabelledExamples {
        precondition(
            names.count == columns.count, "\(names.count) names for \(columns.count) columns")
        var result = self
        result.columns = names
        return result
    }

    /// The rows rearranged to `names`, missing columns as missing cells.
    public func rows(for names: [String]) -> [[String?]] {
        let positions = names.map { columns.firstIndex(of: $0) }
        return rows.map { row in positions.map { $0.flatMap { row[$0] } } }
    }

    /// Reads labelled examples from a CSV, TSV or JSON Lines file.
    ///
    /// - Parameters:
    ///   - inputColumns: the columns to keep, or `nil` for every column but the label,
    ///     the weight and `ignoring`.
    ///   - weightColumn: a column of positive numbers weighting each example.
    ///   - inputColumnsOption: the option that names the input columns, for the
    ///     remedy when one is missing: `--text` where it renames a model's text
    ///     column, `--columns` where the user chose them.
    /// - Throws: `TriageError` `.invalidData` naming the file, line and problem (a
    ///   missing column, a row without a label, no rows at all), or `.io`.
    public static func read(
        path: String, labelColumn: String = "label", inputColumns: [String]? = nil,
        ignoring: Set<String> = [], weightColumn: String? = nil, format: TableFormat? = nil,
        inputColumnsOption: String = "--text"
    ) throws -> LabelledExamples {
        let format = format ?? TableFormat.inferred(fromPath: path)
        guard format != .lines else {
            throw TriageError.invalidData(
                "labelled data must be a .csv, .tsv or .jsonl file", at: SourceLocation(file: path),
                remedy: "give the file one of those extensions and a header naming the columns")
        }
        let table = try Table.read(path: path, format: format)
        let labelIndex = try column(labelColumn, in: table, option: "--label")
        let weightIndex = try weightColumn.map { try column($0, in: table, option: "--weight") }
        let names =
            inputColumns
            ?? table.columns.filter {
                $0 != labelColumn && $0 != weightColumn && !ignoring.contains($0)
            }
        let positions = try names.map {
            try column($0, in: table, option: inputColumnsOption)
        }
        guard !names.isEmpty else {
            throw TriageError.invalidData(
                "no input columns besides the label \"\(labelColumn)\"",
                at: SourceLocation(file: path))
        }

        var examples = LabelledExamples(columns: names)
        for row in table.rows {
            let location = SourceLocation(file: path, line: row.line)
            guard let label = row.cell(at: labelIndex), !label.allSatisfy(\.isWhitespace) else {
                throw TriageError.invalidData(
                    "row has no label in column \"\(labelColumn)\"", at: location,
                    remedy: "label every row, or remove unlabelled ones")
            }
            var weight: Float = 1
            if let weightIndex, let weightColumn {
                guard let value = InputColumn.number(row.cell(at: weightIndex)), value > 0,
                    value < 1e30
                else {
                    throw TriageError.invalidData(
                        "the weight in column \"\(weightColumn)\" is not a positive number",
                        at: location, remedy: "give every row a weight above 0")
                }
                weight = Float(value)
            }
            examples.append(
                row: positions.map { row.cell(at: $0) }, label: label, location: location,
                weight: weight)
        }
        guard examples.count > 0 else {
            throw TriageError.invalidData("file has no examples", at: SourceLocation(file: path))
        }
        return examples
    }

    /// The position of a required column, or an error listing the columns there are.
    static func column(_ name: String, in table: Table, option: String) throws -> Int {
        guard let index = table.columnIndex(name) else {
            let known = table.columns.map { "\"\($0)\"" }.joined(separator: ", ")
            throw TriageError.invalidData(
                "no column \"\(name)\"; the columns are \(known)",
                at: SourceLocation(file: table.source),
                remedy: "name the column with \(option)")
        }
        return index
    }

    /// One stored example: the form a model version keeps its data in.
    private struct Stored: Codable {
        var input: [String: String?]
        var label: String
        var `case`: Int64?
        var weight: Float?
    }

    /// The examples as JSON Lines, one `{"input": {…}, "label": …, "case": …,
    /// "weight": …}` object per example (`case` only for reviewed ones, `weight` only
    /// when not 1).
    public func jsonLines() -> [UInt8] {
        var writer = JSONWriter()
        for index in 0..<count {
            writer.beginObject()
            if let id = cases[index] {
                writer.key("case")
                writer.value(id)
            }
            writer.key("input")
            writer.beginObject()
            for (column, cell) in zip(columns, rows[index]) {
                writer.key(column)
                if let cell { writer.value(cell) } else { writer.null() }
            }
            writer.endObject()
            writer.key("label")
            writer.value(labels[index])
            if weights[index] != 1 {
                writer.key("weight")
                writer.value(Double(weights[index]), places: 7)
            }
            writer.endObject()
            writer.newline()
        }
        return writer.bytes
    }

    /// Reads examples written by `jsonLines()`, with the given columns.
    static func readStored(path: String, columns: [String]) throws -> LabelledExamples {
        let bytes = try FileIO.read(path)
        var examples = LabelledExamples(columns: columns)
        let decoder = JSONDecoder()
        var line = 0
        for slice in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            line += 1
            guard !slice.isEmpty else { continue }
            guard let stored = try? decoder.decode(Stored.self, from: Data(slice)) else {
                throw TriageError(
                    .modelCorrupt, "stored example cannot be read",
                    at: SourceLocation(file: path, line: line),
                    remedy: "retrain from the original files with `triage train`")
            }
            examples.append(
                row: columns.map { stored.input[$0] ?? nil }, label: stored.label,
                case: stored.case, weight: stored.weight ?? 1)
        }
        return examples
    }
}

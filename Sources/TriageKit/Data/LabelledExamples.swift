/// Texts with their labels, as training and calibration use them.
public struct LabelledExamples: Sendable {
    public var texts: [String]
    public var labels: [String]
    /// The review case each example came from, or `nil` for examples from files.
    public var cases: [Int64?]

    public init(texts: [String] = [], labels: [String] = [], cases: [Int64?]? = nil) {
        precondition(texts.count == labels.count, "\(texts.count) texts for \(labels.count) labels")
        self.texts = texts
        self.labels = labels
        self.cases = cases ?? [Int64?](repeating: nil, count: texts.count)
    }

    public var count: Int { texts.count }

    public mutating func append(text: String, label: String, case id: Int64? = nil) {
        texts.append(text)
        labels.append(label)
        cases.append(id)
    }

    public mutating func append(contentsOf other: LabelledExamples) {
        texts.append(contentsOf: other.texts)
        labels.append(contentsOf: other.labels)
        cases.append(contentsOf: other.cases)
    }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabelledExamples {
        LabelledExamples(
            texts: indices.map { texts[$0] }, labels: indices.map { labels[$0] },
            cases: indices.map { cases[$0] })
    }

    /// Reads labelled examples from a CSV, TSV or JSON Lines file.
    ///
    /// A missing text cell reads as empty text. A row without a label is an error, as
    /// is a file without the named columns or without any rows.
    ///
    /// - Throws: `TriageError` `.invalidData` naming the file, line and problem, or
    ///   `.io` when the file cannot be read.
    public static func read(
        path: String, textColumn: String = "text", labelColumn: String = "label",
        format: TableFormat? = nil
    ) throws -> LabelledExamples {
        let format = format ?? TableFormat.inferred(fromPath: path)
        guard format != .lines else {
            throw TriageError.invalidData(
                "labelled data must be a .csv, .tsv or .jsonl file", at: SourceLocation(file: path),
                remedy: "give the file one of those extensions and a header naming the text and label columns")
        }
        let table = try Table.read(path: path, format: format)
        let textIndex = try column(textColumn, in: table, option: "--text")
        let labelIndex = try column(labelColumn, in: table, option: "--label")

        var examples = LabelledExamples()
        examples.texts.reserveCapacity(table.rows.count)
        examples.labels.reserveCapacity(table.rows.count)
        for row in table.rows {
            let label = labelIndex < row.cells.count ? row.cells[labelIndex] : nil
            guard let label, !label.allSatisfy({ $0.isWhitespace }) else {
                throw TriageError.invalidData(
                    "row has no label in column \"\(labelColumn)\"",
                    at: SourceLocation(file: path, line: row.line),
                    remedy: "label every row, or remove unlabelled ones")
            }
            let text = textIndex < row.cells.count ? row.cells[textIndex] ?? "" : ""
            examples.append(text: text, label: label)
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
                "no column \"\(name)\"; the columns are \(known)", at: SourceLocation(file: table.source),
                remedy: "name the column with \(option)")
        }
        return index
    }

    /// The examples as JSON Lines with keys `text`, `label` and, for reviewed cases,
    /// `case`: the form a model version stores its data in.
    public func jsonLines() -> [UInt8] {
        var writer = JSONWriter()
        for index in 0..<count {
            writer.beginObject()
            if let id = cases[index] {
                writer.key("case")
                writer.value(id)
            }
            writer.key("label")
            writer.value(labels[index])
            writer.key("text")
            writer.value(texts[index])
            writer.endObject()
            writer.newline()
        }
        return writer.bytes
    }

    /// Reads examples stored by `jsonLines()`.
    static func readStored(path: String) throws -> LabelledExamples {
        let table = try Table.read(path: path, format: .jsonLines)
        var examples = LabelledExamples()
        guard !table.rows.isEmpty else { return examples }
        let textIndex = try column("text", in: table, option: "--text")
        let labelIndex = try column("label", in: table, option: "--label")
        let caseIndex = table.columnIndex("case")
        for row in table.rows {
            func cell(_ index: Int?) -> String? {
                guard let index, index < row.cells.count else { return nil }
                return row.cells[index]
            }
            guard let label = cell(labelIndex) else {
                throw TriageError(.modelCorrupt, "stored example has no label",
                    at: SourceLocation(file: path, line: row.line))
            }
            examples.append(text: cell(textIndex) ?? "", label: label, case: cell(caseIndex).flatMap { Int64($0) })
        }
        return examples
    }
}

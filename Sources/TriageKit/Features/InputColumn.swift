/// What kind of values an input column holds, which decides its features.
public enum ColumnKind: String, Codable, Sendable, CaseIterable {
    /// Free text: word and character n-grams, TF-IDF weighted.
    case text
    /// Numbers: standardised by the training mean and deviation.
    case numeric
    /// A small set of values: one indicator per value seen in training.
    case categorical
}

/// An input column of a model, with what training learned about it.
public struct InputColumn: Codable, Sendable, Equatable {
    public var name: String
    public var kind: ColumnKind
    /// Numeric columns: the training mean, which also fills missing values.
    public var mean: Double?
    /// Numeric columns: the training standard deviation (1 when constant).
    public var deviation: Double?

    public init(name: String, kind: ColumnKind, mean: Double? = nil, deviation: Double? = nil) {
        self.name = name
        self.kind = kind
        self.mean = mean
        self.deviation = deviation
    }

    /// A cell as a number, or `nil` when missing, empty or not a finite number.
    static func number(_ cell: String?) -> Double? {
        guard let cell else { return nil }
        let trimmed = cell.trimmingWhitespace()
        guard !trimmed.isEmpty, let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }

    /// Whether a cell counts as missing for a numeric or categorical column.
    static func isMissing(_ cell: String?) -> Bool {
        guard let cell else { return true }
        return cell.allSatisfy(\.isWhitespace)
    }
}

/// Decides each input column's kind from the training data, unless forced, and
/// learns the statistics numeric columns need.
public enum ColumnTyping {
    /// Types the columns of `examples`.
    ///
    /// A column is numeric when every present value is a number; categorical when it
    /// has few distinct values (at most 50, and at most a tenth of the rows or 10) of
    /// short length (40 characters on average); text otherwise.
    ///
    /// - Parameter forced: kinds the user chose, by column name.
    /// - Throws: `invalidData` when a column forced to be numeric holds a value that
    ///   is not a number, naming the file and line.
    public static func infer(
        _ examples: LabelledExamples, forced: [String: ColumnKind] = [:]
    ) throws -> [InputColumn] {
        try examples.columns.enumerated().map { index, name in
            let cells = examples.rows.map { $0[index] }
            let kind = forced[name] ?? guessKind(cells)
            guard kind == .numeric else { return InputColumn(name: name, kind: kind) }

            // Mean and deviation over present values; a bad value is an error only
            // here, at training, where the user can fix the data.
            var sum = 0.0
            var squares = 0.0
            var count = 0.0
            for (row, cell) in cells.enumerated() where !InputColumn.isMissing(cell) {
                guard let value = InputColumn.number(cell) else {
                    throw TriageError.invalidData(
                        "column \"\(name)\" is numeric but this row's value is not a number",
                        at: examples.locations[row],
                        remedy:
                            "fix the value, leave it empty for missing, or type the column with --categorical"
                    )
                }
                sum += value
                squares += value * value
                count += 1
            }
            let mean = count > 0 ? sum / count : 0
            let variance = count > 1 ? max(0, squares / count - mean * mean) : 0
            let deviation = variance > 1e-24 ? variance.squareRoot() : 1
            return InputColumn(name: name, kind: .numeric, mean: mean, deviation: deviation)
        }
    }

    private static func guessKind(_ cells: [String?]) -> ColumnKind {
        let present = cells.filter { !InputColumn.isMissing($0) }.compactMap { $0 }
        guard !present.isEmpty else { return .categorical }
        if present.allSatisfy({ InputColumn.number($0) != nil }) { return .numeric }
        let distinct = Set(present).count
        let averageLength = Double(present.reduce(0) { $0 + $1.count }) / Double(present.count)
        let limit = min(50, max(10, cells.count / 10))
        return distinct <= limit && averageLength <= 40 ? .categorical : .text
    }
}

extension String {
    /// The string without leading and trailing whitespace.
    func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<max(start, end)]
    }
}

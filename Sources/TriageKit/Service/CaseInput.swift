import FoundationEssentials

/// The identity and display of an input in the review queue.
///
/// A case's input is a JSON object of the model's input columns, keys sorted and
/// missing cells as `null`: two deferrals of the same row give the same text, so they
/// join one case, and a retrain can rebuild the row from it.
public enum CaseInput {
    /// The canonical JSON of a row aligned with `columns`.
    public static func canonical(_ row: [String?], columns: [String]) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        for index in columns.indices.sorted(by: { columns[$0] < columns[$1] }) {
            writer.key(columns[index])
            if let cell = row[index] { writer.value(cell) } else { writer.null() }
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// What a reviewer reads: the text itself for a model with one text input,
    /// otherwise `name: value` per column, text columns last.
    public static func display(_ row: [String?], inputs: [InputColumn]) -> String {
        if inputs.count == 1 { return row[0] ?? "" }
        let order = inputs.indices.sorted {
            (inputs[$0].kind == .text ? 1 : 0, $0) < (inputs[$1].kind == .text ? 1 : 0, $1)
        }
        return order.map { "\(inputs[$0].name): \(row[$0] ?? "(missing)")" }.joined(separator: "; ")
    }

    /// The row of `columns` stored in a case.
    ///
    /// - Throws: `store` when the stored input is not a JSON object of strings.
    public static func row(of reviewCase: ReviewCase, columns: [String]) throws -> [String?] {
        guard
            let object = try? JSONDecoder().decode(
                [String: String?].self, from: Data(reviewCase.input.utf8))
        else {
            throw TriageError(
                .store, "case \(reviewCase.id) holds an input that cannot be read",
                remedy: "answer it again after re-classifying the input")
        }
        return columns.map { object[$0] ?? nil }
    }
}

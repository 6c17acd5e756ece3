import FoundationEssentials

/// What each kind of mistake costs, and what a human review costs, in one unit.
///
/// Read from a JSON file:
///
///     {
///       "review": 0.2,
///       "error": 1,
///       "errors": {"ham": {"spam": 10}, "spam": {"ham": 1}}
///     }
///
/// `errors[true][predicted]` is the cost of predicting `predicted` when the truth is
/// `true`; pairs not listed cost `error` (1 when absent); a right answer costs 0.
public struct CostMatrix: Codable, Sendable, Equatable {
    public var review: Double
    public var error: Double?
    public var errors: [String: [String: Double]]
    /// The file the costs came from, for messages; not stored.
    public var source: String?

    private enum CodingKeys: String, CodingKey {
        case review, error, errors
    }

    public init(review: Double, error: Double? = nil, errors: [String: [String: Double]] = [:]) {
        self.review = review
        self.error = error
        self.errors = errors
    }

    public static func == (lhs: CostMatrix, rhs: CostMatrix) -> Bool {
        lhs.review == rhs.review && lhs.error == rhs.error && lhs.errors == rhs.errors
    }

    /// The cost of predicting `predicted` when the truth is `truth`.
    public func cost(truth: String, predicted: String) -> Double {
        truth == predicted ? 0 : errors[truth]?[predicted] ?? error ?? 1
    }

    /// Reads a costs file.
    ///
    /// - Throws: `invalidData` for unreadable JSON or a negative cost, naming the file.
    public static func read(path: String) throws -> CostMatrix {
        let bytes = try FileIO.read(path)
        var costs: CostMatrix
        do {
            costs = try JSONDecoder().decode(CostMatrix.self, from: Data(bytes))
        } catch {
            throw TriageError.invalidData(
                "the costs file cannot be read: \(ModelRegistry.describe(error))",
                at: SourceLocation(file: path),
                remedy: #"write {"review": 0.2, "errors": {"true label": {"predicted": 5}}}"#)
        }
        costs.source = path
        let all = [costs.review, costs.error ?? 1] + costs.errors.values.flatMap(\.values)
        guard all.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw TriageError.invalidData(
                "every cost must be a number of 0 or more", at: SourceLocation(file: path))
        }
        return costs
    }

    /// Checks that the costs name only labels the model knows.
    public func checkLabels(_ labels: [String]) throws {
        let known = Set(labels)
        for (truth, row) in errors {
            for predicted in row.keys where !known.contains(truth) || !known.contains(predicted) {
                throw TriageError.invalidData(
                    "the costs name a label the model does not know: \""
                        + (known.contains(truth) ? predicted : truth) + "\"",
                    at: source.map { SourceLocation(file: $0) },
                    remedy: "use the model's labels (`triage models show` lists them)")
            }
        }
    }
}

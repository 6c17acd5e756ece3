/// A trained classifier: features, a linear model, the calibration map and the
/// confidence threshold below which inputs go to people.
public struct Classifier: Sendable {
    public let labels: [String]
    public let featurizer: Featurizer
    public let model: LinearModel
    /// Maps logits to calibrated probabilities.
    public let calibrator: Calibrator
    /// Calibrated confidence at or above which a prediction is automated; `nil`
    /// defers everything.
    public let threshold: Double?

    public init(
        labels: [String], featurizer: Featurizer, model: LinearModel,
        calibrator: Calibrator, threshold: Double?
    ) {
        precondition(
            labels.count == model.classCount,
            "\(labels.count) labels for a model of \(model.classCount) classes")
        precondition(
            featurizer.vocabulary.count == model.featureCount,
            "a vocabulary of \(featurizer.vocabulary.count) for a model of \(model.featureCount) features"
        )
        self.labels = labels
        self.featurizer = featurizer
        self.model = model
        self.calibrator = calibrator
        self.threshold = threshold
    }

    /// The model's input columns, in the order rows must give them.
    public var inputs: [InputColumn] { featurizer.inputs }

    /// Raw logits of every row (cells aligned with `inputs`), row-major by label.
    public func logits(_ rows: [[String?]]) -> [Float] {
        model.logits(featurizer.transform(rows))
    }

    /// Calibrated probabilities of every row, row-major by label.
    public func probabilities(_ rows: [[String?]]) -> [Double] {
        calibrator.probabilities(logits(rows), classCount: labels.count)
    }

    /// The best labels of each row, most probable first, with calibrated
    /// probabilities.
    ///
    /// - Parameter top: how many labels to keep per row.
    public func predict(_ rows: [[String?]], top: Int = 4) -> [[LabelProbability]] {
        score(rows, top: top).ranked
    }

    /// The best labels of each row, and how many of its features the model knows
    /// (0 means the input shares nothing with the training data).
    ///
    /// - Complexity: O(rows × (features × labels + labels × top)), on all cores.
    public func score(
        _ rows: [[String?]], top: Int = 4
    ) -> (ranked: [[LabelProbability]], knownFeatures: [Int]) {
        // One pass per core over its own rows: features, logits, calibration and
        // ranking stay in that core's cache and need no barrier in between.
        let classCount = labels.count
        let keep = min(max(1, top), classCount)
        let chunks = Parallel.chunks(count: rows.count, minimumChunk: 128)
        let pieces = Parallel.map(chunks) { range -> ([[LabelProbability]], [Int]) in
            let features = featurizer.transform(Array(rows[range]), parallel: false)
            let logits = model.logits(features, parallel: false)
            var probabilities = [Double](repeating: 0, count: classCount)
            var best = [Int](repeating: 0, count: keep)
            let ranked = logits.withUnsafeBufferPointer { logits in
                (0..<range.count).map { row in
                    let slice = UnsafeBufferPointer(
                        rebasing: logits[(row * classCount)..<((row + 1) * classCount)])
                    probabilities.withUnsafeMutableBufferPointer {
                        calibrator.probabilities(slice, into: $0)
                    }
                    let found = Self.top(keep, of: probabilities, into: &best)
                    return (0..<found).map {
                        LabelProbability(
                            label: labels[best[$0]], probability: probabilities[best[$0]])
                    }
                }
            }
            let known = (0..<features.rowCount).map {
                features.rowOffsets[$0 + 1] - features.rowOffsets[$0]
            }
            return (ranked, known)
        }
        return (pieces.flatMap(\.0), pieces.flatMap(\.1))
    }

    /// The indices of the `k` largest values, largest first, by insertion into a
    /// short sorted list: one pass, no allocation. Ties keep the lower index first.
    private static func top(_ k: Int, of values: [Double], into best: inout [Int]) -> Int {
        var found = 0
        for index in values.indices {
            let value = values[index]
            if found == k && value <= values[best[k - 1]] { continue }
            var position = min(found, k - 1)
            while position > 0 && values[best[position - 1]] < value {
                best[position] = best[position - 1]
                position -= 1
            }
            best[position] = index
            found = min(found + 1, k)
        }
        return found
    }

    /// Whether a calibrated confidence is high enough to decide automatically.
    @inline(__always)
    public func isAutomated(confidence: Double) -> Bool {
        guard let threshold else { return false }
        return confidence >= threshold
    }
}

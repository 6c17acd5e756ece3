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
        precondition(labels.count == model.classCount,
            "\(labels.count) labels for a model of \(model.classCount) classes")
        precondition(featurizer.vocabulary.count == model.featureCount,
            "a vocabulary of \(featurizer.vocabulary.count) for a model of \(model.featureCount) features")
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
    public func score(_ rows: [[String?]], top: Int = 4) -> (ranked: [[LabelProbability]], knownFeatures: [Int]) {
        let features = featurizer.transform(rows)
        let known = (0..<features.rowCount).map { features.rowOffsets[$0 + 1] - features.rowOffsets[$0] }
        let probabilities = calibrator.probabilities(model.logits(features), classCount: labels.count)
        return (rank(probabilities, rows: rows.count, top: top), known)
    }

    private func rank(_ probabilities: [Double], rows: Int, top: Int) -> [[LabelProbability]] {
        let classCount = labels.count
        let keep = min(top, classCount)
        return (0..<rows).map { row in
            let base = row * classCount
            // Partial selection: `keep` is small, so repeated maxima beat a sort.
            var chosen: [Int] = []
            chosen.reserveCapacity(keep)
            for _ in 0..<keep {
                var best = -1
                for c in 0..<classCount where !chosen.contains(c) {
                    if best < 0 || probabilities[base + c] > probabilities[base + best] { best = c }
                }
                chosen.append(best)
            }
            return chosen.map { LabelProbability(label: labels[$0], probability: probabilities[base + $0]) }
        }
    }

    /// Whether a calibrated confidence is high enough to decide automatically.
    @inline(__always)
    public func isAutomated(confidence: Double) -> Bool {
        guard let threshold else { return false }
        return confidence >= threshold
    }
}

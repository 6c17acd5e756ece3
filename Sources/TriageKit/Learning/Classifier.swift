/// A trained classifier: text features, a linear model, the calibrating temperature
/// and the confidence threshold below which inputs go to people.
public struct Classifier: Sendable {
    public let labels: [String]
    public let featurizer: TextFeaturizer
    public let model: LinearModel
    /// Maps logits to calibrated probabilities.
    public let calibrator: Calibrator
    /// Calibrated confidence at or above which a prediction is automated; `nil`
    /// defers everything.
    public let threshold: Double?

    public init(
        labels: [String], featurizer: TextFeaturizer, model: LinearModel,
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

    /// Calibrated probabilities of every text, row-major by label.
    public func probabilities(_ texts: [String]) -> [Double] {
        let logits = model.logits(featurizer.transform(texts))
        return calibrator.probabilities(logits, classCount: labels.count)
    }

    /// The best labels of each text, most probable first, with calibrated
    /// probabilities.
    ///
    /// - Parameter top: how many labels to keep per text.
    public func predict(_ texts: [String], top: Int = 4) -> [[LabelProbability]] {
        let classCount = labels.count
        let probabilities = probabilities(texts)
        let keep = min(top, classCount)
        return (0..<texts.count).map { row in
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

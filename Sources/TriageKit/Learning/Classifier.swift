/// One input scored and decided.
public struct ScoredInput: Sendable, Equatable {
    /// The most probable labels with calibrated probabilities, most probable first;
    /// at least the requested number, and every label of a conformal set.
    public var ranked: [LabelProbability]
    public var decision: RuleDecision
    /// Share of the input's words and values the training data knew.
    public var familiarity: Double

    /// The calibrated probability of `label` when it is among the ranked labels,
    /// else of the most probable one. The decided label is not always the most
    /// probable (the cost policy picks the cheapest), so its confidence is its own.
    public func probability(of label: String) -> Double {
        ranked.first { $0.label == label }?.probability ?? ranked[0].probability
    }
}

/// A trained classifier: features, a linear model, the calibration map and the rule
/// that decides which inputs go to people.
public struct Classifier: Sendable {
    public let labels: [String]
    public let featurizer: Featurizer
    public let model: LinearModel
    /// Maps logits to calibrated probabilities.
    public let calibrator: Calibrator
    public let deferral: DeferralRule
    /// The cost policy's costs, dense, prepared once.
    private let costMatrix: [Double]?

    public init(
        labels: [String], featurizer: Featurizer, model: LinearModel,
        calibrator: Calibrator, deferral: DeferralRule
    ) {
        precondition(
            labels.count == model.classCount,
            "\(labels.count) labels for a model of \(model.classCount) classes")
        precondition(
            featurizer.vocabulary.count == model.featureCount,
            "a vocabulary of \(featurizer.vocabulary.count) for \(model.featureCount) features")
        self.labels = labels
        self.featurizer = featurizer
        self.model = model
        self.calibrator = calibrator
        self.deferral = deferral
        self.costMatrix = deferral.denseCosts(labels: labels)
    }

    /// The same classifier with another deferral rule.
    public func with(deferral: DeferralRule) -> Classifier {
        Classifier(
            labels: labels, featurizer: featurizer, model: model, calibrator: calibrator,
            deferral: deferral)
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

    /// Calibrated probabilities and familiarity of every row.
    public func probabilitiesAndFamiliarity(_ rows: [[String?]]) -> ([Double], [Double]) {
        let (features, familiarity) = featurizer.transformMeasuringFamiliarity(rows)
        return (
            calibrator.probabilities(model.logits(features), classCount: labels.count), familiarity
        )
    }

    /// The best labels of each row, most probable first, with calibrated
    /// probabilities.
    ///
    /// - Parameter top: how many labels to keep per row.
    public func predict(_ rows: [[String?]], top: Int = 4) -> [[LabelProbability]] {
        decide(rows, top: top).map(\.ranked)
    }

    /// Scores and decides every row under the model's deferral rule.
    ///
    /// - Complexity: O(rows × (features × labels + labels × top)), on all cores.
    public func decide(_ rows: [[String?]], top: Int = 4) -> [ScoredInput] {
        // One pass per core over its own rows: features, logits, calibration, the
        // rule and ranking stay in that core's cache with no barrier in between.
        let classCount = labels.count
        let keep = min(max(1, top), classCount)
        let chunks = Parallel.chunks(count: rows.count, minimumChunk: 128)
        let pieces = Parallel.map(chunks) { range -> [ScoredInput] in
            let (features, familiarity) = featurizer.transformMeasuringFamiliarity(
                Array(rows[range]), parallel: false)
            let logits = model.logits(features, parallel: false)
            var probabilities = [Double](repeating: 0, count: classCount)
            var best = [Int](repeating: 0, count: classCount)
            return logits.withUnsafeBufferPointer { logits in
                (0..<range.count).map { row in
                    let slice = UnsafeBufferPointer(
                        rebasing: logits[(row * classCount)..<((row + 1) * classCount)])
                    return probabilities.withUnsafeMutableBufferPointer { probabilities in
                        calibrator.probabilities(slice, into: probabilities)
                        let decision = deferral.decide(
                            UnsafeBufferPointer(probabilities), familiarity: familiarity[row],
                            costMatrix: costMatrix)
                        let found = Self.top(
                            max(keep, decision.set.count), of: probabilities, into: &best)
                        let ranked = (0..<found).map {
                            LabelProbability(
                                label: labels[best[$0]], probability: probabilities[best[$0]])
                        }
                        return ScoredInput(
                            ranked: ranked, decision: decision, familiarity: familiarity[row])
                    }
                }
            }
        }
        return Array(pieces.joined())
    }

    /// The indices of the `k` largest values, largest first, by insertion into a
    /// short sorted list: one pass, no allocation. Ties keep the lower index first.
    private static func top(
        _ k: Int, of values: UnsafeMutableBufferPointer<Double>, into best: inout [Int]
    ) -> Int {
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
}

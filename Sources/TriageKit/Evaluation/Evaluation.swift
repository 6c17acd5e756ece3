/// How a model does on labelled data: overall, per label, calibrated, and at its
/// deferral threshold.
public struct Evaluation: Sendable, Codable {
    public struct LabelFigures: Sendable, Codable {
        public var label: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        /// Examples whose true label this is.
        public var support: Int
    }

    public struct Confusion: Sendable, Codable {
        public var truth: String
        public var predicted: String
        public var count: Int
    }

    public var examples: Int
    /// Examples whose label the model has never seen; they count as errors.
    public var unknownLabels: Int
    public var accuracy: Double
    public var macroPrecision: Double
    public var macroRecall: Double
    public var macroF1: Double
    /// Expected calibration error (15 equal-width bins) of the raw and calibrated
    /// confidences.
    public var calibrationErrorBefore: Double
    public var calibrationError: Double
    /// The same with 15 bins of equal counts.
    public var adaptiveCalibrationErrorBefore: Double
    public var adaptiveCalibrationError: Double
    /// Mean log-loss of the true label over examples with a known one, before and
    /// after calibration; `nil` when no example has a label the model knows.
    public var negativeLogLikelihoodBefore: Double?
    public var negativeLogLikelihood: Double?
    public var brierScoreBefore: Double
    public var brierScore: Double
    /// Area under the risk–coverage curve; lower is better.
    public var riskCoverageArea: Double
    /// The model's threshold, `nil` when it defers everything.
    public var threshold: Double?
    /// Share decided automatically at the threshold.
    public var coverage: Double
    /// Accuracy of the automated decisions; `nil` when there are none.
    public var automatedAccuracy: Double?
    public var perLabel: [LabelFigures]
    /// The most frequent mistakes, most frequent first.
    public var confusions: [Confusion]
    /// Reliability diagrams (15 equal-width bins) before and after calibration.
    public var reliabilityBefore: [ReliabilityBin]
    public var reliability: [ReliabilityBin]
    /// The risk–coverage curve of calibrated confidences, at most 200 points.
    public var riskCoverage: [RiskCoveragePoint]
    public var confusionMatrix: ConfusionMatrix
    /// The out-of-scope protocol's figures, when it was asked for.
    public var outOfScope: OutOfScopeEvaluation? = nil

    /// Evaluates a classifier on labelled examples.
    ///
    /// - Complexity: O(examples × labels).
    public static func run(_ classifier: Classifier, on examples: LabelledExamples) -> Evaluation {
        let labels = classifier.labels
        let classCount = labels.count
        let classOf = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, Int32($0)) })
        let targets = examples.labels.map { classOf[$0] ?? -1 }

        let logits = classifier.logits(examples.rows(for: classifier.inputs.map(\.name)))
        let raw = Softmax.probabilities(logits, classCount: classCount, temperature: 1)
        let calibrated = classifier.calibrator.probabilities(logits, classCount: classCount)
        let before = ScoredPredictions(probabilities: raw, classCount: classCount, targets: targets)
        let after = ScoredPredictions(
            probabilities: calibrated, classCount: classCount, targets: targets)
        let atThreshold = ConfidenceThreshold.apply(
            classifier.threshold, confidences: after.confidences, correct: after.correct)

        // Per-label counts. Unknown true labels are errors under their own name.
        var truePositive = [Int](repeating: 0, count: classCount)
        var predictedCount = [Int](repeating: 0, count: classCount)
        var support = [Int](repeating: 0, count: classCount)
        var mistakes: [String: [String: Int]] = [:]
        for (row, target) in targets.enumerated() {
            let predicted = Int(after.predicted[row])
            predictedCount[predicted] += 1
            if target >= 0 { support[Int(target)] += 1 }
            if target == Int32(predicted) {
                truePositive[predicted] += 1
            } else {
                mistakes[examples.labels[row], default: [:]][labels[predicted], default: 0] += 1
            }
        }
        var perLabel: [LabelFigures] = []
        for c in 0..<classCount where support[c] > 0 || predictedCount[c] > 0 {
            let precision =
                predictedCount[c] == 0 ? 0 : Double(truePositive[c]) / Double(predictedCount[c])
            let recall = support[c] == 0 ? 0 : Double(truePositive[c]) / Double(support[c])
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            perLabel.append(
                LabelFigures(
                    label: labels[c], precision: precision, recall: recall, f1: f1,
                    support: support[c]))
        }
        let supported = perLabel.filter { $0.support > 0 }
        func mean(_ values: [Double]) -> Double {
            values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
        }
        let confusions = mistakes.flatMap { truth, row in
            row.map { Confusion(truth: truth, predicted: $0.key, count: $0.value) }
        }.sorted { ($0.count, $1.truth, $1.predicted) > ($1.count, $0.truth, $0.predicted) }

        let anyKnown = targets.contains { $0 >= 0 }
        let (curve, area) = EvaluationCurves.riskCoverage(
            confidences: after.confidences, correct: after.correct)
        return Evaluation(
            examples: examples.count, unknownLabels: targets.filter { $0 < 0 }.count,
            accuracy: after.accuracy,
            macroPrecision: mean(supported.map(\.precision)),
            macroRecall: mean(supported.map(\.recall)),
            macroF1: mean(supported.map(\.f1)),
            calibrationErrorBefore: CalibrationMetrics.expectedCalibrationError(
                confidences: before.confidences, correct: before.correct),
            calibrationError: CalibrationMetrics.expectedCalibrationError(
                confidences: after.confidences, correct: after.correct),
            adaptiveCalibrationErrorBefore: EvaluationCurves.adaptiveCalibrationError(
                confidences: before.confidences, correct: before.correct),
            adaptiveCalibrationError: EvaluationCurves.adaptiveCalibrationError(
                confidences: after.confidences, correct: after.correct),
            negativeLogLikelihoodBefore: anyKnown
                ? CalibrationMetrics.negativeLogLikelihood(
                    probabilities: raw, classCount: classCount, targets: targets) : nil,
            negativeLogLikelihood: anyKnown
                ? CalibrationMetrics.negativeLogLikelihood(
                    probabilities: calibrated, classCount: classCount, targets: targets) : nil,
            brierScoreBefore: CalibrationMetrics.brierScore(
                probabilities: raw, classCount: classCount, targets: targets),
            brierScore: CalibrationMetrics.brierScore(
                probabilities: calibrated, classCount: classCount, targets: targets),
            riskCoverageArea: area,
            threshold: classifier.threshold, coverage: atThreshold.coverage,
            automatedAccuracy: atThreshold.automatedAccuracy, perLabel: perLabel,
            confusions: Array(confusions.prefix(20)),
            reliabilityBefore: EvaluationCurves.reliability(
                confidences: before.confidences, correct: before.correct),
            reliability: EvaluationCurves.reliability(
                confidences: after.confidences, correct: after.correct),
            riskCoverage: curve,
            confusionMatrix: EvaluationCurves.confusion(
                truths: examples.labels, predicted: after.predicted, labels: labels))
    }
}

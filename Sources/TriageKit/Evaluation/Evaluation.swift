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
    public var policy: DeferralPolicy
    /// The threshold policy's threshold, `nil` when it defers everything or another
    /// policy decides.
    public var threshold: Double?
    /// Share decided automatically under the model's deferral rule.
    public var coverage: Double
    /// Accuracy of the automated decisions; `nil` when there are none.
    public var automatedAccuracy: Double?
    /// Deferred examples by reason.
    public var deferredByReason: [String: Int]
    /// Conformal policy: share of examples whose prediction set holds the true
    /// label, and the mean set size.
    public var setCoverage: Double?
    public var meanSetSize: Double?
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

        // Decisions under the model's deferral rule: coverage, automated accuracy,
        // reasons, and for conformal sets how often they hold the truth.
        let decided = classifier.decide(examples.rows(for: classifier.inputs.map(\.name)), top: 1)
        var automated = 0
        var automatedRight = 0
        var reasons: [String: Int] = [:]
        var covered = 0
        var setSizes = 0
        for (row, scored) in decided.enumerated() {
            let decision = scored.decision
            if decision.automated {
                automated += 1
                if Int32(decision.label) == targets[row] { automatedRight += 1 }
            } else if let reason = decision.reason {
                reasons[reason.rawValue, default: 0] += 1
            }
            if classifier.deferral.policy == .conformal {
                setSizes += decision.set.count
                if decision.set.contains(where: { Int32($0) == targets[row] }) { covered += 1 }
            }
        }
        let count = max(1, decided.count)
        let isConformal = classifier.deferral.policy == .conformal

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
            policy: classifier.deferral.policy, threshold: classifier.deferral.threshold,
            coverage: Double(automated) / Double(count),
            automatedAccuracy: automated == 0 ? nil : Double(automatedRight) / Double(automated),
            deferredByReason: reasons,
            setCoverage: isConformal ? Double(covered) / Double(count) : nil,
            meanSetSize: isConformal ? Double(setSizes) / Double(count) : nil,
            perLabel: perLabel,
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

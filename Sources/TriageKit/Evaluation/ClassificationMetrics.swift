/// Each example's top prediction, its confidence and whether it was right.
public struct ScoredPredictions: Sendable {
    /// Predicted class per example.
    public var predicted: [Int32]
    /// Probability of the predicted class.
    public var confidences: [Double]
    /// Whether the prediction matches the true label. An example whose true label the
    /// model does not know is never right.
    public var correct: [Bool]

    public init(predicted: [Int32], confidences: [Double], correct: [Bool]) {
        self.predicted = predicted
        self.confidences = confidences
        self.correct = correct
    }

    /// Scores row-major probabilities against targets (-1 for unknown labels).
    public init(probabilities: [Double], classCount: Int, targets: [Int32]) {
        let rows = targets.count
        precondition(
            probabilities.count == rows * classCount,
            "\(probabilities.count) probabilities for \(rows) rows of \(classCount) classes")
        predicted = []
        confidences = []
        correct = []
        predicted.reserveCapacity(rows)
        confidences.reserveCapacity(rows)
        correct.reserveCapacity(rows)
        for row in 0..<rows {
            var best = 0
            let base = row * classCount
            for c in 1..<max(1, classCount)
            where probabilities[base + c] > probabilities[base + best] {
                best = c
            }
            predicted.append(Int32(best))
            confidences.append(probabilities[base + best])
            correct.append(targets[row] == Int32(best))
        }
    }

    public var count: Int { predicted.count }

    /// Share of examples predicted right; 0 for none.
    public var accuracy: Double {
        count == 0 ? 0 : Double(correct.lazy.filter { $0 }.count) / Double(count)
    }
}

/// Calibration figures.
public enum CalibrationMetrics {
    /// Expected calibration error with equal-width confidence bins: the mean over
    /// examples of |accuracy − mean confidence| in each one's bin (Naeini et al., 2015).
    ///
    /// A confidence of exactly 1 falls into the last bin.
    public static func expectedCalibrationError(
        confidences: [Double], correct: [Bool], bins: Int = 15
    ) -> Double {
        precondition(
            confidences.count == correct.count && bins > 0,
            "ECE needs as many outcomes as confidences and at least one bin")
        guard !confidences.isEmpty else { return 0 }
        let reliability = EvaluationCurves.reliability(
            confidences: confidences, correct: correct, bins: bins)
        let gaps = reliability.map { Double($0.count) * abs($0.accuracy - $0.meanConfidence) }
        return gaps.reduce(0, +) / Double(confidences.count)
    }

    /// Mean negative log-likelihood of the true class, over examples with a known label;
    /// probabilities are clipped at 1e-15 so a confident mistake costs about 34.5, not
    /// infinity.
    public static func negativeLogLikelihood(
        probabilities: [Double], classCount: Int, targets: [Int32]
    ) -> Double {
        var total = 0.0
        var known = 0
        for (row, target) in targets.enumerated() where target >= 0 {
            total -= logClipped(probabilities[row * classCount + Int(target)])
            known += 1
        }
        return known == 0 ? 0 : total / Double(known)
    }

    /// Mean multi-class Brier score: Σ_c (p_c − y_c)², between 0 and 2. An example
    /// whose label the model does not know has y all zero plus a missed unit, so it
    /// scores Σ p_c² + 1.
    public static func brierScore(
        probabilities: [Double], classCount: Int, targets: [Int32]
    ) -> Double {
        guard !targets.isEmpty else { return 0 }
        var total = 0.0
        for (row, target) in targets.enumerated() {
            let base = row * classCount
            for c in 0..<classCount {
                let truth: Double = Int32(c) == target ? 1 : 0
                let difference = probabilities[base + c] - truth
                total += difference * difference
            }
            if target < 0 { total += 1 }
        }
        return total / Double(targets.count)
    }

    private static func logClipped(_ p: Double) -> Double {
        logarithm(max(p, 1e-15))
    }
}

/// One bin of a reliability diagram.
public struct ReliabilityBin: Sendable, Codable, Equatable {
    /// The bin's confidence range.
    public var lower: Double
    public var upper: Double
    public var count: Int
    /// Mean confidence and accuracy of its examples; 0 when empty.
    public var meanConfidence: Double
    public var accuracy: Double
}

/// A point of the risk–coverage curve: deciding the `coverage` most confident share
/// automatically makes errors at rate `risk` among them.
public struct RiskCoveragePoint: Sendable, Codable, Equatable {
    public var coverage: Double
    public var risk: Double
    /// The confidence of the least confident example accepted at this coverage.
    public var threshold: Double
}

/// Confusion counts between true and predicted labels.
public struct ConfusionMatrix: Sendable, Codable, Equatable {
    /// Row labels: the true labels seen, the model's first, then unknown ones.
    public var truths: [String]
    /// Column labels: the model's labels.
    public var predictions: [String]
    /// `counts[t][p]`: examples of true label `truths[t]` predicted `predictions[p]`.
    public var counts: [[Int]]
}

/// Curves and binned figures behind the numbers, for reports and plots.
public enum EvaluationCurves {
    /// Equal-width reliability bins over [0, 1].
    public static func reliability(
        confidences: [Double], correct: [Bool], bins: Int = 15
    ) -> [ReliabilityBin] {
        var count = [Int](repeating: 0, count: bins)
        var confidenceSum = [Double](repeating: 0, count: bins)
        var correctSum = [Double](repeating: 0, count: bins)
        for (confidence, isCorrect) in zip(confidences, correct) {
            let bin = min(bins - 1, max(0, Int(confidence * Double(bins))))
            count[bin] += 1
            confidenceSum[bin] += confidence
            correctSum[bin] += isCorrect ? 1 : 0
        }
        return (0..<bins).map { (bin: Int) -> ReliabilityBin in
            let size = Double(max(1, count[bin]))
            return ReliabilityBin(
                lower: Double(bin) / Double(bins), upper: Double(bin + 1) / Double(bins),
                count: count[bin], meanConfidence: confidenceSum[bin] / size,
                accuracy: correctSum[bin] / size)
        }
    }

    /// Expected calibration error over bins of equal counts rather than equal widths
    /// ("adaptive" ECE, Nixon et al., 2019): each bin holds about n/bins examples in
    /// confidence order, so crowded high-confidence regions are resolved finely.
    public static func adaptiveCalibrationError(
        confidences: [Double], correct: [Bool], bins: Int = 15
    ) -> Double {
        let n = confidences.count
        guard n > 0 else { return 0 }
        let order = confidences.indices.sorted { confidences[$0] < confidences[$1] }
        var error = 0.0
        for bin in 0..<min(bins, n) {
            let range = (n * bin / min(bins, n))..<(n * (bin + 1) / min(bins, n))
            guard !range.isEmpty else { continue }
            var confidenceSum = 0.0
            var correctSum = 0.0
            for position in range {
                confidenceSum += confidences[order[position]]
                correctSum += correct[order[position]] ? 1 : 0
            }
            error += abs(correctSum - confidenceSum)
        }
        return error / Double(n)
    }

    /// The risk–coverage curve, most confident first, and its area (AURC: the mean
    /// risk over every coverage level; lower is better, 0 when the model ranks every
    /// error below every correct answer and makes none).
    ///
    /// - Parameter points: at most this many points are returned, evenly spaced in
    ///   coverage; the area uses every example.
    public static func riskCoverage(
        confidences: [Double], correct: [Bool], points: Int = 200
    ) -> (curve: [RiskCoveragePoint], area: Double) {
        let n = confidences.count
        guard n > 0 else { return ([], 0) }
        let order = confidences.indices.sorted { confidences[$0] > confidences[$1] }
        var errors = 0
        var area = 0.0
        var curve: [RiskCoveragePoint] = []
        let step = max(1, n / max(1, points))
        for (position, index) in order.enumerated() {
            if !correct[index] { errors += 1 }
            let accepted = position + 1
            let risk = Double(errors) / Double(accepted)
            area += risk
            if accepted % step == 0 || accepted == n {
                curve.append(
                    RiskCoveragePoint(
                        coverage: Double(accepted) / Double(n), risk: risk,
                        threshold: confidences[index]))
            }
        }
        return (curve, area / Double(n))
    }

    /// Confusion counts. `truths` are row labels, unknown to the model or not.
    public static func confusion(
        truths: [String], predicted: [Int32], labels: [String]
    ) -> ConfusionMatrix {
        let known = Set(labels)
        var rowLabels = labels.filter { Set(truths).contains($0) }
        rowLabels.append(contentsOf: Array(Set(truths).subtracting(known)).sorted())
        let rowOf = Dictionary(uniqueKeysWithValues: rowLabels.enumerated().map { ($1, $0) })
        var counts = [[Int]](
            repeating: [Int](repeating: 0, count: labels.count), count: rowLabels.count)
        for (truth, prediction) in zip(truths, predicted) {
            if let row = rowOf[truth] { counts[row][Int(prediction)] += 1 }
        }
        return ConfusionMatrix(truths: rowLabels, predictions: labels, counts: counts)
    }
}

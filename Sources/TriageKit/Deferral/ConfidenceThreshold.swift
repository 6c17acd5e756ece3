/// What the deferral rule chose on the calibration split.
public struct ThresholdChoice: Sendable, Equatable, Codable {
    /// Inputs whose calibrated confidence is at least this are decided automatically.
    /// `nil` means no threshold reached the target, and every input is deferred.
    public var threshold: Double?
    /// Share of calibration examples at or above the threshold.
    public var coverage: Double
    /// Accuracy among those examples; `nil` when there are none.
    public var automatedAccuracy: Double?
    /// How many calibration examples are at or above the threshold.
    public var accepted: Int

    public init(threshold: Double?, coverage: Double, automatedAccuracy: Double?, accepted: Int) {
        self.threshold = threshold
        self.coverage = coverage
        self.automatedAccuracy = automatedAccuracy
        self.accepted = accepted
    }
}

/// The plain deferral rule: decide automatically when the calibrated confidence is at
/// least a threshold, chosen as the lowest one at which the calibration examples above
/// it are at least as accurate as the target.
///
/// "Lowest" maximises coverage. Examples with equal confidence are accepted or
/// deferred together, so only distinct confidence values are candidates. The rule
/// promises the target on the calibration split only; on new data the automated
/// accuracy varies around it by sampling error.
public enum ConfidenceThreshold {
    /// Chooses the threshold.
    ///
    /// - Complexity: O(*n* log *n*).
    ///
    /// - Parameter minimumAccepted: thresholds reached by fewer calibration examples
    ///   than this are not candidates.
    public static func choose(
        confidences: [Double], correct: [Bool], targetAccuracy: Double, minimumAccepted: Int = 1
    ) -> ThresholdChoice {
        precondition(
            confidences.count == correct.count,
            "\(confidences.count) confidences for \(correct.count) outcomes")
        let total = confidences.count
        let order = confidences.indices.sorted { confidences[$0] > confidences[$1] }

        // Walk from the most confident down, closing a group at each new value.
        var best: ThresholdChoice?
        var accepted = 0
        var right = 0
        var position = 0
        while position < total {
            let value = confidences[order[position]]
            while position < total && confidences[order[position]] == value {
                accepted += 1
                right += correct[order[position]] ? 1 : 0
                position += 1
            }
            let accuracy = Double(right) / Double(accepted)
            if accuracy >= targetAccuracy && accepted >= minimumAccepted {
                best = ThresholdChoice(
                    threshold: value, coverage: Double(accepted) / Double(total),
                    automatedAccuracy: accuracy, accepted: accepted)
            }
        }
        return best
            ?? ThresholdChoice(
                threshold: nil, coverage: 0, automatedAccuracy: nil, accepted: 0)
    }

    /// Coverage and accuracy of a given threshold on scored examples.
    public static func apply(
        _ threshold: Double?, confidences: [Double], correct: [Bool]
    ) -> ThresholdChoice {
        guard let threshold, !confidences.isEmpty else {
            return ThresholdChoice(
                threshold: threshold, coverage: 0, automatedAccuracy: nil, accepted: 0)
        }
        var accepted = 0
        var right = 0
        for (confidence, isCorrect) in zip(confidences, correct) where confidence >= threshold {
            accepted += 1
            right += isCorrect ? 1 : 0
        }
        return ThresholdChoice(
            threshold: threshold, coverage: Double(accepted) / Double(confidences.count),
            automatedAccuracy: accepted == 0 ? nil : Double(right) / Double(accepted),
            accepted: accepted)
    }
}

/// Whether a retrained version replaces the current one.
public enum PromotionRule: String, Sendable, CaseIterable {
    /// The new version becomes current whatever it scores.
    case always
    /// It becomes current only when it is not worse than the current version on the
    /// chosen metric by more than the tolerance.
    case ifBetter = "if-better"
    /// It is published but never made current; `triage models promote` can.
    case never
}

/// The figure champion and challenger are compared on, each measured on the same
/// held-out examples with each model's own calibration and deferral rule.
public enum ComparisonMetric: String, Sendable, CaseIterable {
    /// Accuracy of every prediction.
    case accuracy
    /// Accuracy of the decisions the model would automate.
    case automatedAccuracy = "automated-accuracy"
    /// Share of examples the model would decide without a person.
    case coverage
    /// Expected calibration error; lower is better.
    case calibrationError = "calibration-error"

    public var higherIsBetter: Bool { self != .calibrationError }

    /// The metric's value in an evaluation; `nil` when it is undefined there (no
    /// automated decision, for automated accuracy).
    public func value(in evaluation: Evaluation) -> Double? {
        switch self {
        case .accuracy: evaluation.accuracy
        case .automatedAccuracy: evaluation.automatedAccuracy
        case .coverage: evaluation.coverage
        case .calibrationError: evaluation.calibrationError
        }
    }
}

/// Champion and challenger evaluated side by side, and the verdict.
public struct ChallengerJudgement: Sendable {
    public var champion: Evaluation
    public var challenger: Evaluation
    public var metric: ComparisonMetric
    public var tolerance: Double
    public var rule: PromotionRule
    public var promote: Bool
    /// The verdict in one sentence, for people.
    public var reason: String

    /// Evaluates both classifiers on `examples` and applies `rule`.
    ///
    /// Under `ifBetter`, the challenger is promoted when its score is no worse than
    /// the champion's by more than `tolerance` (in the metric's own units), and
    /// refused when it is worse, when the metric cannot be measured for it while
    /// it can for the champion, or when it would automate nothing where the champion
    /// automates something.
    public static func judge(
        champion: Classifier, challenger: Classifier, on examples: LabelledExamples,
        metric: ComparisonMetric, tolerance: Double, rule: PromotionRule
    ) -> ChallengerJudgement {
        let old = Evaluation.run(champion, on: examples)
        let new = Evaluation.run(challenger, on: examples)
        let before = metric.value(in: old)
        let after = metric.value(in: new)
        var promote: Bool
        var reason: String
        switch rule {
        case .always:
            promote = true
            reason = "promoted: --promote always"
        case .never:
            promote = false
            reason = "kept the current version: --promote never"
        case .ifBetter:
            switch (before, after) {
            case (_, nil) where before != nil:
                promote = false
                reason = "kept the current version: the new one's \(metric.rawValue) is undefined"
            case (let before?, let after?):
                let change = metric.higherIsBetter ? after - before : before - after
                promote = change >= -tolerance
                let verb = change > 0 ? "better" : change < 0 ? "worse" : "no different"
                let amount = String(rounded(abs(after - before), places: 4))
                reason =
                    promote
                    ? "promoted: \(metric.rawValue) \(verb) by \(amount)"
                        + (change < 0 ? ", within the tolerance \(tolerance)" : "")
                    : "kept the current version: the new one's \(metric.rawValue) is worse by "
                        + "\(amount), beyond the tolerance \(tolerance)"
            default:
                promote = true
                reason = "promoted: \(metric.rawValue) is undefined for the current version"
            }
            // A score as good means nothing from a model that hands every input to
            // people, as one with no threshold reaching its target does.
            if promote && old.coverage > 0 && new.coverage == 0 {
                promote = false
                reason = "kept the current version: the new one would decide nothing on its own"
            }
        }
        return ChallengerJudgement(
            champion: old, challenger: new, metric: metric, tolerance: tolerance, rule: rule,
            promote: promote, reason: reason)
    }
}

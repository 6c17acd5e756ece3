/// What answered audits say about the accuracy of automated decisions.
///
/// Audits are a uniform random sample of automated decisions, so the share of them
/// reviewers confirmed estimates the real automated accuracy without the bias of
/// deferred cases (which are the hard ones by construction).
public struct AuditEstimate: Sendable, Equatable, Codable {
    public var answered: Int
    public var pending: Int
    /// Answered audits whose answer matched the automated label.
    public var confirmed: Int
    /// `confirmed / answered`; `nil` with no answered audit.
    public var accuracy: Double?
    /// Two-sided Clopper–Pearson interval at `level`.
    public var lower: Double?
    public var upper: Double?
    public var level: Double
    public var targetAccuracy: Double

    /// The estimate from a model's audit cases.
    public static func from(
        cases: [ReviewCase], targetAccuracy: Double, level: Double = 0.95
    ) -> AuditEstimate {
        let audits = cases.filter { $0.reason == .audit }
        let answered = audits.filter { $0.status == .answered }
        let confirmed = answered.filter { $0.answer == $0.predicted }.count
        var estimate = AuditEstimate(
            answered: answered.count, pending: audits.count - answered.count,
            confirmed: confirmed, accuracy: nil, lower: nil, upper: nil, level: level,
            targetAccuracy: targetAccuracy)
        guard !answered.isEmpty else { return estimate }
        let n = answered.count
        let errors = n - confirmed
        let tail = (1 - level) / 2
        estimate.accuracy = Double(confirmed) / Double(n)
        // Upper bounds on the error rate and on the accuracy, each one-sided at half
        // the level's complement.
        estimate.lower = 1 - RiskBound.upper(errors: errors, trials: n, delta: tail)
        estimate.upper = RiskBound.upper(errors: confirmed, trials: n, delta: tail)
        return estimate
    }

    /// Whether the audits show, at their level, accuracy below the target.
    public var isBelowTarget: Bool { upper.map { $0 < targetAccuracy } ?? false }
}

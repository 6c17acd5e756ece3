/// How a model decides what to defer.
public enum DeferralPolicy: String, Codable, Sendable, CaseIterable {
    /// Automate when the calibrated confidence reaches a threshold.
    case threshold
    /// Automate when the split-conformal prediction set holds exactly one label.
    case conformal
    /// Automate when the cheapest answer is expected to cost less than a review.
    case cost
}

/// What the user asks of deferral, before it is fitted to a calibration split.
public struct DeferralSettings: Sendable, Equatable {
    public var policy: DeferralPolicy
    /// Accuracy automated decisions must reach (threshold policy).
    public var targetAccuracy: Double
    /// With it, the threshold promises the target with this probability (a binomial
    /// bound); without it, the target holds on the calibration split only.
    public var confidence: Double?
    /// The largest share of inputs to defer, least confident first.
    public var maxDeferRate: Double?
    /// Miscoverage of conformal prediction sets: they hold the true label with
    /// probability at least 1 − alpha.
    public var alpha: Double?
    public var costs: CostMatrix?
    /// Share of automated decisions also sent to review as audits.
    public var auditRate: Double

    public init(
        policy: DeferralPolicy = .threshold, targetAccuracy: Double = 0.95,
        confidence: Double? = nil, maxDeferRate: Double? = nil, alpha: Double? = nil,
        costs: CostMatrix? = nil, auditRate: Double = 0
    ) {
        self.policy = policy
        self.targetAccuracy = targetAccuracy
        self.confidence = confidence
        self.maxDeferRate = maxDeferRate
        self.alpha = alpha
        self.costs = costs
        self.auditRate = auditRate
    }

    /// Checks the settings and their combinations before any work starts.
    public func validate() throws {
        guard targetAccuracy > 0, targetAccuracy <= 1 else {
            throw TriageError.invalidArgument(
                "the target accuracy must be in (0, 1], got \(targetAccuracy)")
        }
        if let confidence, !(confidence > 0 && confidence < 1) {
            throw TriageError.invalidArgument("the confidence must be in (0, 1), got \(confidence)")
        }
        if let maxDeferRate, !(maxDeferRate >= 0 && maxDeferRate <= 1) {
            throw TriageError.invalidArgument(
                "the largest deferral rate must be in [0, 1], got \(maxDeferRate)")
        }
        guard auditRate >= 0, auditRate <= 1 else {
            throw TriageError.invalidArgument("the audit rate must be in [0, 1], got \(auditRate)")
        }
        switch policy {
        case .threshold:
            guard alpha == nil, costs == nil else {
                throw TriageError.invalidArgument(
                    "alpha belongs to the conformal policy and costs to the cost policy",
                    remedy: "choose the policy with --policy conformal or --policy cost")
            }
        case .conformal:
            guard let alpha, alpha > 0, alpha < 1 else {
                throw TriageError.invalidArgument(
                    "the conformal policy needs an alpha in (0, 1)", remedy: "add --alpha 0.05")
            }
            guard confidence == nil, maxDeferRate == nil, costs == nil else {
                throw TriageError.invalidArgument(
                    "the conformal policy takes alpha alone, not a confidence, budget or costs")
            }
        case .cost:
            guard costs != nil else {
                throw TriageError.invalidArgument(
                    "the cost policy needs the costs", remedy: "add --costs FILE")
            }
            guard confidence == nil, maxDeferRate == nil, alpha == nil else {
                throw TriageError.invalidArgument(
                    "the cost policy takes costs alone, not a confidence, budget or alpha")
            }
        }
    }
}

/// Why one input is or is not automated.
public struct RuleDecision: Sendable, Equatable {
    /// The label decided or suggested.
    public var label: Int
    public var automated: Bool
    public var reason: DeferralReason?
    /// The conformal prediction set, most probable first; empty for other policies.
    public var set: [Int]
}

/// A fitted deferral rule: the settings and what the calibration split taught them.
///
/// Inputs the training data barely knows (a share of known words and values below
/// `familiarityFloor`) are deferred as out of distribution whatever the policy says:
/// a model's confidence on them is not evidence.
public struct DeferralRule: Codable, Sendable, Equatable {
    public var policy: DeferralPolicy
    public var targetAccuracy: Double
    public var confidence: Double?
    public var maxDeferRate: Double?
    public var alpha: Double?
    public var costs: CostMatrix?
    public var auditRate: Double
    /// Threshold policy: inputs at or above it are automated; `nil` defers all.
    public var threshold: Double?
    /// With a confidence: the upper bound on the error rate at the threshold.
    public var riskBound: Double?
    /// Conformal policy: a label is in the set when its probability is at least
    /// 1 − this.
    public var conformalQuantile: Double?
    public var familiarityFloor: Double

    /// A rule that only applies a threshold.
    public init(targetAccuracy: Double, threshold: Double?) {
        policy = .threshold
        self.targetAccuracy = targetAccuracy
        auditRate = 0
        self.threshold = threshold
        familiarityFloor = 0
    }

    /// The settings the rule was fitted from.
    public var settings: DeferralSettings {
        DeferralSettings(
            policy: policy, targetAccuracy: targetAccuracy, confidence: confidence,
            maxDeferRate: maxDeferRate, alpha: alpha, costs: costs, auditRate: auditRate)
    }

    /// The cost policy's costs as a dense row-major matrix, `[truth × predicted]`, for
    /// `decide`; `nil` for other policies.
    public func denseCosts(labels: [String]) -> [Double]? {
        guard policy == .cost, let costs else { return nil }
        var matrix = [Double](repeating: 0, count: labels.count * labels.count)
        for (i, truth) in labels.enumerated() {
            for (j, predicted) in labels.enumerated() {
                matrix[i * labels.count + j] = costs.cost(truth: truth, predicted: predicted)
            }
        }
        return matrix
    }

    /// Decides one input from its calibrated probabilities and familiarity.
    ///
    /// - Parameter costMatrix: `denseCosts(labels:)`, computed once per model.
    @inline(__always)
    public func decide(
        _ probabilities: UnsafeBufferPointer<Double>, familiarity: Double, costMatrix: [Double]?
    ) -> RuleDecision {
        var best = 0
        for c in 1..<probabilities.count where probabilities[c] > probabilities[best] { best = c }
        if familiarity < familiarityFloor || familiarity == 0 {
            return RuleDecision(label: best, automated: false, reason: .outOfDistribution, set: [])
        }

        switch policy {
        case .threshold:
            let automated = threshold.map { probabilities[best] >= $0 } ?? false
            return RuleDecision(
                label: best, automated: automated, reason: automated ? nil : .lowConfidence,
                set: [])

        case .conformal:
            let floor = 1 - (conformalQuantile ?? 1)
            var set: [Int] = []
            for c in 0..<probabilities.count where probabilities[c] >= floor { set.append(c) }
            set.sort { probabilities[$0] > probabilities[$1] }
            let automated = set.count == 1
            return RuleDecision(
                label: automated ? set[0] : best, automated: automated,
                reason: automated ? nil : .setSize, set: set)

        case .cost:
            guard let costs, let costMatrix else {
                return RuleDecision(label: best, automated: false, reason: .cost, set: [])
            }
            // Chow's rule: the answer with the least expected cost, or a review when
            // even that costs more.
            let count = probabilities.count
            var cheapest = best
            var least = Double.infinity
            for j in 0..<count {
                var expected = 0.0
                for i in 0..<count { expected += probabilities[i] * costMatrix[i * count + j] }
                if expected < least {
                    least = expected
                    cheapest = j
                }
            }
            let automated = least <= costs.review
            return RuleDecision(
                label: cheapest, automated: automated, reason: automated ? nil : .cost, set: [])
        }
    }
}

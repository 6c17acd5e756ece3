/// How a fitted rule does on the calibration split it was fitted on.
public struct DeferralReport: Sendable, Equatable {
    /// Share of calibration examples automated.
    public var coverage: Double
    /// Accuracy of those automated; `nil` when none are.
    public var automatedAccuracy: Double?
    /// Things the user should hear: an unreachable target, a budget that overrides it.
    public var notes: [String]
}

extension DeferralRule {
    /// The fewest calibration examples a plain threshold trusts: a threshold that only
    /// a handful of examples reach says nothing about new data.
    public static let minimumAccepted = 20

    /// Fits a rule to a calibration split.
    ///
    /// - Parameters:
    ///   - probabilities: calibrated, row-major by label.
    ///   - targets: each example's class, -1 for a label the model does not know
    ///     (an error whatever is predicted).
    ///   - familiarity: each example's share of known words and values.
    /// - Throws: `training` when a guarantee is asked for and the split is too small
    ///   to promise the target even with no errors at all.
    public static func fit(
        _ settings: DeferralSettings, probabilities: [Double], classCount: Int, targets: [Int32],
        familiarity: [Double], labels: [String]
    ) throws -> (DeferralRule, DeferralReport) {
        try settings.validate()
        try settings.costs?.checkLabels(labels)
        var rule = DeferralRule(targetAccuracy: settings.targetAccuracy, threshold: nil)
        rule.policy = settings.policy
        rule.confidence = settings.confidence
        rule.maxDeferRate = settings.maxDeferRate
        rule.alpha = settings.alpha
        rule.costs = settings.costs
        rule.auditRate = settings.auditRate
        var notes: [String] = []
        let n = targets.count

        // Out of distribution: below the 1st percentile of the calibration split's
        // familiarity, and never above one half, so ordinary inputs pass.
        let sortedFamiliarity = familiarity.sorted()
        let percentile = sortedFamiliarity.isEmpty ? 0 : sortedFamiliarity[n / 100]
        rule.familiarityFloor = min(0.5, percentile)

        let scored = ScoredPredictions(
            probabilities: probabilities, classCount: classCount, targets: targets)
        switch settings.policy {
        case .threshold:
            // The threshold is chosen among the inputs it will decide: those deferred
            // as out of distribution whatever their confidence would otherwise count
            // towards an accuracy the automated ones do not have.
            let familiar = (0..<n).filter {
                familiarity[$0] >= rule.familiarityFloor && familiarity[$0] > 0
            }
            let candidates =
                familiar.count == n
                ? scored
                : ScoredPredictions(
                    predicted: familiar.map { scored.predicted[$0] },
                    confidences: familiar.map { scored.confidences[$0] },
                    correct: familiar.map { scored.correct[$0] })
            let (threshold, bound, note) = try fitThreshold(
                settings, candidates, budgetOver: scored)
            rule.threshold = threshold
            rule.riskBound = bound
            if let note { notes.append(note) }

        case .conformal:
            // Split conformal with the score 1 − p(true label): the ⌈(n+1)(1−α)⌉-th
            // smallest score (Vovk et al.; Angelopoulos and Bates, 2021).
            let alpha = settings.alpha ?? 0.05
            let scores = targets.enumerated().map { row, target in
                target < 0 ? 1.0 : 1 - probabilities[row * classCount + Int(target)]
            }.sorted()
            let rank = Int((Double(n + 1) * (1 - alpha)).rounded(.up))
            rule.conformalQuantile = rank > n || n == 0 ? 1 : scores[rank - 1]

        case .cost:
            break
        }

        let report = Self.report(
            rule, probabilities: probabilities, classCount: classCount, targets: targets,
            familiarity: familiarity, labels: labels, notes: notes)
        return (rule, report)
    }

    /// What a rule does on a calibration split.
    static func report(
        _ rule: DeferralRule, probabilities: [Double], classCount: Int, targets: [Int32],
        familiarity: [Double], labels: [String], notes: [String]
    ) -> DeferralReport {
        let n = targets.count
        let costMatrix = rule.denseCosts(labels: labels)
        var automated = 0
        var right = 0
        probabilities.withUnsafeBufferPointer { all in
            for row in 0..<n {
                let slice = UnsafeBufferPointer(
                    rebasing: all[(row * classCount)..<((row + 1) * classCount)])
                let decision = rule.decide(
                    slice, familiarity: familiarity[row], costMatrix: costMatrix)
                if decision.automated {
                    automated += 1
                    if Int32(decision.label) == targets[row] { right += 1 }
                }
            }
        }
        return DeferralReport(
            coverage: n == 0 ? 0 : Double(automated) / Double(n),
            automatedAccuracy: automated == 0 ? nil : Double(right) / Double(automated),
            notes: notes)
    }

    /// The error for a calibration split too small to promise the target at all.
    static func tooSmall(_ n: Int, needed: Int, settings: DeferralSettings) -> TriageError {
        TriageError(
            .training,
            "the calibration split has \(n) examples; promising accuracy "
                + "\(settings.targetAccuracy) with confidence \(settings.confidence ?? 0) needs at "
                + "least \(needed), even if every one is decided right",
            remedy: "give a larger calibration split, or lower --target-accuracy or --confidence")
    }

    /// The threshold policy's threshold: guaranteed or plain, then capped by the
    /// review budget.
    ///
    /// - Parameters:
    ///   - scored: the calibration examples the threshold decides.
    ///   - all: every calibration example, deferred or not, for the budget.
    private static func fitThreshold(
        _ settings: DeferralSettings, _ scored: ScoredPredictions,
        budgetOver all: ScoredPredictions
    ) throws -> (threshold: Double?, bound: Double?, note: String?) {
        let n = scored.count
        var threshold: Double?
        var bound: Double?
        var note: String?

        if let confidence = settings.confidence {
            let needed = GuaranteedThreshold.minimumExamples(
                targetAccuracy: settings.targetAccuracy, confidence: confidence)
            guard n >= needed else { throw tooSmall(n, needed: needed, settings: settings) }
            let choice = GuaranteedThreshold.choose(
                confidences: scored.confidences, correct: scored.correct,
                targetAccuracy: settings.targetAccuracy, confidence: confidence)
            threshold = choice.threshold
            bound = choice.bound
        } else {
            let choice = ConfidenceThreshold.choose(
                confidences: scored.confidences, correct: scored.correct,
                targetAccuracy: settings.targetAccuracy, minimumAccepted: minimumAccepted)
            threshold = choice.threshold
        }

        // A budget caps the threshold at the confidence below which the allowed share
        // of the calibration split lies.
        if let rate = settings.maxDeferRate, all.count > 0 {
            let sorted = all.confidences.sorted()
            let deferrable = Int((rate * Double(all.count)).rounded(.down))
            let cap = deferrable >= all.count ? 1.01 : sorted[deferrable]
            if threshold.map({ $0 > cap }) ?? true {
                note =
                    "the review budget (at most \(percentText(rate)) deferred) lowers the threshold "
                    + "below what the accuracy target needs"
                threshold = cap
                bound = nil
            }
        }
        return (threshold, bound, note)
    }
}

/// A share as a percentage with one decimal, for messages.
func percentText(_ share: Double) -> String {
    "\(rounded(share * 100, places: 1))%"
}

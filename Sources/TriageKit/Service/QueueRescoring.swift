/// Scores the waiting cases of a model again with the version now current.
///
/// After a better model is promoted, part of the queue is made of cases it would no
/// longer defer. Rescoring closes those as auto-resolved (not human answers: no model
/// learns from them), gives the cases still deferred the new version's suggestions,
/// and reopens cases an earlier version resolved when this one would defer them, as
/// after a rollback. Audits, gold cases and cases people have touched are left
/// alone; see ``ReviewStore/rescoringCandidates(model:version:)``.
public enum QueueRescoring {
    /// Rescores one model's candidates with `model`, which should be its current
    /// version.
    ///
    /// - Parameter dryRun: decide without writing; the summary says what would change.
    public static func rescore(
        _ model: LoadedModel, store: ReviewStore, dryRun: Bool = false
    ) throws -> RescoringSummary {
        let manifest = model.manifest
        let candidates = try store.rescoringCandidates(
            model: manifest.name, version: manifest.version)
        guard !candidates.isEmpty else { return RescoringSummary() }

        // Score every candidate's stored input under the version's rule.
        let classifier = model.classifier
        let columns = classifier.inputs.map(\.name)
        let rows = try candidates.map { try CaseInput.row(of: $0, columns: columns) }
        let scored = classifier.decide(rows, top: 4)
        let verdicts = zip(candidates, scored).map { reviewCase, input in
            let label = classifier.labels[input.decision.label]
            return RescoredCase(
                caseID: reviewCase.id, modelVersion: manifest.version, predicted: label,
                confidence: input.probability(of: label),
                probabilities: input.ranked, reason: input.decision.reason,
                predictionSet: input.decision.set.count > 1
                    ? input.decision.set.map { classifier.labels[$0] } : nil)
        }
        guard dryRun else { return try store.applyRescoring(verdicts) }

        var summary = RescoringSummary()
        for (reviewCase, verdict) in zip(candidates, verdicts) {
            summary.count(from: reviewCase.status, automated: verdict.reason == nil)
        }
        return summary
    }
}

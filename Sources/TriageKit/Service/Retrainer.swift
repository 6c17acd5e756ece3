/// Retraining: the current version's own training data plus every reviewed answer.
public enum Retrainer {
    /// What a retrain will learn from, and the version it starts from.
    public struct Plan: Sendable {
        public var input: TrainingInput
        public var settings: TrainingSettings
        public var previous: ModelManifest
        /// Answered cases joining the training data.
        public var reviewedCount: Int
    }

    /// Gathers the data for retraining `name`.
    ///
    /// Training examples are the current version's examples that did not come from
    /// the queue, plus every answered case of the model now, so an answer counts once
    /// however many retrains it has seen. The calibration split is the current
    /// version's, so old and new metrics compare on the same examples.
    ///
    /// - Parameter targetAccuracy: a new target, or `nil` to keep the current one.
    public static func plan(
        model name: String, registry: ModelRegistry, store: ReviewStore,
        targetAccuracy: Double? = nil
    ) throws -> Plan {
        let current = try registry.currentVersion(name)
        let previous = try registry.manifest(name, version: current)
        let folder = registry.versionPath(name, current)

        let columns = previous.inputs.map(\.name)
        let stored = try LabelledExamples.readStored(
            path: "\(folder)/\(ModelRegistry.trainingFile)", columns: columns)
        var training = stored.subset(stored.cases.indices.filter { stored.cases[$0] == nil })
        let answered = try store.answeredCases(model: name)
        for reviewCase in answered {
            guard let label = reviewCase.answer else { continue }
            let row = try CaseInput.row(of: reviewCase, columns: columns)
            training.append(row: row, label: label, case: reviewCase.id)
        }
        let calibration = try LabelledExamples.readStored(
            path: "\(folder)/\(ModelRegistry.calibrationFile)", columns: columns)

        var settings = TrainingSettings(
            features: previous.features, learner: previous.learner,
            targetAccuracy: targetAccuracy ?? previous.deferral.targetAccuracy,
            seed: previous.training.seed,
            columnKinds: Dictionary(uniqueKeysWithValues: previous.inputs.map { ($0.name, $0.kind) }),
            calibrationMethod: previous.calibration.method == .platt ? nil : previous.calibration.method)
        settings.calibrationShare = 0.2
        try settings.validate()

        let input = TrainingInput(
            training: training, calibration: calibration, sources: previous.training.sources,
            calibrationSource: previous.training.calibrationSource, parentVersion: current)
        return Plan(input: input, settings: settings, previous: previous, reviewedCount: answered.count)
    }
}

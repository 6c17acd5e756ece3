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

        var training = LabelledExamples()
        let stored = try LabelledExamples.readStored(path: "\(folder)/\(ModelRegistry.trainingFile)")
        for index in 0..<stored.count where stored.cases[index] == nil {
            training.append(text: stored.texts[index], label: stored.labels[index])
        }
        let answered = try store.answeredCases(model: name)
        for reviewCase in answered {
            guard let label = reviewCase.answer else { continue }
            training.append(text: reviewCase.text, label: label, case: reviewCase.id)
        }
        let calibration = try LabelledExamples.readStored(
            path: "\(folder)/\(ModelRegistry.calibrationFile)")

        var settings = TrainingSettings(
            features: previous.features, learner: previous.learner,
            targetAccuracy: targetAccuracy ?? previous.deferral.targetAccuracy,
            seed: previous.training.seed, textColumn: previous.textColumn,
            calibrationMethod: previous.calibration.method == .platt ? nil : previous.calibration.method)
        settings.calibrationShare = 0.2
        try settings.validate()

        let input = TrainingInput(
            training: training, calibration: calibration, sources: previous.training.sources,
            calibrationSource: previous.training.calibrationSource, parentVersion: current)
        return Plan(input: input, settings: settings, previous: previous, reviewedCount: answered.count)
    }
}

/// Retraining: the current version's own training data plus every reviewed answer.
public enum Retrainer {
    /// What a retrain will learn from, and the version it starts from.
    public struct Plan: Sendable {
        public var input: TrainingInput
        public var settings: TrainingSettings
        public var previous: ModelManifest
        /// Reviewed answers in the new training data.
        public var reviewedCount: Int
        /// Answers the current version has not learned from yet.
        public var newAnswers: Int
        /// Answers the current version learned from that the queue no longer holds
        /// (a queue moved aside or restored from an old backup); kept from the
        /// version's own record.
        public var keptFromRecord: Int

        /// Whether training would see nothing the current version has not seen.
        public var isUnchanged: Bool {
            newAnswers == 0 && settings.deferral == previous.deferral.settings
        }
    }

    /// Gathers the data for retraining `name`.
    ///
    /// Training examples are the current version's examples from files, plus every
    /// reviewed answer: those in the queue now and those the version itself learned
    /// from, joined by input so each answer counts once however many retrains it has
    /// seen (the queue's answer wins). Answers survive the loss of the queue that way.
    /// The calibration split is the current version's, so old and new metrics compare
    /// on the same examples.
    ///
    /// - Parameter deferral: new deferral settings, or `nil` to keep the current ones.
    public static func plan(
        model name: String, registry: ModelRegistry, store: ReviewStore,
        deferral: DeferralSettings? = nil
    ) throws -> Plan {
        let current = try registry.currentVersion(name)
        let previous = try registry.manifest(name, version: current)
        let folder = registry.versionPath(name, current)

        // The version's own examples: from files, and from earlier answers.
        let columns = previous.inputs.map(\.name)
        let stored = try LabelledExamples.readStored(
            path: "\(folder)/\(ModelRegistry.trainingFile)", columns: columns)
        var training = stored.subset(stored.cases.indices.filter { stored.cases[$0] == nil })
        var answers: [String: (row: [String?], label: String, id: Int64?)] = [:]
        var order: [String] = []
        var learned = Set<String>()
        for index in stored.cases.indices where stored.cases[index] != nil {
            let key = CaseInput.canonical(stored.rows[index], columns: columns)
            if answers[key] == nil { order.append(key) }
            answers[key] = (stored.rows[index], stored.labels[index], stored.cases[index])
            learned.insert(key + "\u{0}" + stored.labels[index])
        }

        // Answers in the queue now, replacing recorded ones for the same input.
        var inQueue = Set<String>()
        var newAnswers = 0
        for reviewCase in try store.answeredCases(model: name) {
            guard let label = reviewCase.answer else { continue }
            let row = try CaseInput.row(of: reviewCase, columns: columns)
            let key = CaseInput.canonical(row, columns: columns)
            if answers[key] == nil { order.append(key) }
            answers[key] = (row, label, reviewCase.id)
            inQueue.insert(key)
            if !learned.contains(key + "\u{0}" + label) { newAnswers += 1 }
        }
        for key in order {
            guard let answer = answers[key] else { continue }
            training.append(row: answer.row, label: answer.label, case: answer.id)
        }
        let calibration = try LabelledExamples.readStored(
            path: "\(folder)/\(ModelRegistry.calibrationFile)", columns: columns)

        var settings = TrainingSettings(
            features: previous.features, learner: previous.learner,
            deferral: deferral ?? previous.deferral.settings,
            seed: previous.training.seed,
            columnKinds: Dictionary(
                uniqueKeysWithValues: previous.inputs.map { ($0.name, $0.kind) }),
            calibrationMethod: previous.calibration.method == .platt
                ? nil : previous.calibration.method)
        settings.calibrationShare = 0.2
        try settings.validate()

        let input = TrainingInput(
            training: training, calibration: calibration, sources: previous.training.sources,
            calibrationSource: previous.training.calibrationSource,
            labelColumn: previous.training.labelColumn, parentVersion: current)
        return Plan(
            input: input, settings: settings, previous: previous, reviewedCount: answers.count,
            newAnswers: newAnswers, keptFromRecord: answers.count - inQueue.count)
    }
}

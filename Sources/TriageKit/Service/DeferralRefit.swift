/// Refitting a model's deferral rule to new settings, on the calibration split the
/// version stored, without retraining: how `classify` overrides the policy for one
/// run, and how a recalibration keeps the weights.
public enum DeferralRefit {
    /// The model with a rule fitted to `settings`, and how that rule does on the
    /// calibration split.
    public static func refit(
        _ model: LoadedModel, settings: DeferralSettings
    ) throws -> (LoadedModel, DeferralReport) {
        let classifier = model.classifier
        let calibration = try LabelledExamples.readStored(
            path: "\(model.path)/\(ModelRegistry.calibrationFile)",
            columns: classifier.inputs.map(\.name))
        return try refit(model, settings: settings, on: calibration)
    }

    /// The model with a rule fitted to `settings` on the given labelled examples.
    public static func refit(
        _ model: LoadedModel, settings: DeferralSettings, on examples: LabelledExamples
    ) throws -> (LoadedModel, DeferralReport) {
        let classifier = model.classifier
        let classOf = Dictionary(
            uniqueKeysWithValues: classifier.labels.enumerated().map { ($1, Int32($0)) })
        let (probabilities, familiarity) = classifier.probabilitiesAndFamiliarity(
            examples.rows(for: classifier.inputs.map(\.name)))
        let (rule, report) = try DeferralRule.fit(
            settings, probabilities: probabilities, classCount: classifier.labels.count,
            targets: examples.labels.map { classOf[$0] ?? -1 }, familiarity: familiarity,
            labels: classifier.labels)
        var manifest = model.manifest
        manifest.deferral = rule
        let refitted = LoadedModel(
            manifest: manifest, classifier: classifier.with(deferral: rule), path: model.path)
        return (refitted, report)
    }
}

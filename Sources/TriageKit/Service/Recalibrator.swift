import FoundationEssentials

/// Refits calibration and the deferral rule on audited traffic, keeping the weights.
///
/// A temperature fitted on clean training-time data can be wrong for the traffic a
/// model actually sees (unfamiliar inputs make it confidently wrong). Answered audits
/// are an unbiased sample of that traffic, so calibrating on them, and fitting the
/// threshold on them, measures what matters; deferred cases would not do, being the
/// hard ones by construction.
public enum Recalibrator {
    /// The fewest answered audits a recalibration accepts.
    public static let minimumAudits = 50

    /// Builds a new version from the current one: same features and weights, the
    /// calibration map and deferral rule refitted on the model's answered audits.
    ///
    /// - Throws: `training` with fewer than `minimumAudits` answered audits.
    public static func fromAudits(
        model name: String, registry: ModelRegistry, store: ReviewStore
    ) throws -> (ModelArtifacts, audits: Int) {
        let current = try registry.load(name)
        let classifier = current.classifier
        let columns = classifier.inputs.map(\.name)

        // The answered audits, as labelled examples.
        var audits = LabelledExamples(columns: columns)
        for reviewCase in try store.answeredCases(model: name) where reviewCase.reason == .audit {
            guard let answer = reviewCase.answer else { continue }
            audits.append(
                row: try CaseInput.row(of: reviewCase, columns: columns), label: answer,
                case: reviewCase.id)
        }
        guard audits.count >= minimumAudits else {
            throw TriageError(
                .training,
                "model \"\(name)\" has \(audits.count) answered audits; recalibrating needs "
                    + "at least \(minimumAudits)",
                remedy: "classify with --audit-rate and answer the audit cases")
        }

        // Calibration, then the rule, on the audits.
        let classOf = Dictionary(
            uniqueKeysWithValues: classifier.labels.enumerated().map { ($1, Int32($0)) })
        let targets = audits.labels.map { classOf[$0] ?? -1 }
        let (features, familiarity) = classifier.featurizer.transformMeasuringFamiliarity(
            audits.rows)
        let logits = classifier.model.logits(features)
        let calibrator = try Calibrator.fit(
            current.manifest.calibration.method, logits: logits, targets: targets,
            classCount: classifier.labels.count)
        let calibrated = calibrator.probabilities(logits, classCount: classifier.labels.count)
        var (rule, report) = try DeferralRule.fit(
            current.manifest.deferral.settings, probabilities: calibrated,
            classCount: classifier.labels.count, targets: targets, familiarity: familiarity,
            labels: classifier.labels)

        // Audits sample only what the version automated: below the least confident
        // audited decision they say nothing, so the threshold stays above it.
        if let threshold = rule.threshold {
            let count = classifier.labels.count
            let floor =
                (0..<audits.count).map { row in
                    calibrated[(row * count)..<((row + 1) * count)].max() ?? 1
                }.min() ?? 0
            if floor > threshold {
                rule.threshold = floor
                rule.riskBound = nil
                report = DeferralRule.report(
                    rule, probabilities: calibrated, classCount: count, targets: targets,
                    familiarity: familiarity, labels: classifier.labels, notes: report.notes)
            }
        }

        // The new version: everything as before but calibration and its figures.
        let raw = Softmax.probabilities(logits, classCount: classifier.labels.count, temperature: 1)
        var manifest = current.manifest
        manifest.createdAt = Date.now.formatted(.iso8601)
        manifest.parentVersion = current.manifest.version
        manifest.triageVersion = TriageVersion.current
        manifest.triageBuild = TriageVersion.build
        manifest.calibration = .init(calibrator)
        manifest.deferral = rule
        manifest.training.calibrationSource =
            "\(audits.count) answered audits of version \(current.manifest.version)"
        manifest.training.calibrationExamples = audits.count
        manifest.metrics = .measure(
            raw: raw, calibrated: calibrated, classCount: classifier.labels.count,
            targets: targets, deferral: report)

        let trainingData = try registry.storedData(
            name, version: current.manifest.version, file: ModelRegistry.trainingFile)
        let artifacts = ModelArtifacts(
            manifest: manifest,
            classifier: Classifier(
                labels: classifier.labels, featurizer: classifier.featurizer,
                model: classifier.model, calibrator: calibrator, deferral: rule),
            trainingData: trainingData, calibrationData: audits.jsonLines())
        return (artifacts, audits.count)
    }
}

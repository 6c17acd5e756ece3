import TriageKit

let retrainCommand = CommandSpec(
    path: ["retrain"],
    summary: "Train a new version with every reviewed answer and compare it to the current one",
    discussion: """
        Trains on the current version's training data plus every answered review case,
        with the same settings (deferral options change them), calibrates on the same
        calibration split, publishes the result as the new current version, and prints
        old and new figures side by side.
        """,
    options: [
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .flag("force", "Retrain even when there is no answer the current version has not seen"),
        .flag("json", "Print the new version's manifest as JSON"),
    ] + deferralOptions,
    run: { arguments, context in
        let name = try context.modelName(arguments)
        let registry = context.registry
        var deferral: DeferralSettings?
        if hasDeferralOptions(arguments) {
            let current = try registry.manifest(name, version: try registry.currentVersion(name))
            deferral = try deferralSettings(arguments, base: current.deferral.settings)
        }
        let plan = try Retrainer.plan(
            model: name, registry: registry, store: try context.openStore(), deferral: deferral)
        if plan.keptFromRecord > 0 {
            context.note(
                "triage: note: \(plan.keptFromRecord) answers version \(plan.previous.version) "
                    + "learned from are no longer in the queue; they are kept from its own record")
        }
        guard !plan.isUnchanged || arguments.flag("force") else {
            context.note(
                "triage: nothing new since version \(plan.previous.version): no answer it has "
                    + "not learned from; --force retrains anyway")
            return
        }
        context.note(
            "triage: retraining \(name) from version \(plan.previous.version) with "
                + "\(plan.reviewedCount) reviewed answers, \(plan.newAnswers) of them new")

        let progress = ProgressLine(enabled: !context.quiet)
        let artifacts = try train(
            plan.input, settings: plan.settings, progress: progress, context: context)
        try publishAndReport(
            artifacts, name: name, arguments: arguments, context: context,
            comparedWith: plan.previous)
    })

/// Old and new figures on the shared calibration split.
func printComparison(old: ModelManifest, new: ModelManifest, to out: Output) {
    func row(
        _ name: String, _ before: Double?, _ after: Double?, _ format: @escaping (Double) -> String
    ) {
        let text = { (value: Double?) in value.map(format) ?? "—" }
        out.line(
            "  " + column(name, 24) + column(text(before), 12, right: true)
                + column(text(after), 12, right: true))
    }
    out.line("")
    out.line(
        "  " + column("on the calibration split", 24)
            + column("version \(old.version)", 12, right: true)
            + column("version \(new.version)", 12, right: true))
    row("training examples", Double(old.training.examples), Double(new.training.examples)) {
        fixed($0, 0)
    }
    row(
        "reviewed cases used", Double(old.training.reviewedCases.count),
        Double(new.training.reviewedCases.count)
    ) { fixed($0, 0) }
    row("labels", Double(old.labels.count), Double(new.labels.count)) { fixed($0, 0) }
    row("accuracy", old.metrics.accuracy, new.metrics.accuracy) { fixed($0, 4) }
    row("calibration error", old.metrics.calibrationError, new.metrics.calibrationError) {
        fixed($0, 4)
    }
    row("coverage", old.metrics.coverage, new.metrics.coverage) { percent($0) }
    row("automated accuracy", old.metrics.automatedAccuracy, new.metrics.automatedAccuracy) {
        fixed($0, 4)
    }
}

func printJSON(_ manifest: ModelManifest, to out: Output) throws {
    out.write(try manifest.jsonBytes())
}

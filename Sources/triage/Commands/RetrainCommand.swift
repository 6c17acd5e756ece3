import TriageKit

let retrainCommand = CommandSpec(
    path: ["retrain"],
    summary: "Train a challenger with every reviewed answer; promote it only if it is not worse",
    discussion: """
        Trains on the current version's training data plus every answered review case,
        with the same settings (deferral options change them) and the same calibration
        split. Inputs whose labels disagree are listed first and settled by
        --conflicts. The new version (the challenger) and the current one (the
        champion) are then measured on the same examples: the --evaluate-on files
        (else the shared calibration split) plus a share of new answers held back
        from training (--hold-back). The challenger is published
        and, under --promote if-better, made current only when it is not worse than
        the champion on --metric by more than --tolerance; otherwise the champion
        stays current and the reason is printed.
        """,
    options: [
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .value("promote", "RULE", "always, if-better or never", default: "if-better"),
        .value(
            "metric", "M", "accuracy, automated-accuracy, coverage or calibration-error",
            default: "accuracy"),
        .value(
            "tolerance", "T", "How much worse on the metric a challenger may be", default: "0.005"),
        .repeated("evaluate-on", "FILE", "Labelled data both versions are judged on; repeat"),
        .value(
            "hold-back", "SHARE", "Share of new answers kept out of training to judge on",
            default: "0.1"),
        .value("review-weight", "W", "Sample weight of each reviewed answer", default: "1"),
        .value(
            "conflicts", "RULE", "latest, majority or skip: which label a disputed input keeps",
            default: "latest"),
        .flag("force", "Retrain even when there is no answer the current version has not seen"),
        .flag("json", "Print the new version's manifest as JSON"),
    ] + modelDeferralOptions,
    run: { arguments, context in
        let name = try context.modelName(arguments)
        let registry = context.registry
        let settings = try retrainSettings(arguments)
        var deferral: DeferralSettings?
        if hasDeferralOptions(arguments) {
            let current = try registry.manifest(name, version: try registry.currentVersion(name))
            deferral = try deferralSettings(arguments, base: current.deferral.settings)
        }
        let champion = try registry.load(name)
        let evaluation = try readEvaluationFiles(
            arguments.values("evaluate-on"), for: champion, command: arguments.command)
        let plan = try Retrainer.plan(
            model: name, registry: registry, store: try context.openStore(), deferral: deferral,
            options: settings.options)
        if plan.keptFromRecord > 0 {
            let one = plan.keptFromRecord == 1
            context.note(
                "triage: note: \(counted(plan.keptFromRecord, "answer")) version "
                    + "\(plan.previous.version) learned from \(one ? "is" : "are") no longer in "
                    + "the queue; \(one ? "it is" : "they are") kept from its own record")
        }
        guard !plan.isUnchanged || arguments.flag("force") else {
            context.note(
                "triage: nothing new since version \(plan.previous.version): no answer it has "
                    + "not learned from; --force retrains anyway")
            return
        }
        reportConflicts(plan.conflicts, rule: settings.options.conflicts, context: context)
        if plan.withdrawn > 0 {
            context.note(
                "triage: note: leaving out \(counted(plan.withdrawn, "answer")) version "
                    + "\(plan.previous.version) learned from whose case was reopened (taken back)")
        }
        let answers =
            plan.reviewedCount == 1
            ? "1 reviewed answer, " + (plan.newAnswers == 1 ? "a new one" : "not a new one")
            : "\(plan.reviewedCount) reviewed answers, \(plan.newAnswers) of them new"
        context.note(
            "triage: retraining \(name) from version \(plan.previous.version) with \(answers)"
                + (plan.heldBack.count > 0 ? ", \(plan.heldBack.count) held back to judge on" : ""))

        let progress = ProgressLine(enabled: !context.quiet)
        var artifacts = try train(
            plan.input, settings: plan.settings, progress: progress, context: context)

        // Champion and challenger on the same examples: the evaluation files (else
        // the shared calibration split) and the answers held back from training.
        var judgedOn = evaluation.examples
        var sources = evaluation.paths
        if judgedOn.count == 0 {
            judgedOn = plan.input.calibration
            sources = ["the calibration split"]
        }
        if plan.heldBack.count > 0 {
            judgedOn.append(contentsOf: plan.heldBack)
            sources.append("\(plan.heldBack.count) reviewed cases held back")
        }
        let judgement = ChallengerJudgement.judge(
            champion: champion.classifier, challenger: artifacts.classifier, on: judgedOn,
            metric: settings.metric, tolerance: settings.tolerance, rule: settings.rule)
        artifacts.manifest.promotion = ModelManifest.Promotion(
            champion: plan.previous.version, rule: settings.rule.rawValue,
            metric: settings.metric.rawValue, tolerance: settings.tolerance,
            championScore: settings.metric.value(in: judgement.champion),
            challengerScore: settings.metric.value(in: judgement.challenger),
            evaluationSources: sources, evaluationExamples: judgedOn.count,
            heldBackCases: plan.heldBack.cases.compactMap { $0 }, promoted: judgement.promote,
            reason: judgement.reason)

        let version = try registry.publish(name, artifacts, makeCurrent: judgement.promote)
        let manifest = try registry.manifest(name, version: version)
        let out = context.out
        if arguments.flag("json") {
            try printJSON(manifest, to: out)
        } else {
            printTrainingReport(manifest, path: registry.versionPath(name, version), to: out)
            printComparison(old: plan.previous, new: manifest, to: out)
            printJudgement(
                judgement, champion: plan.previous.version, challenger: version,
                examples: judgedOn.count, sources: sources, to: out)
            out.line("")
            out.line(
                judgement.promote
                    ? "model \(name): version \(version) is current (\(judgement.reason))"
                    : "model \(name): version \(plan.previous.version) stays current; version "
                        + "\(version) is kept for inspection (\(judgement.reason))")
        }
        out.flush()
        if judgement.promote {
            warnIfNoThreshold(manifest, context)
            rescoreAfterPromotion(name: name, context: context)
        }
    })

/// The champion–challenger options, checked.
private func retrainSettings(_ arguments: ParsedArguments) throws -> (
    options: Retrainer.Options, rule: PromotionRule, metric: ComparisonMetric, tolerance: Double
) {
    let command = arguments.command
    let rule =
        try arguments.choice("promote", PromotionRule.allCases.map(\.rawValue))
        .flatMap(PromotionRule.init(rawValue:)) ?? .ifBetter
    let metric =
        try arguments.choice("metric", ComparisonMetric.allCases.map(\.rawValue))
        .flatMap(ComparisonMetric.init(rawValue:)) ?? .accuracy
    let conflicts =
        try arguments.choice("conflicts", Retrainer.ConflictRule.allCases.map(\.rawValue))
        .flatMap(Retrainer.ConflictRule.init(rawValue:)) ?? .latest
    let tolerance = try arguments.double("tolerance") ?? 0.005
    guard tolerance >= 0 else {
        throw UsageError("option '--tolerance' must not be negative", command: command)
    }
    let holdBack = try arguments.double("hold-back") ?? 0.1
    guard (0..<1).contains(holdBack) else {
        throw UsageError("option '--hold-back' must be at least 0 and below 1", command: command)
    }
    let weight = try arguments.double("review-weight") ?? 1
    guard weight > 0 else {
        throw UsageError("option '--review-weight' must be a positive number", command: command)
    }
    return (
        Retrainer.Options(reviewWeight: Float(weight), holdBack: holdBack, conflicts: conflicts),
        rule, metric, tolerance
    )
}

/// Labelled files read with a model's input columns.
private func readEvaluationFiles(
    _ paths: [String], for model: LoadedModel, command: CommandSpec
) throws -> (examples: LabelledExamples, paths: [String]) {
    let inputs = model.classifier.inputs
    let sources = try inputSources(
        inputs: inputs, textOverride: nil, format: .csv, command: command)
    var examples = LabelledExamples(columns: inputs.map(\.name))
    for path in paths {
        let part = try LabelledExamples.read(
            path: path, labelColumn: model.manifest.training.labelColumn, inputColumns: sources)
        examples.append(contentsOf: part.renamed(to: inputs.map(\.name)))
    }
    return (examples, paths)
}

/// Inputs whose labels disagreed, and what training does with them, on stderr.
private func reportConflicts(
    _ conflicts: [Retrainer.Conflict], rule: Retrainer.ConflictRule, context: Context
) {
    guard !conflicts.isEmpty else { return }
    let againstTraining = conflicts.filter { $0.kind == .trainingLabel }.count
    context.note(
        "triage: note: \(counted(conflicts.count, "reviewed input")) "
            + "\(conflicts.count == 1 ? "has" : "have") conflicting labels "
            + "(\(againstTraining) against a training label, "
            + "\(conflicts.count - againstTraining) where reviewers disagreed); "
            + "--conflicts \(rule.rawValue):")
    for conflict in conflicts.prefix(10) {
        let labels = conflict.labels.map { sanitized($0) }.joined(separator: ", ")
        context.note(
            "  case \(conflict.caseID): \(labels) → "
                + (conflict.kept.map { "keeps \"\(sanitized($0))\"" } ?? "left out"))
    }
    if conflicts.count > 10 { context.note("  … and \(conflicts.count - 10) more") }
}

/// Champion and challenger on the examples they were judged on.
private func printJudgement(
    _ judgement: ChallengerJudgement, champion: Int, challenger: Int, examples: Int,
    sources: [String], to out: Output
) {
    out.line("")
    out.line("  judged on \(examples) examples: \(sources.joined(separator: " + "))")
    out.line(
        "  " + column("", 24) + column("version \(champion)", 12, right: true)
            + column("version \(challenger)", 12, right: true))
    for metric in ComparisonMetric.allCases {
        let text = { (evaluation: Evaluation) in
            metric.value(in: evaluation).map {
                metric == .coverage ? percent($0) : fixed($0, 4)
            } ?? "—"
        }
        out.line(
            "  " + column(metric.rawValue + (metric == judgement.metric ? " *" : ""), 24)
                + column(text(judgement.champion), 12, right: true)
                + column(text(judgement.challenger), 12, right: true))
    }
}

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

import TriageKit

/// Options that choose how a model defers; `train` and `retrain` store them in the
/// model, `classify` overrides them for one run.
let deferralOptions: [OptionSpec] = [
    .value("policy", "P", "threshold, conformal or cost", default: "threshold"),
    .value("target-accuracy", "A", "Accuracy automated decisions must reach", default: "0.95"),
    .value("confidence", "C", "Promise the target with this probability (a binomial bound)"),
    .value("max-defer-rate", "R", "Defer at most this share, least confident first"),
    .value("alpha", "A", "Conformal policy: sets miss the true label at most this often"),
    .value("costs", "FILE", "Cost policy: JSON costs of each error and of a review"),
    .value(
        "audit-rate", "R", "Also send this share of automated decisions to review", default: "0"),
]

/// The deferral options of a command that starts from a trained model's settings:
/// what `--help` shows as the default is the model's own.
let modelDeferralOptions: [OptionSpec] = deferralOptions.map { option in
    guard option.defaultValue != nil else { return option }
    return OptionSpec(
        name: option.name, short: option.short, kind: option.kind, help: option.help,
        defaultValue: "the model's")
}

/// Whether any deferral option was given.
func hasDeferralOptions(_ arguments: ParsedArguments) -> Bool {
    deferralOptions.contains { arguments.value($0.name) != nil }
}

/// Deferral settings from the options, on top of `base`.
///
/// Choosing a policy clears the settings that belong to the others, so an override
/// like `--policy conformal --alpha 0.1` on a threshold model is coherent.
func deferralSettings(_ arguments: ParsedArguments, base: DeferralSettings) throws
    -> DeferralSettings
{
    var settings = base
    if let text = try arguments.choice("policy", DeferralPolicy.allCases.map(\.rawValue)),
        let policy = DeferralPolicy(rawValue: text), policy != base.policy
    {
        settings = DeferralSettings(
            policy: policy, targetAccuracy: base.targetAccuracy, auditRate: base.auditRate)
    }
    if let value = try arguments.double("target-accuracy") { settings.targetAccuracy = value }
    if let value = try arguments.double("confidence") { settings.confidence = value }
    if let value = try arguments.double("max-defer-rate") { settings.maxDeferRate = value }
    if let value = try arguments.double("alpha") { settings.alpha = value }
    if let value = try arguments.double("audit-rate") { settings.auditRate = value }
    if let path = arguments.value("costs") { settings.costs = try CostMatrix.read(path: path) }
    do {
        try settings.validate()
    } catch let error as TriageError where error.code == .invalidArgument {
        throw UsageError(error.description, command: arguments.command)
    }
    return settings
}

/// The deferral lines of a training report.
func printDeferral(_ rule: DeferralRule, metrics: ModelManifest.Metrics, to out: Output) {
    let coverage =
        "\(percent(metrics.coverage))  (automated accuracy "
        + (metrics.automatedAccuracy.map { fixed($0, 4) } ?? "—") + ")"
    switch rule.policy {
    case .threshold:
        var target = fixed(rule.targetAccuracy, 4)
        if let confidence = rule.confidence { target += " with confidence \(fixed(confidence, 3))" }
        if let rate = rule.maxDeferRate { target += ", deferring at most \(percent(rate))" }
        out.line("  target accuracy          \(target)")
        if let threshold = rule.threshold {
            out.line(
                "  confidence threshold     \(probabilityText(threshold))"
                    + (rule.riskBound.map {
                        "  (error bound \(fixed($0, 4)): accuracy at least \(fixed(1 - $0, 4)))"
                    } ?? ""))
            out.line("  expected coverage        \(coverage)")
        } else {
            out.line("  confidence threshold     none reaches the target")
            out.line("  expected coverage        0.0%  (every input is deferred)")
        }
    case .conformal:
        out.line(
            "  policy                   conformal sets, alpha \(fixed(rule.alpha ?? 0, 3)): "
                + "a label is in the set from probability \(probabilityText(1 - (rule.conformalQuantile ?? 1)))"
        )
        out.line("  expected coverage        \(coverage), inputs whose set is one label")
    case .cost:
        out.line(
            "  policy                   least expected cost; a review costs "
                + "\(rule.costs.map { fixed($0.review, 3) } ?? "?")")
        out.line("  expected coverage        \(coverage)")
    }
    if rule.auditRate > 0 {
        out.line("  audits                   \(percent(rule.auditRate)) of automated decisions")
    }
    out.line(
        "  out of distribution      fewer than \(percent(rule.familiarityFloor)) of words or "
            + "values known")
}

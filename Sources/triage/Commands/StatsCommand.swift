import FoundationEssentials
import TriageKit

let statsCommand = CommandSpec(
    path: ["stats"],
    summary: "The queue by reason, and automated accuracy estimated from audits",
    discussion: """
        Counts a model's pending cases by the reason they were deferred and its answered
        cases, and estimates the accuracy of its automated decisions from answered audits
        (a random sample of them, see classify's --audit-rate) with a 95% interval. Warns
        when the whole interval lies below the model's target.
        """,
    options: [
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .flag("json", "As one JSON object"),
    ],
    run: { arguments, context in
        let name = try context.modelName(arguments)
        let manifest = try context.registry.manifest(
            name, version: try context.registry.currentVersion(name))
        let store = try context.openExistingStore()
        let pending = try store?.pendingCases(model: name, limit: nil) ?? []
        let answered = try store?.answeredCases(model: name) ?? []
        var byReason: [String: Int] = [:]
        for reviewCase in pending { byReason[reviewCase.reason.rawValue, default: 0] += 1 }
        let audits = AuditEstimate.from(
            cases: pending + answered, targetAccuracy: manifest.deferral.targetAccuracy)

        if arguments.flag("json") {
            struct Stats: Encodable {
                var model: String
                var version: Int
                var pending: Int
                var pendingByReason: [String: Int]
                var answered: Int
                var audits: AuditEstimate
            }
            try context.out.jsonLine(
                Stats(
                    model: name, version: manifest.version, pending: pending.count,
                    pendingByReason: byReason, answered: answered.count, audits: audits))
        } else {
            let out = context.out
            out.line(
                "model \(name) version \(manifest.version), target accuracy "
                    + fixed(manifest.deferral.targetAccuracy, 4))
            let reasons = byReason.sorted { $0.value > $1.value }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            out.line("  pending   \(pending.count)" + (reasons.isEmpty ? "" : "  (\(reasons))"))
            out.line("  answered  \(answered.count)")
            if let accuracy = audits.accuracy, let lower = audits.lower, let upper = audits.upper {
                out.line(
                    "  audits    \(audits.answered) answered, \(audits.pending) pending: "
                        + "automated accuracy \(fixed(accuracy, 4)) "
                        + "(95% interval \(fixed(lower, 4))–\(fixed(upper, 4)))")
            } else {
                out.line(
                    "  audits    none answered (\(audits.pending) pending); "
                        + "classify with --audit-rate to sample automated decisions")
            }
        }
        context.out.flush()
        if audits.isBelowTarget {
            context.note(
                "triage: warning: audits put automated accuracy below the target "
                    + "\(fixed(manifest.deferral.targetAccuracy, 4)) (at most "
                    + "\(fixed(audits.upper ?? 0, 4))); recalibrate with "
                    + "`triage recalibrate --from-audits` or retrain")
        }
    })

let recalibrateCommand = CommandSpec(
    path: ["recalibrate"],
    summary: "Refit calibration and the deferral rule on answered audits, keeping the weights",
    discussion: """
        Audits are an unbiased sample of real traffic, unlike deferred cases. This fits
        the calibration map and the deferral rule of the current version again on the
        answered audits (at least 50), publishes the result as a new version with the
        same weights, and makes it current.
        """,
    options: [
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .flag("from-audits", "Use the answered audit cases (required)"),
        .flag("json", "Print the new version's manifest as JSON"),
    ],
    run: { arguments, context in
        guard arguments.flag("from-audits") else {
            throw UsageError(
                "'triage recalibrate' needs --from-audits, the only source it knows",
                command: arguments.command)
        }
        let name = try context.modelName(arguments)
        let registry = context.registry
        let (artifacts, audits) = try Recalibrator.fromAudits(
            model: name, registry: registry, store: try context.openStore())
        context.note("triage: recalibrated on \(audits) answered audits")
        try publishAndReport(artifacts, name: name, arguments: arguments, context: context)
    })

import FoundationEssentials
import TriageKit

let statsCommand = CommandSpec(
    path: ["stats"],
    summary: "A model over time: volume, deferrals, reviews, audited accuracy and drift",
    discussion: """
        Counts a model's pending cases by the reason they were deferred, its answered and
        auto-resolved cases, and estimates the accuracy of its automated decisions from
        answered audits (a random sample of them, see classify's --audit-rate) with a
        95% interval. Then, per day (UTC) and per model version: inputs classified,
        share deferred, audits, answers people gave and how often they agreed with the
        model, automated accuracy by the audits, and the drift of the confidence
        distribution from the calibration split's (population stability index: above
        0.25, and above what chance gives samples of that size, is a shift). Warns when
        the whole audit interval lies below the target, and when the current version's
        latest day has shifted.
        """,
    options: [
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .flag("json", "As one JSON object"),
    ],
    run: { arguments, context in
        let name = try context.modelName(arguments)
        let registry = context.registry
        let manifest = try registry.manifest(name, version: try registry.currentVersion(name))
        let target = manifest.deferral.targetAccuracy
        let store = try context.openExistingStore()
        let pending = try store?.pendingCases(model: name, limit: nil) ?? []
        let answered = try store?.answeredCases(model: name) ?? []
        let counts = try store?.counts(model: name) ?? [:]
        var byReason: [String: Int] = [:]
        for reviewCase in pending { byReason[reviewCase.reason.rawValue, default: 0] += 1 }
        let audits = AuditEstimate.from(cases: pending + answered, targetAccuracy: target)

        // Per day and version, against each version's calibration-split confidences.
        var references: [Int: [Int]] = [:]
        for version in registry.versions(name) {
            references[version] =
                (try? registry.manifest(name, version: version))?.metrics.confidenceHistogram
        }
        let overTime = TrafficStatistics(
            traffic: try store?.traffic(model: name) ?? [], cases: pending + answered,
            answers: try store?.answers(model: name) ?? [], references: references,
            targetAccuracy: target)

        if arguments.flag("json") {
            struct Stats: Encodable {
                var model: String
                var version: Int
                var targetAccuracy: Double
                var pending: Int
                var pendingByReason: [String: Int]
                var answered: Int
                var autoResolved: Int
                var audits: AuditEstimate
                var days: [TrafficStatistics.Period]
                var versions: [TrafficStatistics.Period]
            }
            try context.out.jsonLine(
                Stats(
                    model: name, version: manifest.version, targetAccuracy: target,
                    pending: pending.count, pendingByReason: byReason,
                    answered: answered.count, autoResolved: counts[.autoResolved] ?? 0,
                    audits: audits, days: overTime.days, versions: overTime.versions))
        } else {
            let out = context.out
            out.line(
                "model \(name) version \(manifest.version), target accuracy " + fixed(target, 4))
            let reasons = byReason.sorted { $0.value > $1.value }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            out.line("  pending   \(pending.count)" + (reasons.isEmpty ? "" : "  (\(reasons))"))
            out.line("  answered  \(answered.count)")
            if let resolved = counts[.autoResolved], resolved > 0 {
                out.line("  auto-resolved  \(resolved) (decided by a newer version, not by people)")
            }
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
            printPeriods(overTime, to: out)
        }
        context.out.flush()
        if audits.isBelowTarget {
            context.note(
                "triage: warning: audits put automated accuracy below the target "
                    + "\(fixed(target, 4)) (at most "
                    + "\(fixed(audits.upper ?? 0, 4))); recalibrate with "
                    + "`triage recalibrate --from-audits` or retrain")
        }
        if let latest = overTime.days.last(where: { $0.version == manifest.version }),
            let drift = latest.drift, drift.hasShifted
        {
            context.note(
                "triage: warning: on \(latest.day ?? "its latest day") the confidence of "
                    + "version \(manifest.version)'s \(latest.inputs) inputs drifted from its "
                    + "calibration split (stability index \(fixed(drift.index, 3)), above "
                    + "\(ConfidenceDrift.shiftedIndex) and chance); audit its decisions "
                    + "(classify --audit-rate) before trusting its threshold")
        }
    })

/// The per-day and per-version table.
private func printPeriods(_ statistics: TrafficStatistics, to out: Output) {
    guard !statistics.versions.isEmpty else {
        out.line("")
        out.line("  no traffic recorded yet: `triage classify` without --dry-run counts it")
        return
    }
    out.line("")
    out.line(
        "  " + column("day", 10) + "  " + column("version", 7, right: true) + "  "
            + column("inputs", 8, right: true) + "  " + column("deferred", 8, right: true)
            + "  " + column("audited", 7, right: true) + "  "
            + column("reviewed", 8, right: true) + "  " + column("agreed", 6, right: true)
            + "  " + column("audited accuracy", 16, right: true) + "  drift")
    for period in statistics.days + statistics.versions {
        let accuracy = period.audits.accuracy.map {
            "\(fixed($0, 3)) (n=\(period.audits.answered))"
        }
        out.line(
            "  " + column(period.day ?? "all days", 10) + "  "
                + column(String(period.version), 7, right: true) + "  "
                + column(String(period.inputs), 8, right: true) + "  "
                + column(period.deferralRate.map(percent) ?? "—", 8, right: true) + "  "
                + column(String(period.audited), 7, right: true) + "  "
                + column(String(period.reviewed), 8, right: true) + "  "
                + column(period.reviewedAgreement.map(percent) ?? "—", 6, right: true) + "  "
                + column(accuracy ?? "—", 16, right: true) + "  "
                + (period.drift.map { "\(fixed($0.index, 3)) \($0.verdict)" } ?? "—"))
    }
}

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

import TriageKit

let reviewRescoreCommand = CommandSpec(
    path: ["review", "rescore"],
    summary: "Score waiting cases again with the current model version",
    discussion: """
        Runs by itself whenever a version becomes current (train, retrain, recalibrate,
        models promote and rollback). Pending cases the current version decides on its
        own close as auto_resolved: not human answers, so no model learns from them,
        and `review reopen ID` brings one back. Cases still deferred show the current
        version's suggestions; cases an earlier version resolved that this one would
        defer are pending again. Audits, gold cases and cases people have answered,
        claimed, disputed or reopened are left alone.
        """,
    options: [
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .flag("dry-run", "Say what would change without changing it"),
        .flag("json", "The counts as one JSON object"),
    ],
    run: { arguments, context in
        let name = try context.modelName(arguments)
        let model = try context.registry.load(name)
        guard let store = try context.openExistingStore() else {
            context.note("triage: no review queue at \(context.queuePath) yet")
            return
        }
        let summary = try QueueRescoring.rescore(
            model, store: store, dryRun: arguments.flag("dry-run"))
        if arguments.flag("json") {
            try context.out.jsonLine(summary)
        } else {
            let line = describe(summary, version: model.manifest.version)
            context.out.line(
                summary == RescoringSummary()
                    ? line : (arguments.flag("dry-run") ? "would rescore: " : "rescored: ") + line)
        }
        context.out.flush()
    })

let reviewReopenCommand = CommandSpec(
    path: ["review", "reopen"],
    summary: "Return a case a model resolved automatically to the queue",
    discussion: """
        The case is pending again with the suggestions it had, and later rescoring
        leaves it to people.
        """,
    options: [.value("reviewer", "NAME", "Who reopens it (default: the login name)")],
    positionals: [PositionalSpec(name: "ID", help: "The case id")],
    run: { arguments, context in
        let id = try caseID(arguments)
        let reopened = try context.openStore().reopen(
            caseID: id, reviewer: try reviewer(arguments))
        context.out.line(
            "case \(reopened.id): pending again (model version \(reopened.modelVersion) "
                + "had resolved it as \"\(sanitized(reopened.predicted))\")")
        context.out.flush()
    })

/// Rescores the queue after `version` became the current version of `name`, saying
/// what changed on standard error. A failure is a warning: the version is current
/// whatever happens to the queue, and `review rescore` can try again.
func rescoreAfterPromotion(name: String, context: Context) {
    do {
        guard let store = try context.openExistingStore() else { return }
        let model = try context.registry.load(name)
        let summary = try QueueRescoring.rescore(model, store: store)
        guard summary != RescoringSummary() else { return }
        context.note(
            "triage: rescored the review queue: "
                + describe(
                    summary, version: model.manifest.version))
    } catch {
        context.err.line(
            "triage: warning: the review queue was not rescored: \(error); "
                + "run `triage review rescore --model \(name)`")
        context.err.flush()
    }
}

/// What rescoring did, in one line.
private func describe(_ summary: RescoringSummary, version: Int) -> String {
    let looked =
        summary.resolved + summary.stillPending + summary.reopened + summary.kept
        + summary.unchanged
    guard looked > 0 else {
        return "nothing to rescore: every waiting case was last scored by version "
            + "\(version), or is an audit, a gold case or in people's hands"
    }
    func cases(_ count: Int) -> String { count == 1 ? "1 case" : "\(count) cases" }
    var parts = [
        "\(cases(summary.resolved)) auto-resolved by version \(version)",
        "\(summary.stillPending) still pending",
    ]
    if summary.reopened > 0 { parts.append("\(summary.reopened) reopened") }
    if summary.kept > 0 { parts.append("\(summary.kept) kept as resolved") }
    if summary.unchanged > 0 { parts.append("\(summary.unchanged) changed meanwhile, left alone") }
    return "of \(cases(looked)) not yet scored by version \(version), "
        + parts.joined(separator: ", ")
}

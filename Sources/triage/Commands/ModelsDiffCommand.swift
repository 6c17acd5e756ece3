import TriageKit

let modelsDiffCommand = CommandSpec(
    path: ["models", "diff"],
    summary: "Show what changed from version A to version B: data, settings and metrics",
    discussion: """
        Compares the two versions' manifests. Data: training files (by path, content
        hash and row count), example counts, reviewed cases added or removed and
        answers that changed, the calibration source. Settings: labels added or
        removed and every other field that differs, by its path in the manifest
        (features, learner, calibration, deferral, inputs, seed). Metrics: each figure
        on the version's calibration split, in A, in B, and B minus A.
        """,
    options: [
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .flag("json", "Print the comparison as one JSON object"),
    ],
    positionals: [
        PositionalSpec(name: "A", help: "The version to compare from"),
        PositionalSpec(name: "B", help: "The version to compare to"),
    ],
    run: { arguments, context in
        let name = try context.modelName(arguments)
        let registry = context.registry
        var numbers: [Int] = []
        for (index, placeholder) in ["A", "B"].enumerated() {
            let text = arguments.positional(index) ?? ""
            guard let number = Int(text), number > 0 else {
                throw UsageError(
                    "\(placeholder) must be a version number, got '\(text)'",
                    command: arguments.command)
            }
            numbers.append(number)
        }

        // Unknown versions first, both named in one line.
        let known = registry.versions(name)
        if known.isEmpty { _ = try registry.currentVersion(name) }
        let missing = numbers.filter { !known.contains($0) }
        guard missing.isEmpty else {
            throw TriageError(
                .modelNotFound,
                "model \"\(name)\" has no version "
                    + Array(Set(missing)).sorted().map(String.init).joined(separator: " or "),
                remedy: "versions: \(known.map(String.init).joined(separator: ", "))")
        }
        let a = try registry.manifest(name, version: numbers[0])
        let b = try registry.manifest(name, version: numbers[1])
        let diff = try a.diff(to: b)
        if arguments.flag("json") {
            context.out.write(try diff.jsonBytes())
        } else {
            printDiff(diff, current: try? registry.currentVersion(name), to: context.out)
        }
        context.out.flush()
    })

/// The comparison for people: a header naming both versions, then data, settings
/// and metrics, each saying "no change" when nothing differs.
private func printDiff(_ diff: ManifestDiff, current: Int?, to out: Output) {
    out.line("model \(diff.model): version \(diff.a.version) → version \(diff.b.version)")
    for side in [diff.a, diff.b] {
        var notes: [String] = []
        if let parent = side.parentVersion { notes.append("retrained from version \(parent)") }
        if side.version == current { notes.append("current") }
        out.line(
            "  " + column("version \(side.version)", 12) + "created \(side.createdAt) by "
                + side.code + (notes.isEmpty ? "" : ", " + notes.joined(separator: ", ")))
    }
    out.line("")
    printData(diff.data, to: out)
    out.line("")
    printSettings(diff.settings, to: out)
    out.line("")
    // The split is the same when it came from the same place and no file changed: a
    // stratified hold-out is drawn from the training files themselves.
    let data = diff.data
    let sameSplit =
        !data.calibrationSource.changed && !data.calibrationExamples.changed
        && data.sourcesAdded.isEmpty && data.sourcesRemoved.isEmpty
        && data.sourcesChanged.isEmpty
    printMetrics(
        diff.metrics, versions: (diff.a.version, diff.b.version), sameSplit: sameSplit, to: out)
}

private func printData(_ data: ManifestDiff.DataChanges, to out: Output) {
    out.line("data")
    if data.isUnchanged {
        out.line("  no change")
        return
    }
    func row(_ name: String, _ text: String) { out.line("  " + column(name, 22) + text) }
    func count(_ pair: ManifestDiff.Pair<Int>) -> String {
        let change = pair.b - pair.a
        return "\(pair.a) → \(pair.b)"
            + (change == 0 ? "" : change > 0 ? " (+\(change))" : " (\(change))")
    }
    func source(_ source: ModelManifest.DataSource) -> String {
        "\(sanitized(source.path)) (\(source.rows) rows, hash \(source.contentHash))"
    }

    if data.examples.changed { row("training examples", count(data.examples)) }
    if data.reviewedCases.changed || !data.answersChanged.isEmpty
        || !data.reviewedCasesAdded.isEmpty || !data.reviewedCasesRemoved.isEmpty
    {
        row("reviewed cases", count(data.reviewedCases))
        if !data.reviewedCasesAdded.isEmpty {
            row("  added", cases(data.reviewedCasesAdded))
        }
        if !data.reviewedCasesRemoved.isEmpty {
            row("  removed", cases(data.reviewedCasesRemoved))
        }
        for change in data.answersChanged.prefix(10) {
            row(
                "  answer changed",
                "case \(change.id): \(sanitized(change.a)) → \(sanitized(change.b))")
        }
        if data.answersChanged.count > 10 {
            row("  answer changed", "… and \(data.answersChanged.count - 10) more")
        }
    }
    for added in data.sourcesAdded { row("file added", source(added)) }
    for removed in data.sourcesRemoved { row("file removed", source(removed)) }
    for change in data.sourcesChanged {
        var parts: [String] = []
        if change.a.rows != change.b.rows {
            parts.append("\(change.a.rows) → \(change.b.rows) rows")
        }
        if change.a.contentHash != change.b.contentHash {
            parts.append("hash \(change.a.contentHash) → \(change.b.contentHash)")
        }
        row("file changed", "\(sanitized(change.path)): " + parts.joined(separator: ", "))
    }
    if data.calibrationExamples.changed {
        row("calibration examples", count(data.calibrationExamples))
    }
    if data.calibrationSource.changed {
        row("calibration source", sanitized(data.calibrationSource.a))
        row("", "→ " + sanitized(data.calibrationSource.b))
    }
}

/// Reviewed cases in a few words: how many per label, then their ids (the first ten).
private func cases(_ reviewed: [ModelManifest.ReviewedCase]) -> String {
    var perLabel: [String: Int] = [:]
    for item in reviewed { perLabel[item.label, default: 0] += 1 }
    let labels = perLabel.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        .map { "\(sanitized($0.key)) \($0.value)" }
    let ids = reviewed.prefix(10).map { String($0.id) }.joined(separator: ", ")
    let more = reviewed.count > 10 ? ", … and \(reviewed.count - 10) more" : ""
    return "\(reviewed.count) (" + labels.joined(separator: ", ") + "): cases \(ids)\(more)"
}

private func printSettings(_ settings: ManifestDiff.SettingChanges, to out: Output) {
    out.line("settings")
    if settings.isUnchanged {
        out.line("  no change")
        return
    }
    // Paths line up in a column; one too long for it runs on, never cut.
    let width = min(40, max(16, (settings.changed.map(\.path.count).max() ?? 0) + 2))
    func row(_ name: String, _ text: String) {
        out.line("  " + (name.count + 2 > width ? name + "  " : column(name, width)) + text)
    }
    if !settings.labelsAdded.isEmpty {
        row("labels added", settings.labelsAdded.map { sanitized($0) }.joined(separator: ", "))
    }
    if !settings.labelsRemoved.isEmpty {
        row("labels removed", settings.labelsRemoved.map { sanitized($0) }.joined(separator: ", "))
    }
    for change in settings.changed {
        let text = { (value: ManifestValue?) in value.map { sanitized($0.description) } ?? "none" }
        row(change.path, "\(text(change.a)) → \(text(change.b))")
    }
}

private func printMetrics(
    _ metrics: [ManifestDiff.MetricChange], versions: (a: Int, b: Int), sameSplit: Bool,
    to out: Output
) {
    out.line(
        sameSplit
            ? "metrics (on the calibration split)"
            : "metrics (each on its own calibration split, so not on the same examples)")
    if metrics.allSatisfy({ $0.a == $0.b }) { out.line("  no change") }
    out.line(
        "  " + column("", 32) + column("version \(versions.a)", 12, right: true)
            + column("version \(versions.b)", 12, right: true) + column("change", 10, right: true))
    for metric in metrics {
        let value = { (number: Double?) in number.map { fixed($0, 4) } ?? "—" }
        // Equal values leave the change blank; a change too small to show is 0.0000,
        // with no sign (`fixed` drops it once the value rounds to zero).
        var change = "—"
        if let difference = metric.change {
            let shown = fixed(difference, 4)
            let sign = difference > 0 && shown != fixed(0, 4) ? "+" : ""
            change = difference == 0 ? "" : sign + shown
        }
        let line =
            "  " + column(String(metric.name.map { $0 == "_" ? " " : $0 }), 32)
            + column(value(metric.a), 12, right: true) + column(value(metric.b), 12, right: true)
            + column(change, 10, right: true)
        out.line(String(line.reversed().drop(while: { $0 == " " }).reversed()))
    }
}

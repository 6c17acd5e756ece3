@preconcurrency import Glibc
import TriageKit

/// How far the `--into` shares may add up from 1: enough for shares rounded to two
/// decimals (0.33 three times), with room for rounding in the sum itself.
private let shareTolerance = 0.01 + 1e-9

let splitCommand = CommandSpec(
    path: ["split"],
    summary: "Split labelled data into stratified parts, such as train, calibration and test",
    discussion: """
        Shuffles each label's rows with the seed and cuts them by the shares, so every
        part has the labels in the same proportions. The shares must add up to 1. Parts
        are written as CSV with the input's columns. Example:

          triage split data/sms_spam/sms_spam.tsv --label Label \\
            --into train.csv=0.6 --into calibration.csv=0.2 --into test.csv=0.2
        """,
    options: [
        .repeated("into", "FILE=SHARE", "A part: where to write it and its share; repeat"),
        .value("label", "COL", "Column holding the label", default: "label"),
        .value("seed", "N", "Seed for the shuffle", default: "0"),
    ],
    positionals: [PositionalSpec(name: "FILE", help: "Labelled data (.csv, .tsv or .jsonl)")],
    run: { arguments, context in
        var parts: [(path: String, share: Double)] = []
        for text in arguments.values("into") {
            guard let equals = text.lastIndex(of: "="),
                let share = Double(text[text.index(after: equals)...]), share > 0,
                equals != text.startIndex
            else {
                throw UsageError(
                    "option '--into' needs FILE=SHARE with a positive share, got '\(text)'",
                    command: arguments.command)
            }
            parts.append((String(text[..<equals]), share))
        }
        guard parts.count >= 2 else {
            throw UsageError(
                "'triage split' needs at least two --into parts", command: arguments.command)
        }

        // Each part needs a file of its own: a second one would overwrite the first.
        var seen: [String: String] = [:]
        for part in parts {
            if let earlier = seen.updateValue(part.path, forKey: resolvedPath(part.path)) {
                throw UsageError(
                    earlier == part.path
                        ? "option '--into' names the file '\(part.path)' twice"
                        : "option '--into' names one file twice: '\(earlier)' and '\(part.path)'",
                    command: arguments.command)
            }
        }

        // Shares are parts of the whole: ones that fall short or overshoot are a
        // mistake, not a ratio to rescale.
        let total = parts.map(\.share).reduce(0, +)
        guard abs(total - 1) <= shareTolerance else {
            throw UsageError(
                "the shares of --into add up to \(rounded(total, places: 6)), not 1",
                command: arguments.command)
        }
        let seed = try arguments.integer("seed") ?? 0
        guard seed >= 0 else {
            throw UsageError("option '--seed' must not be negative", command: arguments.command)
        }

        let path = arguments.positional(0) ?? ""
        let table = try Table.read(path: path)
        let labelColumn = arguments.value("label") ?? "label"
        guard let labelIndex = table.columnIndex(labelColumn) else {
            throw TriageError(
                .invalidData,
                "no column \"\(labelColumn)\"; the columns are "
                    + table.columns.map { "\"\($0)\"" }.joined(separator: ", "),
                at: SourceLocation(file: path), remedy: "name the label column with --label")
        }
        let labels = table.rows.map { $0.cell(at: labelIndex) ?? "" }
        let indices = StratifiedSplit.split(
            labels: labels, shares: parts.map(\.share), seed: UInt64(seed))
        // Every part is written before any file is replaced, so a part that cannot
        // be written leaves the others' files as they were.
        try CSVWriter.write(
            zip(parts, indices).map { part, members in
                (part.path, table.columns, members.map { table.rows[$0] })
            })
        for (part, members) in zip(parts, indices) {
            context.note("triage: wrote \(members.count) rows to \(part.path)")
        }
    })

/// A path with its folder resolved, so that `p.csv`, `./p.csv` and `dir/../p.csv`
/// compare equal; as given when the folder does not exist.
private func resolvedPath(_ path: String) -> String {
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard let resolved = realpath(folder, nil) else { return path }
    defer { free(resolved) }
    let base = String(cString: resolved)
    return (base.hasSuffix("/") ? base : base + "/") + name
}

import TriageKit

let classifyCommand = CommandSpec(
    path: ["classify"],
    summary: "Classify inputs; defer the uncertain ones to the review queue",
    discussion: """
        Reads a .csv, .tsv or .jsonl file with a text column (other columns are ignored),
        or any other file or standard input with one input per line (blank lines are
        skipped). Prints one decision per input, in input order, as JSON Lines by default:

          {"index":0,"label":"...","confidence":0.97,"alternatives":[{"label":"...",
           "probability":0.01}],"decision":"auto","model_version":1}

        A deferred input has "decision":"deferred", a "reason" and the review "case" id.
        The same input deferred twice joins one case.
        """,
    options: [
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .value("text", "COL", "Column holding the text (default: the model's text column)"),
        .value("input-format", "FMT", "csv, tsv, jsonl or lines (default: from the file name)"),
        .value("format", "FMT", "Output as json, csv or table", default: "json"),
        .value("alternatives", "K", "Runner-up labels listed per input", default: "3"),
        .flag("dry-run", "Decide without writing deferred inputs to the queue"),
        .value("seed", "N", "Seed for choosing audited decisions (default: random)"),
        .value("overlap", "N", "Independent answers each deferred input needs", default: "1"),
        .value("priority", "P", "Priority of the cases this run queues", default: "0"),
    ] + modelDeferralOptions,
    positionals: [
        PositionalSpec(name: "FILE", help: "Input file, or - for standard input", optional: true)
    ],
    run: { arguments, context in
        let format = try arguments.choice("format", ["json", "csv", "table"]) ?? "json"
        let inputFormat = try arguments.choice("input-format", ["csv", "tsv", "jsonl", "lines"])
        let alternatives = try arguments.integer("alternatives") ?? 3
        guard (0...20).contains(alternatives) else {
            throw UsageError(
                "option '--alternatives' must be between 0 and 20", command: arguments.command)
        }
        let name = try context.modelName(arguments)
        let path = arguments.positional(0) ?? "-"

        // Model first: a missing model fails before any input is read. Deferral
        // options refit its rule on its calibration split, for this run only.
        var model = try context.registry.load(name)
        if hasDeferralOptions(arguments) {
            let settings = try deferralSettings(arguments, base: model.manifest.deferral.settings)
            let (refitted, report) = try DeferralRefit.refit(model, settings: settings)
            model = refitted
            for note in report.notes { context.note("triage: note: \(note)") }
            context.note(
                "triage: deferral for this run: \(settings.policy.rawValue), expected coverage "
                    + "\(percent(report.coverage)) on the calibration split")
        }
        let seed = try arguments.integer("seed")
        let overlap = try arguments.integer("overlap") ?? 1
        guard (1...20).contains(overlap) else {
            throw UsageError(
                "option '--overlap' must be between 1 and 20", command: arguments.command)
        }
        let priority = try arguments.double("priority") ?? 0
        let store: ReviewStore? = arguments.flag("dry-run") ? nil : try context.openStore()
        let session =
            seed.map {
                ClassificationSession(
                    model: model, store: store, alternatives: alternatives, seed: UInt64(abs($0)))
            } ?? ClassificationSession(model: model, store: store, alternatives: alternatives)
        session.requiredAnswers = overlap
        session.priority = priority

        let tableFormat: TableFormat =
            switch inputFormat {
            case "csv": .csv
            case "tsv": .tsv
            case "jsonl": .jsonLines
            case "lines": .lines
            default: path == "-" ? .lines : TableFormat.inferred(fromPath: path)
            }
        let reader = try TableReader(path: path, format: tableFormat)
        let inputs = model.classifier.inputs
        let sources = try inputSources(
            inputs: inputs, textOverride: arguments.value("text"), format: tableFormat,
            command: arguments.command)
        var writer = DecisionWriter(format: format, out: context.out)
        let progress = ProgressLine(enabled: !context.quiet)
        var deferred = 0
        let started = ContinuousClock.now

        writer.begin()
        while let rows = try reader.nextBatch(maxRows: 2048) {
            let positions = try inputPositions(
                sources, in: reader.columns, format: tableFormat, path: path)
            let cells = rows.map { row in positions.map { $0.flatMap { row.cell(at: $0) } } }
            let decisions = try session.classify(cells)
            for (decision, row) in zip(decisions, cells) {
                writer.write(
                    decision, text: CaseInput.display(row, inputs: inputs),
                    version: model.manifest.version)
                if !decision.automated { deferred += 1 }
            }
            context.out.flush()
            let seconds = (ContinuousClock.now - started).seconds
            progress.update(
                "classified \(session.classified) inputs, \(deferred) deferred"
                    + (seconds > 0 ? " (\(Int(Double(session.classified) / seconds))/s)" : ""))
        }
        writer.end()
        context.out.flush()
        progress.clear()

        if session.classified == 0 {
            context.note("triage: note: the input holds nothing to classify")
        } else if context.err.isTerminal {
            let destination =
                store == nil ? "not queued (dry run)" : "queued in \(context.queuePath)"
            context.note(
                "triage: \(session.classified) inputs: \(session.classified - deferred) automated, "
                    + "\(deferred) deferred, \(destination)")
        }
    })

/// The column of the input that feeds each model input: its own name, or for a model
/// with one text input the column `--text` names.
func inputSources(
    inputs: [InputColumn], textOverride: String?, format: TableFormat, command: CommandSpec
) throws -> [String] {
    var names = inputs.map(\.name)
    let texts = inputs.indices.filter { inputs[$0].kind == .text }
    if let textOverride {
        guard texts.count == 1 else {
            throw UsageError(
                "option '--text' renames the text column of a model with one; this one has \(texts.count)",
                command: command)
        }
        names[texts[0]] = textOverride
    }
    if format == .lines {
        guard inputs.count == 1, inputs[0].kind == .text else {
            throw TriageError(
                .invalidData,
                "this model reads the columns "
                    + inputs.map { "\"\($0.name)\"" }.joined(separator: ", ")
                    + ", not lines of text",
                remedy: "give a .csv, .tsv or .jsonl file with those columns")
        }
        names = ["text"]
    }
    return names
}

/// Where each model input sits among the columns read so far. CSV and TSV must have
/// every column; JSON Lines keys may be missing from some rows but not from all.
func inputPositions(
    _ sources: [String], in columns: [String], format: TableFormat, path: String
) throws -> [Int?] {
    let positions = sources.map { columns.firstIndex(of: $0) }
    let missing = zip(sources, positions).filter { $0.1 == nil }.map(\.0)
    if !missing.isEmpty && (format != .jsonLines || missing.count == sources.count) {
        throw TriageError(
            .invalidData,
            "the input has no column "
                + missing.map { "\"\($0)\"" }.joined(separator: ", ") + "; its columns are "
                + columns.map { "\"\($0)\"" }.joined(separator: ", "),
            at: SourceLocation(file: path),
            remedy: sources.count == 1
                ? "name the text column with --text" : "add the model's input columns")
    }
    return positions
}

/// Writes decisions as JSON Lines, CSV or an aligned table.
struct DecisionWriter {
    let format: String
    let out: Output
    private var json = JSONWriter()

    init(format: String, out: Output) {
        self.format = format
        self.out = out
    }

    func begin() {
        switch format {
        case "csv":
            out.line(
                "index,label,confidence,decision,reason,case,model_version,alternatives,"
                    + "prediction_set")
        case "table":
            out.line(
                column("index", 6, right: true) + "  " + column("decision", 8) + "  "
                    + column("confidence", 14, right: true) + "  " + column("case", 6, right: true)
                    + "  " + column("label", 28) + "  text")
        default: break
        }
    }

    mutating func write(_ decision: Decision, text: String, version: Int) {
        switch format {
        case "csv":
            // Alternatives and the prediction set as JSON arrays in one field each, as
            // in the JSON output: labels may hold any character, `|` and `,` included.
            // Without a conformal policy there is no set and the field is empty; an
            // empty set is `[]`.
            json.removeAll()
            json.value(decision.alternatives)
            let alternatives = String(decoding: json.bytes, as: UTF8.self)
            var set = ""
            if let predictionSet = decision.predictionSet {
                json.removeAll()
                json.value(predictionSet)
                set = String(decoding: json.bytes, as: UTF8.self)
            }
            out.line(
                [
                    String(decision.index), CSVWriter.field(decision.label),
                    String(rounded(decision.confidence, places: 12)),
                    decision.automated ? "auto" : "deferred", decision.reason?.rawValue ?? "",
                    decision.caseID.map(String.init) ?? "", String(version),
                    CSVWriter.field(alternatives), CSVWriter.field(set),
                ].joined(separator: ","))
        case "table":
            let flat = sanitized(text)
            out.line(
                column(String(decision.index), 6, right: true) + "  "
                    + column(decision.automated ? "auto" : "deferred", 8) + "  "
                    + column(probabilityText(decision.confidence), 14, right: true) + "  "
                    + column(decision.caseID.map(String.init) ?? "", 6, right: true) + "  "
                    + column(sanitized(decision.label), 28) + "  " + String(flat.prefix(60)))
        default:
            json.removeAll()
            json.beginObject()
            json.key("index")
            json.value(decision.index)
            json.key("label")
            json.value(decision.label)
            // Twelve decimals: a threshold near 1 must stay distinguishable from 1.
            json.key("confidence")
            json.value(decision.confidence, places: 12)
            json.key("alternatives")
            json.value(decision.alternatives)
            json.key("decision")
            json.value(decision.automated ? "auto" : "deferred")
            if let reason = decision.reason {
                json.key("reason")
                json.value(reason.rawValue)
            }
            if let id = decision.caseID {
                json.key("case")
                json.value(id)
            }
            if let set = decision.predictionSet {
                json.key("prediction_set")
                json.value(set)
            }
            json.key("model_version")
            json.value(version)
            json.endObject()
            json.newline()
            out.write(json.bytes)
        }
    }

    func end() {}
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}

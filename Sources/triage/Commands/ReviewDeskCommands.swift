import FoundationEssentials
import TriageKit

/// Options of commands that hand out cases.
let claimOptions: [OptionSpec] = [
    .value("reviewer", "NAME", "Who reviews (default: the login name)"),
    .value("model", "NAME", "Only cases of this model"),
    .value("order", "O", "uncertainty, fifo, priority or random", default: "uncertainty"),
    .value("lease", "SECONDS", "How long a claimed case stays yours", default: "600"),
]

/// The claim options, checked.
func claimSettings(_ arguments: ParsedArguments) throws -> (order: CaseOrder, lease: Double) {
    let order = try arguments.choice("order", CaseOrder.allCases.map(\.rawValue)).flatMap {
        CaseOrder(rawValue: $0)
    }
    let lease = try arguments.double("lease") ?? 600
    guard lease > 0 else {
        throw UsageError(
            "option '--lease' must be a positive number of seconds", command: arguments.command)
    }
    return (order ?? .uncertainty, lease)
}

let reviewNextCommand = CommandSpec(
    path: ["review", "next"],
    summary: "Claim the next case for a reviewer and print it",
    discussion: """
        Claims the next open case under the chosen order with a lease, so no other
        reviewer gets it meanwhile (unless the case needs several answers), and prints
        it. A reviewer's unexpired claim is handed back first. Prints nothing and exits
        0 when no case is left.
        """,
    options: claimOptions + [.flag("json", "As one JSON object")],
    run: { arguments, context in
        let (order, lease) = try claimSettings(arguments)
        guard let store = try context.openExistingStore(),
            let claimed = try store.claimNext(
                reviewer: try reviewer(arguments), model: arguments.value("model"), order: order,
                lease: lease)
        else { return }
        if arguments.flag("json") {
            context.out.write(caseJSON(claimed))
        } else {
            context.out.line(
                "case \(claimed.id)  \(probabilityText(claimed.confidence))  "
                    + "\(sanitized(claimed.predicted))  \(sanitized(claimed.text))")
        }
        context.out.flush()
    })

let reviewUndoCommand = CommandSpec(
    path: ["review", "undo"],
    summary: "Take back a reviewer's latest answer; its case reopens, claimed by them",
    options: [
        .value("reviewer", "NAME", "Whose answer (default: the login name)"),
        .value("lease", "SECONDS", "How long the reopened case stays theirs", default: "600"),
    ],
    run: { arguments, context in
        let (_, lease) = try claimSettings(arguments)
        let name = try reviewer(arguments)
        guard let reopened = try context.openStore().undoLastAnswer(reviewer: name, lease: lease)
        else {
            throw TriageError(.caseNotFound, "\(name) has no answer to undo")
        }
        context.out.line("case \(reopened.id): answer taken back; the case is open again")
        context.out.flush()
    })

let reviewReleaseCommand = CommandSpec(
    path: ["review", "release"],
    summary: "Give up a claimed case without answering it",
    options: [.value("reviewer", "NAME", "Whose claim (default: the login name)")],
    positionals: [PositionalSpec(name: "ID", help: "The case id")],
    run: { arguments, context in
        let id = try caseID(arguments)
        let name = try reviewer(arguments)
        guard let store = try context.openExistingStore() else {
            throw TriageError(
                .caseNotFound,
                "no review case \(id): there is no review queue at \(context.queuePath)")
        }
        guard try store.release(caseID: id, reviewer: name) else {
            throw TriageError(.invalidArgument, "\(name) holds no claim on case \(id)")
        }
        context.out.line("case \(id): released")
        context.out.flush()
    })

let reviewNoteCommand = CommandSpec(
    path: ["review", "note"],
    summary: "Add a note to a case's history",
    options: [.value("reviewer", "NAME", "Who writes (default: the login name)")],
    positionals: [
        PositionalSpec(name: "ID", help: "The case id"),
        PositionalSpec(name: "TEXT", help: "The note"),
    ],
    run: { arguments, context in
        let id = try caseID(arguments)
        let text = arguments.positional(1) ?? ""
        guard !text.isEmpty else {
            throw UsageError("'triage review note' needs TEXT", command: arguments.command)
        }
        try context.openStore().addNote(caseID: id, reviewer: try reviewer(arguments), text: text)
        context.out.line("case \(id): noted")
        context.out.flush()
    })

let reviewStatsCommand = CommandSpec(
    path: ["review", "stats"],
    summary: "Per-reviewer throughput and agreement: with each other, the model and gold",
    options: [
        .value("model", "NAME", "Only answers to this model's cases"),
        .flag("json", "As one JSON object"),
    ],
    run: { arguments, context in
        let answers =
            try context.openExistingStore()?.answers(model: arguments.value("model")) ?? []
        let stats = ReviewStatistics.from(answers)
        if arguments.flag("json") {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            context.out.write(Array(try encoder.encode(stats)) + [0x0a])
            context.out.flush()
            return
        }
        let out = context.out
        let optional = { (value: Double?, places: Int) in value.map { fixed($0, places) } ?? "—" }
        out.line(
            column("reviewer", 20) + column("answers", 9, right: true)
                + column("per hour", 10, right: true) + column("with model", 12, right: true)
                + column("kappa", 8, right: true) + column("gold", 12, right: true))
        for reviewer in stats.reviewers {
            out.line(
                column(sanitized(reviewer.name), 20)
                    + column(String(reviewer.answers), 9, right: true)
                    + column(optional(reviewer.perHour, 0), 10, right: true)
                    + column(optional(reviewer.agreementWithModel, 3), 12, right: true)
                    + column(optional(reviewer.kappaWithModel, 3), 8, right: true)
                    + column(
                        reviewer.goldAnswers == 0
                            ? "—"
                            : "\(optional(reviewer.goldAccuracy, 3)) of \(reviewer.goldAnswers)",
                        12, right: true))
        }
        if !stats.pairs.isEmpty {
            out.line("")
            out.line(
                column("pair", 40) + column("shared", 8, right: true)
                    + column("agree", 8, right: true) + column("kappa", 8, right: true))
            for pair in stats.pairs {
                out.line(
                    column(sanitized("\(pair.first) · \(pair.second)"), 40)
                        + column(String(pair.shared), 8, right: true)
                        + column(fixed(pair.agreement, 3), 8, right: true)
                        + column(optional(pair.kappa, 3), 8, right: true))
            }
        }
        out.flush()
    })

let reviewGoldCommand = CommandSpec(
    path: ["review", "gold"],
    summary: "Add cases with known answers, shown to reviewers like any other",
    discussion: """
        Each row of a labelled file becomes a case scored by the model, with the label
        kept as its known answer; reviewers cannot tell it apart, and `review stats`
        reports each reviewer's accuracy on these cases.
        """,
    options: [
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .value("label", "COL", "Column holding the known answer", default: "label"),
    ],
    positionals: [PositionalSpec(name: "FILE", help: "Labelled data (.csv, .tsv or .jsonl)")],
    run: { arguments, context in
        let name = try context.modelName(arguments)
        let model = try context.registry.load(name)
        let inputs = model.classifier.inputs
        let examples = try LabelledExamples.read(
            path: arguments.positional(0) ?? "", labelColumn: arguments.value("label") ?? "label",
            inputColumns: inputs.map(\.name))
        let scored = model.classifier.decide(examples.rows, top: 4)
        let cases = zip(examples.rows, zip(scored, examples.labels)).map { row, pair in
            let (input, label) = pair
            return NewCase(
                model: name, modelVersion: model.manifest.version,
                input: CaseInput.canonical(row, columns: inputs.map(\.name)),
                text: CaseInput.display(row, inputs: inputs),
                predicted: model.classifier.labels[input.decision.label],
                confidence: input.ranked.first?.probability ?? 0, probabilities: input.ranked,
                reason: input.decision.reason ?? .lowConfidence, gold: label)
        }
        let ids = try context.openStore().enqueue(cases)
        context.out.line("added \(Set(ids).count) gold cases to the queue")
        context.out.flush()
    })

let reviewExportCommand = CommandSpec(
    path: ["review", "export"],
    summary: "Every answer, one record each, as JSON Lines or CSV",
    discussion: """
        Fields: case, text, label (as answered), reviewer, answered_at (ISO 8601, UTC),
        source (review, adjudication or import), predicted, audit, gold, overlap.
        """,
    options: [
        .value("model", "NAME", "Only answers to this model's cases"),
        .value("format", "FMT", "jsonl or csv", default: "jsonl"),
    ],
    run: { arguments, context in
        let format = try arguments.choice("format", ["jsonl", "csv"]) ?? "jsonl"
        let answers =
            try context.openExistingStore()?.answers(model: arguments.value("model")) ?? []
        let out = context.out
        if format == "csv" {
            out.line("case,text,label,reviewer,answered_at,source,predicted,audit,gold,overlap")
        }
        for answer in answers {
            let when = Date(timeIntervalSince1970: answer.answeredAt).formatted(.iso8601)
            if format == "csv" {
                out.line(
                    [
                        String(answer.caseID), CSVWriter.field(answer.text),
                        CSVWriter.field(answer.label), CSVWriter.field(answer.reviewer), when,
                        answer.source.rawValue, CSVWriter.field(answer.predicted),
                        String(answer.isAudit), String(answer.gold != nil),
                        String(answer.isOverlap),
                    ].joined(separator: ","))
                continue
            }
            var json = JSONWriter()
            json.beginObject()
            json.key("case")
            json.value(answer.caseID)
            json.key("text")
            json.value(answer.text)
            json.key("label")
            json.value(answer.label)
            json.key("reviewer")
            json.value(answer.reviewer)
            json.key("answered_at")
            json.value(when)
            json.key("source")
            json.value(answer.source.rawValue)
            json.key("predicted")
            json.value(answer.predicted)
            json.key("audit")
            json.value(answer.isAudit)
            json.key("gold")
            json.value(answer.gold != nil)
            json.key("overlap")
            json.value(answer.isOverlap)
            json.endObject()
            json.newline()
            out.write(json.bytes)
        }
        out.flush()
    })

let reviewImportCommand = CommandSpec(
    path: ["review", "import"],
    summary: "Record answers produced elsewhere, checked against the label set, all or none",
    discussion: """
        Reads a CSV, TSV or JSON Lines file with the columns case and label, and
        optionally reviewer (else --reviewer) and answered_at (seconds since 1970). Every
        label must be one the case's model knows, unless --new-label; every case must be
        open. Nothing is recorded unless every row is valid.
        """,
    options: [
        .value("reviewer", "NAME", "Reviewer for rows without one (default: the login name)"),
        .flag("new-label", "Accept labels the model does not know yet"),
    ],
    positionals: [PositionalSpec(name: "FILE", help: "The answers")],
    run: { arguments, context in
        let path = arguments.positional(0) ?? ""
        let table = try Table.read(path: path)
        guard let caseColumn = table.columnIndex("case"),
            let labelColumn = table.columnIndex("label")
        else {
            throw TriageError(
                .invalidData, "the answers need the columns \"case\" and \"label\"",
                at: SourceLocation(file: path))
        }
        let reviewerColumn = table.columnIndex("reviewer")
        let timeColumn = table.columnIndex("answered_at")
        let fallback = try reviewer(arguments)
        let store = try context.openStore()
        let desk = ReviewDesk(store: store, registry: context.registry)

        // Check every row before recording any.
        var answers: [ImportedAnswer] = []
        var known: [String: Set<String>] = [:]
        for row in table.rows {
            let location = SourceLocation(file: path, line: row.line)
            guard let id = row.cell(at: caseColumn).flatMap({ Int64($0) }) else {
                throw TriageError(.invalidData, "the case is not a case number", at: location)
            }
            guard let label = row.cell(at: labelColumn), !label.isEmpty else {
                throw TriageError(.invalidData, "the row has no label", at: location)
            }
            let reviewCase: ReviewCase
            do {
                reviewCase = try store.reviewCase(id: id)
            } catch let error as TriageError {
                throw TriageError(error.code, error.message, at: location)
            }
            if !arguments.flag("new-label") {
                if known[reviewCase.model] == nil {
                    known[reviewCase.model] = try desk.knownLabels(model: reviewCase.model)
                }
                guard known[reviewCase.model]?.contains(label) == true else {
                    throw TriageError(
                        .unknownLabel,
                        "model \"\(reviewCase.model)\" has no label \"\(label)\"", at: location,
                        remedy: "pass --new-label to accept new labels")
                }
            }
            answers.append(
                ImportedAnswer(
                    caseID: id, label: label,
                    reviewer: reviewerColumn.flatMap { row.cell(at: $0) } ?? fallback,
                    answeredAt: timeColumn.flatMap { row.cell(at: $0) }.flatMap { Double($0) }))
        }
        try store.importAnswers(answers)
        context.out.line("imported \(counted(answers.count, "answer"))")
        context.out.flush()
    })

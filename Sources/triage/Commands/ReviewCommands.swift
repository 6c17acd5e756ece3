@preconcurrency import Glibc
import TriageKit

let reviewListCommand = CommandSpec(
    path: ["review", "list"],
    summary: "List pending review cases, least confident first",
    options: [
        .value("model", "NAME", "Only cases of this model"),
        .value("limit", "N", "At most N cases"),
        .flag("json", "One JSON object per case"),
    ],
    run: { arguments, context in
        let limit = try arguments.integer("limit")
        if let limit, limit < 0 {
            throw UsageError("option '--limit' must not be negative", command: arguments.command)
        }
        guard let store = try context.openExistingStore() else {
            if !arguments.flag("json") {
                context.note("triage: no review queue at \(context.queuePath) yet")
            }
            return
        }
        let cases = try store.pendingCases(model: arguments.value("model"), limit: limit)
        if arguments.flag("json") {
            for reviewCase in cases { context.out.write(caseJSON(reviewCase)) }
            context.out.flush()
            return
        }

        // The counts say whether the queue is empty, not the list: `--limit 0` lists
        // nothing from a queue that has cases.
        let counts = try store.counts(model: arguments.value("model"))
        let pending = counts[.pending] ?? 0
        guard pending > 0 else {
            context.note("triage: no pending cases")
            return
        }
        if !cases.isEmpty {
            // Fit a terminal; elsewhere (a pipe, a file) keep up to 500 characters.
            let width = context.out.isTerminal ? max(20, context.out.width - 48) : 500
            context.out.line(
                column("id", 6, right: true) + "  " + column("confidence", 10, right: true)
                    + "  " + column("predicted", 24) + "  text")
            for reviewCase in cases {
                let flat = sanitized(reviewCase.text)
                context.out.line(
                    column(String(reviewCase.id), 6, right: true) + "  "
                        + column(probabilityText(reviewCase.confidence), 10, right: true) + "  "
                        + column(sanitized(reviewCase.predicted), 24) + "  "
                        + (flat.count > width ? column(flat, width) : flat)
                        + (reviewCase.skips > 0 ? "  (skipped)" : ""))
            }
            context.out.flush()
        }
        let resolved = counts[.autoResolved] ?? 0
        context.note(
            "triage: \(pending) pending, \(counts[.answered] ?? 0) answered"
                + (resolved > 0 ? ", \(resolved) auto-resolved by a newer model" : ""))
        context.out.flush()
    })

let reviewShowCommand = CommandSpec(
    path: ["review", "show"],
    summary: "Show one case: its input, the model's suggestions and its state",
    options: [.flag("json", "As one JSON object")],
    positionals: [PositionalSpec(name: "ID", help: "The case id")],
    run: { arguments, context in
        let id = try caseID(arguments)
        guard let store = try context.openExistingStore() else {
            throw TriageError(
                .caseNotFound,
                "no review case \(id): there is no review queue at \(context.queuePath)")
        }
        let reviewCase = try store.reviewCase(id: id)
        if arguments.flag("json") {
            context.out.write(caseJSON(reviewCase))
        } else {
            let out = context.out
            out.line(
                "case \(reviewCase.id)  \(reviewCase.status.rawValue)"
                    + (reviewCase.skips > 0 ? ", skipped \(reviewCase.skips)×" : ""))
            out.line("model     \(reviewCase.model) version \(reviewCase.modelVersion)")
            out.line(
                "reason    \(reviewCase.reason.rawValue), deferred \(reviewCase.timesDeferred)×")
            if reviewCase.status == .autoResolved {
                out.line(
                    "resolved  \(sanitized(reviewCase.predicted)) by model version "
                        + "\(reviewCase.modelVersion), without a person")
            }
            if let answer = reviewCase.answer {
                out.line(
                    "answer    \(sanitized(answer))"
                        + (reviewCase.reviewer.map { " (by \(sanitized($0)))" } ?? ""))
            }
            if reviewCase.requiredAnswers > 1 || reviewCase.disputed {
                out.line(
                    "answers   needs \(reviewCase.requiredAnswers)"
                        + (reviewCase.disputed ? ", disputed: awaiting adjudication" : ""))
            }
            out.line("")
            out.line(sanitized(reviewCase.text, keepNewlines: true))
            out.line("")
            if let set = reviewCase.predictionSet {
                out.line("prediction set: " + set.map { sanitized($0) }.joined(separator: ", "))
                out.line("")
            }
            out.line("suggestions")
            for (rank, suggestion) in reviewCase.probabilities.enumerated() {
                out.line(
                    "  \(rank + 1). \(column(sanitized(suggestion.label), 32))  "
                        + probabilityText(suggestion.probability))
            }
            let history = try store.events(caseID: reviewCase.id)
            out.line("")
            out.line("history")
            // Columns as wide as their longest entry, never narrower than usual.
            let kindWidth = max(11, history.map(\.kind.count).max() ?? 0)
            let whoWidth = max(14, history.compactMap { $0.reviewer?.count }.max() ?? 0)
            for event in history {
                // A claim's value is its lease, stored as a number of seconds.
                var value = event.value.map { sanitized($0) }
                if event.kind == "claimed", let lease = event.value.flatMap(Double.init) {
                    value = "lease \(secondsText(lease))"
                }
                out.line(
                    "  \(timestamp(event.at))  \(column(event.kind, kindWidth)) "
                        + column(event.reviewer.map { sanitized($0) } ?? "", whoWidth)
                        + (value.map { " \($0)" } ?? "")
                        + (event.previous.flatMap {
                            $0 == event.value ? nil : " (was \(sanitized($0)))"
                        } ?? ""))
            }
        }
        context.out.flush()
    })

let reviewLabelCommand = CommandSpec(
    path: ["review", "label"],
    summary: "Answer a case with its true label",
    options: [
        .flag("new-label", "Accept a label the model does not know yet"),
        .value("reviewer", "NAME", "Who answers (default: the login name)"),
        .flag("adjudicate", "Settle a disputed case with this label"),
        .value("note", "TEXT", "A note kept with the answer"),
    ],
    positionals: [
        PositionalSpec(name: "ID", help: "The case id"),
        PositionalSpec(name: "LABEL", help: "The true label"),
    ],
    run: { arguments, context in
        let id = try caseID(arguments)
        let label = arguments.positional(1) ?? ""
        let desk = ReviewDesk(store: try context.openStore(), registry: context.registry)
        let answered = try desk.answer(
            caseID: id, label: label, reviewer: try reviewer(arguments),
            allowNewLabel: arguments.flag("new-label"), adjudicate: arguments.flag("adjudicate"),
            note: arguments.value("note"))
        let state =
            answered.status == .answered
            ? ""
            : answered.disputed
                ? "; the answers disagree, so it awaits adjudication"
                : "; it needs more answers"
        context.out.line(
            "case \(answered.id): labelled \"\(sanitized(label))\" (the model suggested "
                + "\"\(sanitized(answered.predicted))\" at \(probabilityText(answered.confidence)))"
                + state)
        context.out.flush()
    })

let reviewSkipCommand = CommandSpec(
    path: ["review", "skip"],
    summary: "Pass on a case; it stays pending and moves to the back",
    options: [.value("reviewer", "NAME", "Who skips (default: the login name)")],
    positionals: [PositionalSpec(name: "ID", help: "The case id")],
    run: { arguments, context in
        let id = try caseID(arguments)
        let skipped = try context.openStore().skip(caseID: id, reviewer: try reviewer(arguments))
        context.out.line("case \(skipped.id): skipped")
        context.out.flush()
    })

func caseID(_ arguments: ParsedArguments) throws -> Int64 {
    let text = arguments.positional(0) ?? ""
    guard let id = Int64(text), id > 0 else {
        throw UsageError("ID must be a case number, got '\(text)'", command: arguments.command)
    }
    return id
}

/// The reviewer's name: `--reviewer`, else the login name.
func reviewer(_ arguments: ParsedArguments) throws -> String {
    if let name = arguments.value("reviewer") {
        guard !name.isEmpty, !name.contains(where: { $0.isNewline }) else {
            throw UsageError("option '--reviewer' needs a name", command: arguments.command)
        }
        return name
    }
    if let user = getenv("USER"), user.pointee != 0 { return String(cString: user) }
    if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name {
        return String(cString: name)
    }
    return "unknown"
}

/// A case as one line of JSON.
func caseJSON(_ reviewCase: ReviewCase) -> [UInt8] {
    var json = JSONWriter()
    json.beginObject()
    json.key("id")
    json.value(reviewCase.id)
    json.key("text")
    json.value(reviewCase.text)
    json.key("label")
    json.value(reviewCase.predicted)
    json.key("confidence")
    json.value(reviewCase.confidence)
    json.key("suggestions")
    json.value(reviewCase.probabilities)
    json.key("reason")
    json.value(reviewCase.reason.rawValue)
    if let set = reviewCase.predictionSet {
        json.key("prediction_set")
        json.value(set)
    }
    json.key("status")
    json.value(reviewCase.status.rawValue)
    if let answer = reviewCase.answer {
        json.key("answer")
        json.value(answer)
    }
    if let reviewer = reviewCase.reviewer {
        json.key("reviewer")
        json.value(reviewer)
    }
    json.key("required_answers")
    json.value(reviewCase.requiredAnswers)
    json.key("disputed")
    json.value(reviewCase.disputed)
    json.key("priority")
    json.value(reviewCase.priority)
    json.key("model")
    json.value(reviewCase.model)
    json.key("model_version")
    json.value(reviewCase.modelVersion)
    json.key("times_deferred")
    json.value(reviewCase.timesDeferred)
    json.key("skips")
    json.value(reviewCase.skips)
    json.key("input")
    json.value(reviewCase.input)
    json.endObject()
    json.newline()
    return json.bytes
}

@preconcurrency import Glibc
import TriageKit

let reviewCommand = CommandSpec(
    path: ["review"],
    summary: "Review deferred cases one at a time, at the terminal",
    discussion: """
        On a terminal, a full-screen reviewer: the input, the model's suggestions with
        their calibrated probabilities and why the case was deferred. Keys: Enter or a
        accepts the first suggestion, 1-9 picks one, / searches all labels by typing,
        s skips, u takes back the last answer, n adds a note, q (or Ctrl-C) quits.

        When standard input is not a terminal, a plain prompt instead: each case is
        printed, then one line is read: empty or a (the first suggestion), 1-9, a
        label, s (skip), u (undo), n TEXT (a note), q (quit); =LABEL answers a label
        that looks like a command. End of input quits.

        Cases are claimed with a lease, so reviewers at other terminals never get the
        same case at once; quitting releases the case in hand.
        """,
    options: claimOptions + [.flag("new-label", "Accept labels the model does not know yet")],
    run: { arguments, context in
        let (order, lease) = try claimSettings(arguments)
        let session = ReviewSession(
            desk: ReviewDesk(store: try context.openStore(), registry: context.registry),
            reviewer: try reviewer(arguments), model: arguments.value("model"), order: order,
            lease: lease, allowNewLabels: arguments.flag("new-label"))
        if RawTerminal.isAvailable {
            let terminal = try RawTerminal()
            do {
                try ReviewScreen(session: session, terminal: terminal).run()
            } catch {
                terminal.restore()
                try? session.finish()
                throw error
            }
            terminal.restore()
        } else {
            try PromptReviewer(session: session, out: context.out, err: context.err).run()
        }
        let minutes = session.elapsed / 60
        context.note(
            "triage: \(session.reviewer) answered \(session.answered) "
                + "case\(session.answered == 1 ? "" : "s") in \(fixed(minutes, 1)) min; "
                + "\(try session.remaining()) pending")
    })

/// The reviewer for pipes and scripts: prints each case and reads one answer per
/// line.
struct PromptReviewer {
    let session: ReviewSession
    let out: Output
    let err: Output

    func run() throws {
        defer { try? session.finish() }
        var reviewCase = try session.next()
        while let shown = reviewCase {
            show(shown)
            out.write("answer> ")
            out.flush()
            guard let line = readLine(strippingNewline: true) else { return }
            let reply = trimmed(line)
            do {
                switch reply {
                case "q", "quit":
                    return
                case "s", "skip":
                    try session.skip()
                    out.line("case \(shown.id) skipped")
                    reviewCase = try session.next()
                case "u", "undo":
                    guard let reopened = try session.undo() else {
                        err.line("triage: error: nothing to undo")
                        err.flush()
                        continue
                    }
                    out.line("answer to case \(reopened.id) taken back")
                    reviewCase = reopened
                case _ where reply.hasPrefix("n ") || reply.hasPrefix("note "):
                    let text = trimmed(reply.drop(while: { $0 != " " }))
                    try session.note(text)
                    out.line("note added to case \(shown.id)")
                default:
                    let label = try label(for: reply)
                    let answered = try session.answer(label: label)
                    out.line(
                        "case \(shown.id) labelled \"\(sanitized(label))\""
                            + (answered.status == .answered
                                ? "" : answered.disputed ? " (disputed)" : " (needs more answers)"))
                    reviewCase = try session.next()
                }
            } catch let error as TriageError where error.code != .store && error.code != .io {
                err.line("triage: error: \(error.description)")
                err.flush()
                if error.code == .caseClosed || error.code == .caseNotFound {
                    reviewCase = try session.next()
                }
            }
        }
        err.line("triage: nothing left to review")
        err.flush()
    }

    /// The label a reply names: a suggestion's number, empty or `a` for the first,
    /// `=LABEL` or a plain label.
    private func label(for reply: String) throws -> String {
        if reply.isEmpty || reply == "a" { return try session.choice(rank: 0) }
        if reply.count == 1, let digit = Int(reply), digit >= 1 {
            return try session.choice(rank: digit - 1)
        }
        return reply.hasPrefix("=") ? String(reply.dropFirst()) : reply
    }

    private func show(_ reviewCase: ReviewCase) {
        out.line("")
        out.line(
            "case \(reviewCase.id)  \(reviewCase.reason.rawValue)  "
                + "model \(reviewCase.model) version \(reviewCase.modelVersion)")
        out.line(sanitized(reviewCase.text, keepNewlines: true))
        if let set = reviewCase.predictionSet {
            out.line("prediction set: " + set.map { sanitized($0) }.joined(separator: ", "))
        }
        let probabilities = Dictionary(
            reviewCase.probabilities.map { ($0.label, $0.probability) },
            uniquingKeysWith: { first, _ in first })
        for (rank, label) in ReviewSession.choices(for: reviewCase).prefix(9).enumerated() {
            out.line(
                "  \(rank + 1). \(column(sanitized(label), 32))  "
                    + probabilityText(probabilities[label] ?? 0))
        }
    }
}

/// Text without leading and trailing white space.
private func trimmed<Text: StringProtocol>(_ text: Text) -> String {
    guard let first = text.firstIndex(where: { !$0.isWhitespace }),
        let last = text.lastIndex(where: { !$0.isWhitespace })
    else { return "" }
    return String(text[first...last])
}

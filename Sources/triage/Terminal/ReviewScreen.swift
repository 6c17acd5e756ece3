@preconcurrency import Glibc
import TriageKit

/// The full-screen reviewer: one case at a time, the model's suggestions, single keys
/// to answer, and a status line with the session's progress.
///
/// The whole screen is redrawn after every key and on every resize, from the session
/// and the mode alone, so what is shown never drifts from the queue.
final class ReviewScreen {
    private enum Mode: Equatable {
        case browse
        /// Typing to search among all labels; `selected` indexes the matches.
        case search(query: String, selected: Int)
        case note(text: String)
    }

    private let session: ReviewSession
    private let terminal: RawTerminal
    private var mode = Mode.browse
    /// The outcome of the last action, shown above the status line.
    private var message = ""
    private var messageIsError = false
    private var remaining = 0
    private var lastQueueCheck = 0.0

    init(session: ReviewSession, terminal: RawTerminal) {
        self.session = session
        self.terminal = terminal
    }

    /// Reviews until the reviewer quits or input ends.
    func run() throws {
        try act { _ = try session.next() }
        draw()
        while true {
            guard let key = terminal.readKey(timeout: 1000) else {
                // Idle: a resize redraws; an empty queue is looked at again now and
                // then, so new cases show up without a key press.
                if session.current == nil, session.elapsed - lastQueueCheck >= 2 {
                    try act { _ = try session.next() }
                }
                _ = terminal.takeResize()
                draw()
                continue
            }
            if try !handle(key) { break }
            draw()
        }
        try session.finish()
    }

    // MARK: - Keys

    /// Acts on one key; `false` when the reviewer is done.
    private func handle(_ key: Key) throws -> Bool {
        if key == .interrupt || key == .endOfInput { return false }
        switch mode {
        case .browse:
            return try browse(key)
        case .search(let query, let selected):
            try search(key, query: query, selected: selected)
        case .note(let text):
            try note(key, text: text)
        }
        return true
    }

    private func browse(_ key: Key) throws -> Bool {
        guard session.current != nil else {
            switch key {
            case .character("q"): return false
            case .character("u"): try undo()
            default: try act { _ = try session.next() }
            }
            return true
        }
        switch key {
        case .enter, .character("a"):
            try answer { try session.choice(rank: 0) }
        case .character(let digit) where ("1"..."9").contains(digit):
            let rank = Int(String(digit))! - 1
            try answer { try session.choice(rank: rank) }
        case .character("/"):
            mode = .search(query: "", selected: 0)
        case .character("s"):
            let id = session.current?.id ?? 0
            try act {
                try session.skip()
                _ = try session.next()
            }
            say("case \(id) skipped")
        case .character("u"):
            try undo()
        case .character("n"):
            mode = .note(text: "")
        case .character("q"):
            return false
        default:
            break
        }
        return true
    }

    private func search(_ key: Key, query: String, selected: Int) throws {
        let matches = ReviewSession.search(query, in: (try? session.labels()) ?? [])
        switch key {
        case .escape:
            mode = .browse
        case .enter:
            if matches.indices.contains(selected) {
                let label = matches[selected]
                try answer { label }
            } else if session.allowNewLabels, !query.isEmpty {
                try answer { query }
            } else {
                say("no label matches \"\(query)\"", error: true)
            }
        case .backspace:
            mode = .search(query: String(query.dropLast()), selected: 0)
        case .up:
            mode = .search(query: query, selected: max(0, selected - 1))
        case .down, .tab:
            mode = .search(query: query, selected: min(max(0, matches.count - 1), selected + 1))
        case .character(let character):
            mode = .search(query: query + String(character), selected: 0)
        default:
            break
        }
    }

    private func note(_ key: Key, text: String) throws {
        switch key {
        case .escape:
            mode = .browse
        case .enter:
            mode = .browse
            guard !text.isEmpty, let id = session.current?.id else { return }
            try act { try session.note(text) }
            if !messageIsError { say("note added to case \(id)") }
        case .backspace:
            mode = .note(text: String(text.dropLast()))
        case .character(let character):
            mode = .note(text: text + String(character))
        default:
            break
        }
    }

    /// Records an answer, then claims the next case. A refused answer keeps the case
    /// in hand, unless it was lost (closed, or claimed by someone else after the
    /// lease ran out), in which case the reviewer moves on.
    private func answer(_ label: () throws -> String) throws {
        let id = session.current?.id ?? 0
        do {
            let label = try label()
            let answered = try session.answer(label: label)
            mode = .browse
            let state =
                answered.status == .answered
                ? ""
                : answered.disputed ? " (the answers disagree: disputed)" : " (needs more answers)"
            say("case \(id) labelled \"\(sanitized(label))\"\(state)")
        } catch let error as TriageError {
            say(error.description, error: true)
            guard error.code == .caseClosed || error.code == .caseNotFound else { return }
            mode = .browse
        }
        try act { _ = try session.next() }
    }

    private func undo() throws {
        do {
            guard let reopened = try session.undo() else {
                say("nothing to undo", error: true)
                return
            }
            mode = .browse
            say("answer to case \(reopened.id) taken back")
        } catch let error as TriageError {
            say(error.description, error: true)
        }
    }

    /// Runs a queue action; a refusal becomes the message instead of ending the
    /// session. Other errors (a broken database) end it.
    private func act(_ action: () throws -> Void) throws {
        do {
            try action()
        } catch let error as TriageError where error.code != .store && error.code != .io {
            say(error.description, error: true)
        }
        lastQueueCheck = session.elapsed
        remaining = (try? session.remaining()) ?? remaining
    }

    private func say(_ text: String, error: Bool = false) {
        message = text
        messageIsError = error
    }

    // MARK: - Drawing

    private func draw() {
        let (columns, rows) = terminal.size
        let width = max(10, columns)
        var lines: [String] = []

        guard let reviewCase = session.current else {
            lines.append(inverse(padded(" Triage review", width)))
            lines.append("")
            lines.append(
                fit("Nothing left to review. New cases appear here as they arrive.", width))
            lines.append("")
            lines.append(dim(fit("u undo the last answer · q quit", width)))
            finish(lines, width: width, rows: rows)
            return
        }

        var header = " case \(reviewCase.id) · \(reasonText(reviewCase.reason))"
        header += " · \(reviewCase.model) v\(reviewCase.modelVersion)"
        if reviewCase.requiredAnswers > 1 {
            header += " · needs \(reviewCase.requiredAnswers) answers"
        }
        if reviewCase.skips > 0 { header += " · skipped \(reviewCase.skips)×" }
        if reviewCase.timesDeferred > 1 { header += " · seen \(reviewCase.timesDeferred)×" }
        lines.append(inverse(padded(header, width)))
        lines.append("")

        // Everything below the text, so the text gets what room is left.
        var below: [String] = [""]
        if let set = reviewCase.predictionSet {
            below += wrap(
                "prediction set: " + set.map { sanitized($0) }.joined(separator: ", "), width)
        }
        switch mode {
        case .browse:
            below.append(bold("suggestions"))
            let probabilities = Dictionary(
                reviewCase.probabilities.map { ($0.label, $0.probability) },
                uniquingKeysWith: { first, _ in first })
            let choices = ReviewSession.choices(for: reviewCase).prefix(9)
            let labelWidth = min(40, max(8, choices.map { sanitized($0).count }.max() ?? 8))
            for (rank, label) in choices.enumerated() {
                let probability = probabilities[label] ?? 0
                let bar = String(repeating: "█", count: Int((probability * 20).rounded()))
                below.append(
                    fit(
                        "  \(rank + 1)  \(column(sanitized(label), labelWidth))  "
                            + "\(fixed(probability, 4))  \(bar)", width))
            }
            below.append("")
            below.append(
                dim(
                    fit(
                        "Enter accept 1 · 1-9 pick · / search labels · s skip · u undo · n note · q quit",
                        width)))
        case .search(let query, let selected):
            below.append(fit("search: \(sanitized(query))▏", width))
            let matches = ReviewSession.search(query, in: (try? session.labels()) ?? [])
            let shown = max(1, min(9, rows - 12))
            let start = max(0, min(selected - shown + 1, matches.count - shown))
            for index in matches.indices.dropFirst(start).prefix(shown) {
                let line = fit((index == selected ? "› " : "  ") + sanitized(matches[index]), width)
                below.append(index == selected ? bold(line) : line)
            }
            if matches.isEmpty {
                below.append(
                    session.allowNewLabels && !query.isEmpty
                        ? fit(
                            "  no label matches; Enter adds \"\(sanitized(query))\" as a new label",
                            width)
                        : fit("  no label matches", width))
            } else {
                below.append(
                    dim(
                        fit(
                            "  \(matches.count) of \((try? session.labels().count) ?? 0) labels",
                            width)))
            }
            below.append("")
            below.append(dim(fit("type to search · ↑↓ choose · Enter answer · Esc back", width)))
        case .note(let text):
            below.append(fit("note: \(sanitized(text))▏", width))
            below.append("")
            below.append(dim(fit("Enter saves the note · Esc cancels", width)))
        }
        below.append(messageIsError ? red(fit(message, width)) : fit(message, width))

        // The input, wrapped to the width; cut with an ellipsis when the screen is
        // too short for all of it.
        let room = max(1, rows - lines.count - below.count - 1)
        var text: [String] = []
        for paragraph in sanitized(reviewCase.text, keepNewlines: true).split(
            separator: "\n", omittingEmptySubsequences: false)
        {
            text += wrap(String(paragraph), width)
        }
        if text.count > room {
            text = Array(text.prefix(room))
            text[room - 1] = fit(text[room - 1] + " …", width)
        }
        lines += text
        lines += below
        finish(lines, width: width, rows: rows)
    }

    /// Writes the lines from the top, clears the rest, and puts the status line on
    /// the last row.
    private func finish(_ lines: [String], width: Int, rows: Int) {
        var status =
            " \(sanitized(session.reviewer)) · answered \(session.answered) · \(remaining) left"
        if let rate = session.perMinute { status += " · \(fixed(rate, 1))/min" }
        var frame = "\u{1B}[H"
        for line in lines.prefix(max(0, rows - 1)) { frame += line + "\u{1B}[0m\u{1B}[K\r\n" }
        frame += "\u{1B}[J\u{1B}[\(rows);1H" + inverse(padded(status, width)) + "\u{1B}[0m"
        terminal.write(frame)
    }

    private func reasonText(_ reason: DeferralReason) -> String {
        switch reason {
        case .lowConfidence: "low confidence"
        case .outOfDistribution: "unlike the training data"
        case .setSize: "several labels possible"
        case .cost: "cheaper to review"
        case .audit: "audit"
        }
    }
}

/// Text cut to `width` characters.
private func fit(_ text: String, _ width: Int) -> String {
    text.count > width ? String(text.prefix(max(0, width - 1))) + "…" : text
}

/// Text cut or padded with spaces to exactly `width` characters.
private func padded(_ text: String, _ width: Int) -> String {
    text.count >= width
        ? fit(text, width) : text + String(repeating: " ", count: width - text.count)
}

/// Words laid out in lines of at most `width` characters; a word longer than a line
/// is broken.
func wrap(_ text: String, _ width: Int) -> [String] {
    guard text.count > width else { return [text] }
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
        var word = Substring(word)
        if !line.isEmpty && line.count + 1 + word.count > width {
            lines.append(line)
            line = ""
        }
        while word.count > width {
            if !line.isEmpty {
                lines.append(line)
                line = ""
            }
            lines.append(String(word.prefix(width)))
            word = word.dropFirst(width)
        }
        line += line.isEmpty ? String(word) : " " + word
    }
    lines.append(line)
    return lines
}

private func inverse(_ text: String) -> String { "\u{1B}[7m" + text + "\u{1B}[0m" }
private func bold(_ text: String) -> String { "\u{1B}[1m" + text + "\u{1B}[0m" }
private func dim(_ text: String) -> String { "\u{1B}[2m" + text + "\u{1B}[0m" }
private func red(_ text: String) -> String { "\u{1B}[31m" + text + "\u{1B}[0m" }

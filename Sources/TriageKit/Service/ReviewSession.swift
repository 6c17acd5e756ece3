import FoundationEssentials

/// One reviewer working through the queue, a case at a time: the case in hand, the
/// answers given so far, and the figures a status line shows.
///
/// Front ends (the full-screen terminal reviewer, a plain prompt, a script) drive
/// it; it holds no terminal state. Every action goes through `ReviewDesk`, so an
/// answer is checked exactly as `triage review label` checks it.
public final class ReviewSession {
    public let desk: ReviewDesk
    public let reviewer: String
    /// Only this model's cases, or every model's.
    public let model: String?
    public let order: CaseOrder
    /// Seconds a claimed case stays this reviewer's.
    public let lease: Double
    /// Accept labels the case's model does not know.
    public let allowNewLabels: Bool

    /// The claimed case being reviewed, or `nil` before the first `next()` and once
    /// the queue has nothing left for this reviewer.
    public private(set) var current: ReviewCase?
    /// Answers given in this session, less the ones taken back.
    public private(set) var answered = 0
    private let startedAt: Double
    private let clock: () -> Double
    private var labelsByModel: [String: [String]] = [:]

    public init(
        desk: ReviewDesk, reviewer: String, model: String?, order: CaseOrder, lease: Double,
        allowNewLabels: Bool = false,
        clock: @escaping () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.desk = desk
        self.reviewer = reviewer
        self.model = model
        self.order = order
        self.lease = lease
        self.allowNewLabels = allowNewLabels
        self.clock = clock
        self.startedAt = clock()
    }

    /// Claims the next case (or resumes this reviewer's live claim) and makes it
    /// current; `nil` when nothing is left.
    @discardableResult
    public func next() throws -> ReviewCase? {
        current = try desk.store.claimNext(
            reviewer: reviewer, model: model, order: order, lease: lease)
        return current
    }

    /// The suggestion at `rank` for the current case (0 is the model's first choice;
    /// under a prediction set, the set's order).
    ///
    /// - Throws: `unknownLabel` when there is no suggestion at that rank.
    public func choice(rank: Int) throws -> String {
        let choices = Self.choices(for: try inHand())
        guard rank >= 0, rank < choices.count else {
            throw TriageError(.unknownLabel, "there is no suggestion \(rank + 1) for this case")
        }
        return choices[rank]
    }

    /// Answers the current case with a label. A refused answer leaves the case in
    /// hand and the queue unchanged.
    @discardableResult
    public func answer(label: String) throws -> ReviewCase {
        let reviewCase = try inHand()
        let result = try desk.answer(
            caseID: reviewCase.id, label: label, reviewer: reviewer,
            allowNewLabel: allowNewLabels)
        answered += 1
        current = nil
        if !(labelsByModel[reviewCase.model]?.contains(label) ?? true) {
            labelsByModel[reviewCase.model] = nil
        }
        return result
    }

    /// Passes on the current case: it stays pending, moves to the back of the queue,
    /// and this reviewer's claim is freed.
    public func skip() throws {
        let reviewCase = try inHand()
        try desk.store.skip(caseID: reviewCase.id, reviewer: reviewer)
        current = nil
    }

    /// Takes back this reviewer's latest answer. Its case reopens, claimed by this
    /// reviewer, and becomes current; the case that was in hand is released so
    /// others can take it. Returns `nil`, changing nothing, when there is no answer to undo.
    @discardableResult
    public func undo() throws -> ReviewCase? {
        guard let reopened = try desk.store.undoLastAnswer(reviewer: reviewer, lease: lease) else {
            return nil
        }
        if let current, current.id != reopened.id {
            try desk.store.release(caseID: current.id, reviewer: reviewer)
        }
        answered = max(0, answered - 1)
        current = reopened
        return reopened
    }

    /// Adds a note to the current case's history.
    public func note(_ text: String) throws {
        let reviewCase = try inHand()
        try desk.store.addNote(caseID: reviewCase.id, reviewer: reviewer, text: text)
    }

    /// Ends the session: the case in hand is released so another reviewer gets it at
    /// once instead of when the lease runs out.
    public func finish() throws {
        guard let current else { return }
        try desk.store.release(caseID: current.id, reviewer: reviewer)
        self.current = nil
    }

    /// Cases still pending, for this session's model or all.
    public func remaining() throws -> Int {
        try desk.store.counts(model: model)[.pending] ?? 0
    }

    /// Seconds since the session began.
    public var elapsed: Double { max(0, clock() - startedAt) }

    /// Answers per minute over the session so far; `nil` in its first few seconds,
    /// when a rate means nothing yet.
    public var perMinute: Double? {
        let seconds = elapsed
        guard seconds >= 5 else { return nil }
        return Double(answered) / seconds * 60
    }

    /// Every label an answer to the current case may be: what its model knows plus
    /// new labels reviewers already gave, sorted.
    public func labels() throws -> [String] {
        let reviewCase = try inHand()
        if let known = labelsByModel[reviewCase.model] { return known }
        let known = try desk.knownLabels(model: reviewCase.model).sorted()
        labelsByModel[reviewCase.model] = known
        return known
    }

    /// The labels a reviewer picks from by number: the prediction set when there is
    /// one (the model's own doubt), else the suggestions, most probable first.
    public static func choices(for reviewCase: ReviewCase) -> [String] {
        if let set = reviewCase.predictionSet, !set.isEmpty {
            let rest = reviewCase.probabilities.map(\.label).filter { !set.contains($0) }
            return set + rest
        }
        return reviewCase.probabilities.map(\.label)
    }

    /// Labels matching what a reviewer typed, best first: labels that start with it,
    /// then labels with a word that starts with it, then labels containing it; case
    /// and the separators `_`, `-` and space are ignored. An empty query matches
    /// every label in order.
    public static func search(_ query: String, in labels: [String]) -> [String] {
        let wanted = normalized(query)
        guard !wanted.isEmpty else { return labels }
        var ranked: [(rank: Int, label: String)] = []
        for label in labels {
            let plain = normalized(label)
            if plain.hasPrefix(wanted) {
                ranked.append((0, label))
            } else if words(of: label).contains(where: { normalized(String($0)).hasPrefix(wanted) })
            {
                ranked.append((1, label))
            } else if plain.contains(wanted) {
                ranked.append((2, label))
            }
        }
        return ranked.sorted { ($0.rank, $0.label) < ($1.rank, $1.label) }.map(\.label)
    }

    private static func normalized(_ text: String) -> String {
        String(text.lowercased().filter { $0 != "_" && $0 != "-" && $0 != " " })
    }

    private static func words(of label: String) -> [Substring] {
        label.lowercased().split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == " " })
    }

    private func inHand() throws -> ReviewCase {
        guard let current else {
            throw TriageError(.caseNotFound, "no case is in hand; claim one first")
        }
        return current
    }
}

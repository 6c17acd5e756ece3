/// Reviewers' actions on the queue, with the checks that need the model registry:
/// an answer must be a label the case's model knows unless a new label is allowed.
public struct ReviewDesk {
    public let store: ReviewStore
    public let registry: ModelRegistry

    public init(store: ReviewStore, registry: ModelRegistry) {
        self.store = store
        self.registry = registry
    }

    /// Answers a case.
    ///
    /// - Parameter allowNewLabel: accept a label the model has never seen; the next
    ///   retrain adds it as a class.
    /// - Throws: `caseNotFound`, `caseClosed`, or `unknownLabel` naming close
    ///   matches; the queue is unchanged on every error.
    @discardableResult
    public func answer(
        caseID: Int64, label: String, reviewer: String, allowNewLabel: Bool = false,
        adjudicate: Bool = false, note: String? = nil
    ) throws -> ReviewCase {
        let reviewCase = try store.reviewCase(id: caseID)
        guard !label.isEmpty, !label.allSatisfy({ $0.isWhitespace }) else {
            throw TriageError(.unknownLabel, "the label is empty")
        }
        guard !label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw TriageError(
                .unknownLabel, "a label cannot contain line breaks or control characters")
        }
        if !allowNewLabel {
            let known = try knownLabels(model: reviewCase.model)
            guard known.contains(label) else {
                let similar = Self.similar(to: label, among: known)
                throw TriageError(
                    .unknownLabel,
                    "model \"\(reviewCase.model)\" has no label \"\(label)\"",
                    remedy: similar.isEmpty
                        ? "list the labels with `triage models show --model \(reviewCase.model)`, "
                            + "or pass --new-label to add it"
                        : "did you mean \(similar.map { "\"\($0)\"" }.joined(separator: ", "))? "
                            + "Pass --new-label to add a new one")
            }
        }
        let answered = try store.answer(
            caseID: caseID, label: label, reviewer: reviewer, adjudicate: adjudicate)
        if let note, !note.isEmpty {
            try store.addNote(caseID: caseID, reviewer: reviewer, text: note)
        }
        return answered
    }

    /// Up to three known labels close to a mistyped one: within a few edits, or
    /// containing it.
    static func similar(to label: String, among known: Set<String>) -> [String] {
        let typed = Array(label.lowercased())
        let scored = known.compactMap { candidate -> (String, Int)? in
            let lowered = Array(candidate.lowercased())
            let distance = editDistance(typed, lowered)
            let close = distance <= max(1, typed.count / 4)
            let contains = typed.count >= 3 && candidate.lowercased().contains(label.lowercased())
            return close || contains ? (candidate, distance) : nil
        }
        return scored.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
    }

    /// Levenshtein distance between two character sequences.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Labels the current version of a model knows, plus new labels reviewers have
    /// already given its cases.
    public func knownLabels(model: String) throws -> Set<String> {
        let version = try registry.currentVersion(model)
        var labels = Set(try registry.manifest(model, version: version).labels)
        for answer in try store.answers(model: model) { labels.insert(answer.label) }
        return labels
    }
}

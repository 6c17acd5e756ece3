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
        caseID: Int64, label: String, reviewer: String, allowNewLabel: Bool = false
    ) throws -> ReviewCase {
        let reviewCase = try store.reviewCase(id: caseID)
        guard !label.isEmpty, !label.allSatisfy({ $0.isWhitespace }) else {
            throw TriageError(.unknownLabel, "the label is empty")
        }
        if !allowNewLabel {
            let known = try knownLabels(model: reviewCase.model)
            guard known.contains(label) else {
                let similar = known.filter {
                    $0.lowercased().contains(label.lowercased()) || label.lowercased().contains($0.lowercased())
                }.prefix(5)
                throw TriageError(
                    .unknownLabel,
                    "model \"\(reviewCase.model)\" has no label \"\(label)\"",
                    remedy: similar.isEmpty
                        ? "list the labels with `triage review show \(caseID)`, or pass --new-label to add it"
                        : "did you mean \(similar.map { "\"\($0)\"" }.joined(separator: ", "))? "
                            + "Pass --new-label to add a new one")
            }
        }
        return try store.answer(caseID: caseID, label: label, reviewer: reviewer)
    }

    /// Labels the current version of a model knows, plus new labels reviewers have
    /// already added to its queue.
    public func knownLabels(model: String) throws -> Set<String> {
        let version = try registry.currentVersion(model)
        var labels = Set(try registry.manifest(model, version: version).labels)
        for answered in try store.answeredCases(model: model) {
            if let answer = answered.answer { labels.insert(answer) }
        }
        return labels
    }
}

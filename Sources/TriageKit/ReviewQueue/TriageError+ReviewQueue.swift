extension TriageError {
    /// No case with this id: "no review case 42".
    static func caseNotFound(_ id: Int64) -> TriageError {
        TriageError(.caseNotFound, "no review case \(id)")
    }

    /// The case already has an answer: "case 42 is already answered".
    static func caseClosed(_ id: Int64) -> TriageError {
        TriageError(.caseClosed, "case \(id) is already answered")
    }

    /// A stored case with a field that cannot be read back. Names the case and the
    /// field, never the stored value.
    static func damagedCase(_ id: Int64, field: String, path: String) -> TriageError {
        TriageError(
            .store, "case \(id) has \(field) that cannot be read",
            at: SourceLocation(file: path),
            remedy: "the review queue is damaged; restore it from a backup")
    }
}

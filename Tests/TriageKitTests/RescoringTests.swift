import Testing

@testable import TriageKit

/// The queue after a new model version: which cases it may decide, what deciding
/// does, and how people undo it.
@Suite struct RescoringTests {
    /// A verdict of version `version` on case `id`: decided when `reason` is `nil`.
    func verdict(
        _ id: Int64, version: Int = 2, label: String = "refund", confidence: Double = 0.97,
        reason: DeferralReason? = nil
    ) -> RescoredCase {
        RescoredCase(
            caseID: id, modelVersion: version, predicted: label, confidence: confidence,
            probabilities: [LabelProbability(label: label, probability: confidence)],
            reason: reason)
    }

    @Test(arguments: Storage.allCases)
    func onlyCasesNoPersonTouchedAreCandidates(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        var audit = deferred("audited")
        audit.reason = .audit
        var gold = deferred("gold")
        gold.gold = "billing"
        let ids = try store.enqueue([
            deferred("free"), deferred("answered"), deferred("claimed"), audit, gold,
            deferred("half answered"), deferred("by version 2", version: 2),
            deferred("other model", model: "mail"),
        ])
        try store.answer(caseID: ids[1], label: "billing", reviewer: "ana", adjudicate: false)
        let claimed = try store.claimNext(
            reviewer: "ben", model: "tickets", order: .fifo, lease: 600)
        #expect(claimed?.id == ids[0])
        try store.release(caseID: ids[0], reviewer: "ben")
        _ = try store.claimNext(reviewer: "ben", model: "tickets", order: .fifo, lease: 600)
        #expect(try store.reviewCase(id: ids[0]).status == .pending)
        try store.importAnswers([ImportedAnswer(caseID: ids[5], label: "x", reviewer: "cy")])

        // "free" is claimed by ben now (the first case in fifo order), so "claimed"
        // is the only untouched case: everything else is answered, claimed, an
        // audit, gold, already scored by version 2 or another model's.
        let candidates = try store.rescoringCandidates(model: "tickets", version: 2)
        #expect(candidates.map(\.text) == ["claimed"])
    }

    @Test(arguments: Storage.allCases)
    func decidedCasesCloseAndTheRestTakeTheNewSuggestions(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let ids = try store.enqueue([deferred("a"), deferred("b"), deferred("c")])
        let summary = try store.applyRescoring([
            verdict(ids[0]),
            verdict(ids[1], label: "billing", confidence: 0.6, reason: .lowConfidence),
        ])
        var expected = RescoringSummary()
        expected.resolved = 1
        expected.stillPending = 1
        #expect(summary == expected)

        let resolved = try store.reviewCase(id: ids[0])
        #expect(resolved.status == .autoResolved)
        #expect(resolved.modelVersion == 2)
        #expect(resolved.predicted == "refund" && resolved.confidence == 0.97)
        #expect(resolved.answer == nil && resolved.reviewer == nil)
        let pending = try store.reviewCase(id: ids[1])
        #expect(pending.status == .pending && pending.modelVersion == 2)
        #expect(pending.confidence == 0.6)

        // Auto-resolved cases are neither pending nor answers to learn from.
        #expect(try store.pendingCases(model: "tickets", limit: nil).map(\.id) == [ids[2], ids[1]])
        #expect(try store.answeredCases(model: "tickets").isEmpty)
        #expect(try store.answers(model: nil).isEmpty)
        #expect(try store.counts(model: nil) == [.pending: 2, .answered: 0, .autoResolved: 1])
        #expect(
            try store.eventRows(caseID: ids[0]).last
                == EventRow(
                    caseID: ids[0], kind: "auto_resolved", reviewer: "model version 2",
                    value: "refund", previous: "billing"))

        // A reviewer cannot answer it without reopening it first.
        let refused = #expect(throws: TriageError.self) {
            try store.answer(caseID: ids[0], label: "refund", reviewer: "ana", adjudicate: false)
        }
        #expect(refused?.code == .caseClosed)
    }

    @Test(arguments: Storage.allCases)
    func aLaterVersionReopensWhatItWouldDefer(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let ids = try store.enqueue([deferred("a"), deferred("b")])
        _ = try store.applyRescoring([verdict(ids[0]), verdict(ids[1])])

        // Version 3, say after a rollback, defers one and decides the other.
        let candidates = try store.rescoringCandidates(model: "tickets", version: 3)
        #expect(candidates.map(\.id) == ids)
        #expect(try store.rescoringCandidates(model: "tickets", version: 2).isEmpty)
        let summary = try store.applyRescoring([
            verdict(ids[0], version: 3, label: "billing", confidence: 0.5, reason: .lowConfidence),
            verdict(ids[1], version: 3),
        ])
        #expect(summary.reopened == 1 && summary.kept == 1)
        #expect(try store.reviewCase(id: ids[0]).status == .pending)
        #expect(try store.reviewCase(id: ids[1]).status == .autoResolved)
        #expect(try store.reviewCase(id: ids[1]).modelVersion == 3)
    }

    @Test(arguments: Storage.allCases)
    func aCaseChangedSinceItWasReadIsLeftAlone(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let ids = try store.enqueue([deferred("a"), deferred("b")])
        let candidates = try store.rescoringCandidates(model: "tickets", version: 2)
        #expect(candidates.count == 2)

        // A reviewer answers one and claims the other while the model scores them.
        try store.answer(caseID: ids[0], label: "billing", reviewer: "ana", adjudicate: false)
        _ = try store.claimNext(reviewer: "ben", model: nil, order: .fifo, lease: 600)
        let summary = try store.applyRescoring([verdict(ids[0]), verdict(ids[1])])
        #expect(summary.unchanged == 2 && summary.resolved == 0)
        #expect(try store.reviewCase(id: ids[0]).status == .answered)
        #expect(try store.reviewCase(id: ids[1]).status == .pending)
    }

    @Test(arguments: Storage.allCases)
    func aPersonReopensAnAutoResolvedCaseForGood(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let ids = try store.enqueue([deferred("a")])
        _ = try store.applyRescoring([verdict(ids[0])])

        let reopened = try store.reopen(caseID: ids[0], reviewer: "ana")
        #expect(reopened.status == .pending)
        #expect(reopened.predicted == "refund")
        #expect(
            try store.eventRows(caseID: ids[0]).last
                == EventRow(caseID: ids[0], kind: "reopened", reviewer: "ana", previous: "refund"))

        // Rescoring leaves it to people now, and it cannot be reopened twice.
        #expect(try store.rescoringCandidates(model: "tickets", version: 3).isEmpty)
        #expect(throws: TriageError.self) { try store.reopen(caseID: ids[0], reviewer: "ana") }
        try store.answer(caseID: ids[0], label: "refund", reviewer: "ana", adjudicate: false)
        #expect(try store.reviewCase(id: ids[0]).status == .answered)
    }
}

extension RescoringTests {
    @Test(arguments: Storage.allCases)
    func deferringAnAutoResolvedInputAgainReopensIt(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let ids = try store.enqueue([deferred("a")])
        _ = try store.applyRescoring([verdict(ids[0])])

        let again = try store.enqueue([deferred("a", version: 3, predicted: "billing")])
        #expect(again == ids)
        let reopened = try store.reviewCase(id: ids[0])
        #expect(reopened.status == .pending)
        #expect(reopened.modelVersion == 3 && reopened.predicted == "billing")
        #expect(reopened.timesDeferred == 2)
    }
}

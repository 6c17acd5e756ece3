import Foundation
import Synchronization
import Testing

@testable import TriageKit

/// The SQLite review store, each behaviour checked in memory and on disk.
@Suite struct ReviewStoreTests {
    // MARK: - Enqueue

    @Test(arguments: Storage.allCases)
    func enqueueReturnsIDsInOrder(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let ids = try store.enqueue([deferred("a"), deferred("b"), deferred("c")])
        #expect(ids == [1, 2, 3])
        #expect(try store.enqueue([deferred("d")]) == [4])
        #expect(try store.enqueue([]) == [])

        let stored = try store.reviewCase(id: 2)
        #expect(stored.text == "b")
        #expect(stored.input == "{\"text\":\"b\"}")
        #expect(stored.status == .pending)
        #expect(stored.timesDeferred == 1)
        #expect(stored.skips == 0)
        #expect(stored.answer == nil && stored.reviewer == nil && stored.answeredAt == nil)
        #expect(stored.probabilities == deferred("b").probabilities)
        #expect(stored.reason == .lowConfidence)
    }

    @Test(arguments: Storage.allCases)
    func sameInputTwiceIsOneCaseWithTheNewerPrediction(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let first = try store.enqueue([deferred("a", predicted: "billing", confidence: 0.4)])
        let before = try store.reviewCase(id: first[0])
        let again = try store.enqueue([
            deferred("a", version: 2, predicted: "refund", confidence: 0.6)
        ])

        #expect(again == first)
        let merged = try store.reviewCase(id: first[0])
        #expect(merged.timesDeferred == 2)
        #expect(merged.modelVersion == 2)
        #expect(merged.predicted == "refund")
        #expect(merged.confidence == 0.6)
        #expect(
            merged.probabilities
                == deferred("a", predicted: "refund", confidence: 0.6)
                .probabilities)
        #expect(merged.createdAt == before.createdAt)
        #expect(try store.counts(model: nil) == [.pending: 1, .answered: 0, .autoResolved: 0])
        #expect(
            try store.eventRows() == [
                EventRow(caseID: 1, kind: "deferred", value: "billing"),
                EventRow(caseID: 1, kind: "redeferred", value: "refund"),
            ])
    }

    @Test(arguments: Storage.allCases)
    func redeferringAnAnsweredCaseKeepsItsPrediction(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let id = try store.enqueue([deferred("a", predicted: "billing")])[0]
        let answered = try store.answer(caseID: id, label: "refund", reviewer: "ana")
        let again = try store.enqueue([
            deferred("a", version: 2, predicted: "other", confidence: 0.9)
        ])

        #expect(again == [id])
        var expected = answered
        expected.timesDeferred = 2
        #expect(try store.reviewCase(id: id) == expected)
        #expect(
            try store.eventRows().last
                == EventRow(caseID: id, kind: "redeferred", value: "other"))
    }

    @Test(arguments: Storage.allCases)
    func sameInputTwiceInOneBatchIsOneCase(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let ids = try store.enqueue([
            deferred("a", confidence: 0.3), deferred("b"), deferred("a", confidence: 0.2),
        ])
        #expect(ids == [1, 2, 1])
        let merged = try store.reviewCase(id: 1)
        #expect(merged.timesDeferred == 2)
        #expect(merged.confidence == 0.2)
        #expect(try store.eventRows().map(\.kind) == ["deferred", "deferred", "redeferred"])
    }

    @Test(arguments: Storage.allCases)
    func differentModelsDoNotMerge(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let ids =
            try store.enqueue([deferred("a", model: "tickets")])
            + store.enqueue([deferred("a", model: "mail")])
        #expect(ids == [1, 2])
        #expect(try store.reviewCase(id: 1).timesDeferred == 1)
        #expect(try store.reviewCase(id: 2).model == "mail")
        #expect(try store.pendingCases(model: "mail", limit: nil).map(\.id) == [2])
    }

    @Test(arguments: Storage.allCases)
    func nonFiniteConfidenceIsRefusedBeforeWriting(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let error = #expect(throws: TriageError.self) {
            _ = try store.enqueue([deferred("a"), deferred("b", confidence: .nan)])
        }
        #expect(error?.code == .invalidArgument)
        #expect(
            error?.description
                == "deferred input 2 of 2 has a confidence or probability that is not "
                + "a finite number")
        #expect(try store.counts(model: nil) == [.pending: 0, .answered: 0, .autoResolved: 0])
    }

    @Test(arguments: Storage.allCases)
    func largeBatchIsOneCall(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let batch = (0..<20_000).map { deferred("input \($0)", confidence: 0.5) }
        let ids = try store.enqueue(batch)
        #expect(ids == Array(1...20_000))
        #expect(
            try store.counts(model: "tickets") == [
                .pending: 20_000, .answered: 0, .autoResolved: 0,
            ])
        #expect(try store.integer("SELECT count(*) FROM events") == 20_000)
    }

    // MARK: - Listing

    @Test(arguments: Storage.allCases)
    func pendingCasesListLeastConfidentFirstAndSkippedLast(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        _ = try store.enqueue([
            deferred("a", confidence: 0.7), deferred("b", confidence: 0.3),
            deferred("c", confidence: 0.5), deferred("d", confidence: 0.3),
            deferred("e", model: "mail", confidence: 0.1),
        ])
        #expect(
            try store.pendingCases(model: nil, limit: nil).map(\.text)
                == ["e", "b", "d", "c", "a"])

        // Skipped cases go behind the others, the most skipped last.
        try store.skip(caseID: 2, reviewer: "ana")
        try store.skip(caseID: 2, reviewer: "ben")
        try store.skip(caseID: 1, reviewer: "ana")
        #expect(
            try store.pendingCases(model: "tickets", limit: nil).map(\.text)
                == ["d", "c", "a", "b"])
        #expect(
            try store.pendingCases(model: nil, limit: nil).map(\.text)
                == ["e", "d", "c", "a", "b"])
        #expect(try store.pendingCases(model: nil, limit: 3).map(\.text) == ["e", "d", "c"])

        // The limit cuts the list after the order is applied.
        #expect(try store.pendingCases(model: "tickets", limit: 2).map(\.text) == ["d", "c"])
        #expect(try store.pendingCases(model: nil, limit: 0).isEmpty)
        #expect(try store.pendingCases(model: "nothing", limit: nil).isEmpty)

        // Answered cases leave the list.
        try store.answer(caseID: 4, label: "billing", reviewer: "ana")
        #expect(
            try store.pendingCases(model: "tickets", limit: nil).map(\.text)
                == ["c", "a", "b"])

        let error = #expect(throws: TriageError.self) {
            try store.pendingCases(model: nil, limit: -1)
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test(arguments: Storage.allCases)
    func answeredCasesListOldestAnswerFirst(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        _ = try store.enqueue([
            deferred("a"), deferred("b"), deferred("c"), deferred("d", model: "mail"),
        ])
        try store.answer(caseID: 3, label: "refund", reviewer: "ana")
        try store.answer(caseID: 4, label: "spam", reviewer: "ana")
        try store.answer(caseID: 1, label: "billing", reviewer: "ben")

        let answered = try store.answeredCases(model: "tickets")
        #expect(answered.map(\.id) == [3, 1])
        #expect(answered.map(\.answer) == ["refund", "billing"])
        #expect(try store.answeredCases(model: "mail").map(\.id) == [4])
        #expect(try store.answeredCases(model: "nothing").isEmpty)
    }

    @Test(arguments: Storage.allCases)
    func countsByStatusAndModel(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        #expect(try store.counts(model: nil) == [.pending: 0, .answered: 0, .autoResolved: 0])
        _ = try store.enqueue([deferred("a"), deferred("b"), deferred("c", model: "mail")])
        try store.answer(caseID: 1, label: "billing", reviewer: "ana")

        #expect(try store.counts(model: nil) == [.pending: 2, .answered: 1, .autoResolved: 0])
        #expect(
            try store.counts(model: "tickets") == [.pending: 1, .answered: 1, .autoResolved: 0])
        #expect(try store.counts(model: "mail") == [.pending: 1, .answered: 0, .autoResolved: 0])
        #expect(
            try store.counts(model: "nothing") == [.pending: 0, .answered: 0, .autoResolved: 0])
    }

    // MARK: - Answering and skipping

    @Test(arguments: Storage.allCases)
    func answerClosesTheCaseOnce(storage: Storage) throws {
        let fixture = try StoreFixture(storage)
        let store = fixture.store
        let id = try store.enqueue([deferred("a", predicted: "billing")])[0]

        let answered = try store.answer(caseID: id, label: "refund", reviewer: "ana")
        #expect(answered.status == .answered)
        #expect(answered.answer == "refund")
        #expect(answered.reviewer == "ana")
        #expect(answered.predicted == "billing")
        #expect(answered.answeredAt == 1_700_000_002)
        #expect(try store.reviewCase(id: id) == answered)
        #expect(
            try store.eventRows(caseID: id).last
                == EventRow(
                    caseID: id, kind: "answered", reviewer: "ana", value: "refund",
                    previous: "billing"))

        // A second answer is refused and changes nothing.
        let eventCount = try store.eventRows().count
        let error = #expect(throws: TriageError.self) {
            try store.answer(caseID: id, label: "billing", reviewer: "ben")
        }
        #expect(error?.code == .caseClosed)
        #expect(error?.description == "case 1 is already answered")
        #expect(try store.reviewCase(id: id) == answered)
        #expect(try store.eventRows().count == eventCount)
    }

    @Test(arguments: Storage.allCases)
    func unknownCaseIsNotFound(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        _ = try store.enqueue([deferred("a")])

        let answerError = #expect(throws: TriageError.self) {
            try store.answer(caseID: 42, label: "billing", reviewer: "ana")
        }
        #expect(answerError?.code == .caseNotFound)
        #expect(answerError?.description == "no review case 42")

        let skipError = #expect(throws: TriageError.self) {
            try store.skip(caseID: 42, reviewer: "ana")
        }
        #expect(skipError?.code == .caseNotFound)

        let readError = #expect(throws: TriageError.self) {
            try store.reviewCase(id: 42)
        }
        #expect(readError?.description == "no review case 42")
        #expect(try store.eventRows().count == 1)
    }

    @Test(arguments: Storage.allCases)
    func skipKeepsTheCasePendingAndCountsIt(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let id = try store.enqueue([deferred("a")])[0]

        let skipped = try store.skip(caseID: id, reviewer: "ana")
        #expect(skipped.status == .pending)
        #expect(skipped.skips == 1)
        #expect(try store.skip(caseID: id, reviewer: "ben").skips == 2)
        #expect(
            try store.eventRows(caseID: id).suffix(2) == [
                EventRow(caseID: id, kind: "skipped", reviewer: "ana"),
                EventRow(caseID: id, kind: "skipped", reviewer: "ben"),
            ])

        // An answered case cannot be skipped.
        try store.answer(caseID: id, label: "billing", reviewer: "ana")
        let error = #expect(throws: TriageError.self) {
            try store.skip(caseID: id, reviewer: "ana")
        }
        #expect(error?.code == .caseClosed)
        #expect(try store.reviewCase(id: id).skips == 2)
    }

    @Test(arguments: Storage.allCases)
    func skipIsRefusedWhileAnotherReviewersClaimHoldsTheCase(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let id = try store.enqueue([deferred("a")])[0]
        _ = try store.claimNext(reviewer: "alice", model: nil, order: .fifo, lease: 600)
        let events = try store.eventRows().count

        // Refused like an answer would be, changing nothing.
        let error = #expect(throws: TriageError.self) {
            try store.skip(caseID: id, reviewer: "erin")
        }
        #expect(error?.code == .caseClosed)
        #expect(error?.message == "case \(id) is claimed by alice")
        #expect(try store.reviewCase(id: id).skips == 0)
        #expect(try store.eventRows().count == events)

        // The holder may skip it, which frees the claim for others.
        #expect(try store.skip(caseID: id, reviewer: "alice").skips == 1)
        #expect(try store.skip(caseID: id, reviewer: "erin").skips == 2)
    }

    @Test(arguments: Storage.allCases)
    func releaseGivesUpOnlyALiveClaimOfTheReviewer(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        let ids = try store.enqueue([deferred("a"), deferred("b")])
        let claimed = try store.claimNext(reviewer: "ana", model: nil, order: .fifo, lease: 600)
        #expect(claimed?.id == ids[0])
        let events = try store.eventRows().count

        // Another reviewer, a case nobody claimed, and no case at all: nothing changes.
        #expect(try store.release(caseID: ids[0], reviewer: "ben") == false)
        #expect(try store.release(caseID: ids[1], reviewer: "ana") == false)
        let error = #expect(throws: TriageError.self) {
            try store.release(caseID: 42, reviewer: "ana")
        }
        #expect(error?.code == .caseNotFound)
        #expect(error?.description == "no review case 42")
        #expect(try store.eventRows().count == events)
        #expect(try store.integer("SELECT count(*) FROM claims") == 1)

        // The holder releases it once; a second time there is nothing to release.
        #expect(try store.release(caseID: ids[0], reviewer: "ana"))
        #expect(
            try store.eventRows(caseID: ids[0]).last
                == EventRow(caseID: ids[0], kind: "released", reviewer: "ana"))
        #expect(try store.release(caseID: ids[0], reviewer: "ana") == false)
        #expect(try store.eventRows().count == events + 1)

        // A claim whose lease has run out is no longer held.
        _ = try store.claimNext(reviewer: "ana", model: nil, order: .fifo, lease: 0.5)
        #expect(try store.release(caseID: ids[0], reviewer: "ana") == false)
        #expect(try store.eventRows().count == events + 2)
    }

    // MARK: - The event log

    @Test(arguments: Storage.allCases)
    func everyChangeWritesAnEvent(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        _ = try store.enqueue([deferred("a", predicted: "billing"), deferred("b")])
        try store.skip(caseID: 1, reviewer: "ana")
        _ = try store.enqueue([deferred("a", predicted: "refund")])
        try store.answer(caseID: 1, label: "spam", reviewer: "ben")

        #expect(
            try store.eventRows() == [
                EventRow(caseID: 1, kind: "deferred", value: "billing"),
                EventRow(caseID: 2, kind: "deferred", value: "billing"),
                EventRow(caseID: 1, kind: "skipped", reviewer: "ana"),
                EventRow(caseID: 1, kind: "redeferred", value: "refund"),
                EventRow(
                    caseID: 1, kind: "answered", reviewer: "ben", value: "spam",
                    previous: "refund"),
            ])
    }

    @Test(arguments: Storage.allCases)
    func eventsCannotBeChangedOrRemoved(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        _ = try store.enqueue([deferred("a")])

        for sql in [
            "UPDATE events SET kind = 'answered'", "DELETE FROM events",
            "DELETE FROM cases",
        ] {
            let error = #expect(throws: TriageError.self) {
                try store.database.execute(sql)
            }
            #expect(error?.code == .store)
        }
        #expect(try store.eventRows() == [EventRow(caseID: 1, kind: "deferred", value: "billing")])
        #expect(try store.counts(model: nil) == [.pending: 1, .answered: 0, .autoResolved: 0])
    }

    // MARK: - Schema and damage

    @Test(arguments: Storage.allCases)
    func schemaVersionAndOwnerAreRecorded(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        #expect(try store.database.userVersion() == ReviewQueueSchema.currentVersion)
        #expect(ReviewQueueSchema.currentVersion == 4)
        #expect(try store.database.applicationID() == 0x5452_4941)
        #expect(try store.integer("PRAGMA foreign_keys") == 1)
    }

    @Test(arguments: Storage.allCases)
    func unreadableProbabilitiesNameTheCase(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        _ = try store.enqueue([deferred("a")])
        try store.database.execute("UPDATE cases SET probabilities = '[{\"oops\"'")

        let error = #expect(throws: TriageError.self) {
            try store.reviewCase(id: 1)
        }
        #expect(error?.code == .store)
        #expect(
            error?.description
                == "\(store.path): case 1 has label probabilities that cannot be read; "
                + "the review queue is damaged; restore it from a backup")
    }

    @Test func reopeningKeepsCasesAndVersion() throws {
        let folder = try TemporaryFolder()
        do {
            let store = try SQLiteReviewStore(path: folder.queuePath)
            _ = try store.enqueue([deferred("a"), deferred("b")])
            try store.answer(caseID: 2, label: "refund", reviewer: "ana")
        }
        let reopened = try SQLiteReviewStore(path: folder.queuePath)
        #expect(try reopened.counts(model: nil) == [.pending: 1, .answered: 1, .autoResolved: 0])
        #expect(try reopened.database.userVersion() == ReviewQueueSchema.currentVersion)
        #expect(try reopened.text("PRAGMA journal_mode") == "wal")
        #expect(try reopened.enqueue([deferred("c")]) == [3])
    }

    @Test func newerSchemaIsRefused() throws {
        let folder = try TemporaryFolder()
        _ = try SQLiteReviewStore(path: folder.queuePath)
        try SQLiteDatabase(path: folder.queuePath).setUserVersion(99)

        let error = #expect(throws: TriageError.self) {
            try SQLiteReviewStore(path: folder.queuePath)
        }
        #expect(error?.code == .store)
        #expect(
            error?.description
                == "\(folder.queuePath): the review queue has schema version 99, but this "
                + "Triage knows versions up to 4; open it with the newer Triage that "
                + "wrote it")
    }

    @Test func fileThatIsNotSQLiteIsRefusedAtOpen() throws {
        let folder = try TemporaryFolder()
        let garbage = Data(repeating: 0x5a, count: 4096)
        try garbage.write(to: URL(fileURLWithPath: folder.queuePath))

        let error = #expect(throws: TriageError.self) {
            try SQLiteReviewStore(path: folder.queuePath)
        }
        #expect(error?.code == .store)
        #expect(error?.location?.file == folder.queuePath)
        #expect(
            error?.description
                == "\(folder.queuePath): cannot open the review queue: file is not a database "
                + "(SQLITE_NOTADB, code 26); the file is not a Triage review queue or is "
                + "damaged; restore it from a backup or move it aside")
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder.queuePath)) == garbage)
    }

    @Test func anotherProgramsDatabaseIsRefused() throws {
        let folder = try TemporaryFolder()
        try SQLiteDatabase(path: folder.queuePath).execute("CREATE TABLE notes (body TEXT)")

        let error = #expect(throws: TriageError.self) {
            try SQLiteReviewStore(path: folder.queuePath)
        }
        #expect(
            error?.description
                == "\(folder.queuePath): cannot open the review queue: the file is an SQLite "
                + "database with other tables; the file is not a Triage review queue or "
                + "is damaged; restore it from a backup or move it aside")

        // A file stamped by another application is refused too.
        let stamped = folder.path + "/stamped.sqlite"
        try SQLiteDatabase(path: stamped).setApplicationID(42)
        let stampedError = #expect(throws: TriageError.self) {
            try SQLiteReviewStore(path: stamped)
        }
        #expect(
            stampedError?.message
                == "cannot open the review queue: the file belongs to another application "
                + "(application id 42)")
    }

    @Test func folderIsCreatedAndDefaultPathIsUnderHome() throws {
        let folder = try TemporaryFolder()
        let path = SQLiteReviewStore.defaultPath(home: folder.path + "/home")
        #expect(path == folder.path + "/home/review/queue.sqlite")
        #expect(
            SQLiteReviewStore.defaultPath(home: "/srv/triage/")
                == "/srv/triage/review/queue.sqlite")

        let store = try SQLiteReviewStore(path: path)
        _ = try store.enqueue([deferred("a")])
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func storeLogsAtDebugWithoutReviewText() throws {
        let recorder = LineRecorder()
        let logger = Logger(level: .trace) { level, message, metadata in
            let fields = metadata.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            recorder.append("\(level.name) \(message) \(fields)")
        }
        let store = try StoreFixture(.memory, logger: logger).store
        _ = try store.enqueue([deferred("secret words")])
        try store.answer(caseID: 1, label: "billing", reviewer: "ana")

        let logged = recorder.lines
        #expect(logged.contains("debug opened review queue store.path=:memory:"))
        #expect(logged.contains("debug enqueued review cases cases.count=1"))
        #expect(logged.contains("debug answered review case case.id=1"))
        #expect(logged.allSatisfy { $0.hasPrefix("debug ") })
        #expect(!logged.contains { $0.contains("secret") || $0.contains("ana") })
    }

    // MARK: - Other processes

    @Test func lockedQueueFailsAfterTheBusyTimeoutAndChangesNothing() throws {
        let folder = try TemporaryFolder()
        let path = folder.queuePath
        let id = try SQLiteReviewStore(path: path).enqueue([deferred("a")])[0]
        let store = try SQLiteReviewStore(path: path, busyTimeout: 0.2)

        // Another connection holds the write lock.
        let holder = try SQLiteDatabase(path: path)
        try holder.execute("BEGIN EXCLUSIVE")
        let started = ContinuousClock.now
        let error = #expect(throws: TriageError.self) {
            _ = try store.enqueue([deferred("b")])
        }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(150))
        #expect(error?.code == .store)
        #expect(
            error?.description
                == "\(path): cannot start a write transaction on the review queue: database "
                + "is locked (SQLITE_BUSY, code 5); the review queue is locked by another "
                + "process; try again, or raise the busy timeout")
        #expect(throws: TriageError.self) {
            try store.answer(caseID: id, label: "billing", reviewer: "ana")
        }

        // Readers still see the queue while the lock is held.
        #expect(try store.pendingCases(model: nil, limit: nil).map(\.id) == [id])

        // Once the lock is gone, nothing has changed.
        try holder.execute("ROLLBACK")
        #expect(try store.counts(model: nil) == [.pending: 1, .answered: 0, .autoResolved: 0])
        #expect(try store.reviewCase(id: id).status == .pending)
        #expect(try store.eventRows().count == 1)
    }

    @Test func lockedQueueRemedyNamesHowToRaiseTheBusyTimeout() throws {
        let folder = try TemporaryFolder()
        let path = folder.queuePath
        _ = try SQLiteReviewStore(path: path).enqueue([deferred("a")])
        let store = try SQLiteReviewStore(
            path: path, busyTimeout: 0, busyTimeoutName: "TRIAGE_BUSY_TIMEOUT (now 0 s)")
        let holder = try SQLiteDatabase(path: path)
        try holder.execute("BEGIN EXCLUSIVE")
        defer { try? holder.execute("ROLLBACK") }

        let error = #expect(throws: TriageError.self) {
            try store.addNote(caseID: 1, reviewer: "ana", text: "x")
        }
        #expect(
            error?.remedy
                == "the review queue is locked by another process; try again, or raise "
                + "TRIAGE_BUSY_TIMEOUT (now 0 s)")
    }

    @Test func twoConnectionsEnqueueWithoutLosingCases() throws {
        let folder = try TemporaryFolder()
        let path = folder.queuePath
        let batches = 20
        let unique = 50
        let shared = 5
        let failures = LineRecorder()

        // Both threads open their own store at once, so they also race to create it.
        onThreads(2) { thread in
            do {
                let store = try SQLiteReviewStore(path: path, busyTimeout: 10)
                for batch in 0..<batches {
                    let own = (0..<unique).map { deferred("t\(thread) b\(batch) i\($0)") }
                    let common = (0..<shared).map { deferred("shared \($0)") }
                    _ = try store.enqueue(own + common)
                }
            } catch {
                failures.append("thread \(thread): \(error)")
            }
        }

        #expect(failures.lines == [])
        let store = try SQLiteReviewStore(path: path)
        #expect(
            try store.counts(model: nil)
                == [.pending: 2 * batches * unique + shared, .answered: 0, .autoResolved: 0])
        let common = try store.pendingCases(model: nil, limit: nil)
            .filter { $0.text.hasPrefix("shared") }
        #expect(common.count == shared)
        #expect(common.allSatisfy { $0.timesDeferred == 2 * batches })
        #expect(
            try store.integer("SELECT count(*) FROM events")
                == Int64(2 * batches * (unique + shared)))
    }
}

@Suite struct ReviewQueueMigrationTests {
    @Test func aVersionOneQueueGainsPredictionSetsAndKeepsItsCases() throws {
        // A queue written by the first schema, with one case in it.
        let folder = try TemporaryFolder()
        let database = try SQLiteDatabase(path: folder.queuePath)
        try ReviewQueueSchema.migrate(
            database, steps: Array(ReviewQueueSchema.migrations.prefix(1)), logger: .disabled)
        try database.execute(
            """
            INSERT INTO cases (model, model_version, input, text, predicted, confidence,
                probabilities, reason, created_at, updated_at)
            VALUES ('m', 1, '{"text":"hi"}', 'hi', 'a', 0.4, '[]', 'low_confidence', 0, 0)
            """, what: "add an old case")

        // Opening it with this Triage migrates it; the old case reads back without a set.
        let store = try SQLiteReviewStore(path: folder.queuePath)
        #expect(try store.database.userVersion() == ReviewQueueSchema.currentVersion)
        let old = try store.reviewCase(id: 1)
        #expect(old.text == "hi")
        #expect(old.predictionSet == nil)

        // New cases keep their sets.
        let ids = try store.enqueue([
            NewCase(
                model: "m", modelVersion: 1, input: #"{"text":"yo"}"#, text: "yo", predicted: "a",
                confidence: 0.5, probabilities: [], reason: .setSize, predictionSet: ["a", "b"])
        ])
        #expect(try store.reviewCase(id: ids[0]).predictionSet == ["a", "b"])
    }
}

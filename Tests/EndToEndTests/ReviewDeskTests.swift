import Foundation
import Synchronization
import Testing

/// The review desk through the built binary: many reviewers at one queue, leases,
/// refused answers, undo, overlap with disputes and adjudication, statistics, gold
/// cases and export.
@Suite(.serialized) struct ReviewDeskTests {
    // MARK: - Many reviewers at once

    @Test func eightReviewersAnswerTwoThousandCasesWhileCasesKeepArriving() throws {
        let triage = try TriageProcess()
        try trainDeferringModel(triage)

        // 2,000 distinct inputs in 20 batches; every fourth batch needs two answers.
        let inputs = try distinctInputs(2_000)
        let batches = stride(from: 0, to: inputs.count, by: 100).map {
            Array(inputs[$0..<min($0 + 100, inputs.count)])
        }
        let paths = try batches.enumerated().map { index, batch in
            try triage.write(
                "batch-\(index).csv", "text\n" + batch.map { Slices.quote($0) + "\n" }.joined())
        }
        let overlaps = paths.indices.map { $0 % 4 == 3 ? 2 : 1 }

        let started = Date()
        let enqueued = Collector<(id: Int, required: Int)>()
        let answered = Collector<Answer>()
        let failures = Collector<String>()
        let enqueuerDone = Flag()
        var workers: [@Sendable () -> Void] = []

        // The enqueuer classifies one batch after another, with short pauses, so
        // reviewers work while new cases arrive.
        workers.append {
            defer { enqueuerDone.set() }
            for (index, path) in paths.enumerated() {
                do {
                    let result = try triage.run([
                        "classify", path, "--overlap", String(overlaps[index]),
                    ])
                    guard result.status == 0 else {
                        failures.append("classify \(index): \(result.stderr)")
                        continue
                    }
                    for decision in try result.jsonLines() {
                        guard decision["decision"] as? String == "deferred",
                            let id = decision["case"] as? Int
                        else {
                            failures.append("classify \(index): an input was not deferred")
                            continue
                        }
                        enqueued.append((id, overlaps[index]))
                    }
                } catch {
                    failures.append("classify \(index): \(error)")
                }
                Thread.sleep(forTimeInterval: 0.3)
            }
        }

        // Each reviewer claims and answers with the model's label until nothing is
        // left after the enqueuer has finished.
        for number in 1...8 {
            let name = "r\(number)"
            workers.append {
                do {
                    while true {
                        let finished = enqueuerDone.isSet
                        let next = try triage.run([
                            "review", "next", "--reviewer", name, "--json", "--lease", "60",
                        ])
                        guard next.status == 0 else {
                            failures.append("\(name) next: \(next.stderr)")
                            return
                        }
                        guard let claimed = try next.jsonLines().first else {
                            if finished { return }
                            Thread.sleep(forTimeInterval: 0.05)
                            continue
                        }
                        guard let id = claimed["id"] as? Int,
                            let label = claimed["label"] as? String
                        else {
                            failures.append("\(name) next: no id or label in \(next.stdout)")
                            return
                        }
                        let result = try triage.run([
                            "review", "label", String(id), label, "--reviewer", name,
                        ])
                        guard result.status == 0 else {
                            failures.append("\(name) label \(id): \(result.stderr)")
                            return
                        }
                        answered.append(Answer(caseID: id, reviewer: name, label: label))
                    }
                } catch {
                    failures.append("\(name): \(error)")
                }
            }
        }
        runInParallel(workers)
        let elapsed = Date().timeIntervalSince(started)
        print("ReviewDeskTests: 2,000 cases, 8 reviewers: \(Int(elapsed)) s")
        #expect(failures.values.isEmpty, "\(failures.values.prefix(5))")

        // Every input became its own case.
        let required = Dictionary(
            enqueued.values.map { ($0.id, $0.required) }, uniquingKeysWith: { first, _ in first })
        #expect(enqueued.values.count == 2_000)
        #expect(required.count == 2_000)
        let expectedAnswers = required.values.reduce(0, +)
        #expect(expectedAnswers == 2_500)

        // The export holds exactly the answers the reviewers were told were recorded.
        let export = try triage.run(["review", "export"])
        #expect(export.status == 0, "\(export.stderr)")
        let records = try export.jsonLines()
        let exported = records.compactMap { record -> Answer? in
            guard let id = record["case"] as? Int, let reviewer = record["reviewer"] as? String,
                let label = record["label"] as? String
            else { return nil }
            return Answer(caseID: id, reviewer: reviewer, label: label)
        }
        #expect(exported.count == records.count)
        #expect(records.count == expectedAnswers)
        #expect(answered.values.count == expectedAnswers)
        #expect(Set(exported).count == exported.count, "an answer is duplicated")
        #expect(Set(exported) == Set(answered.values), "an answer is lost or invented")
        #expect(records.allSatisfy { $0["source"] as? String == "review" })
        #expect(records.allSatisfy { $0["label"] as? String == $0["predicted"] as? String })

        // Each case has as many answers as its overlap asks, from distinct reviewers.
        let byCase = Dictionary(grouping: exported, by: \.caseID)
        #expect(Set(byCase.keys) == Set(required.keys))
        for (id, need) in required {
            let answers = byCase[id] ?? []
            #expect(answers.count == need, "case \(id) has \(answers.count) answers, needs \(need)")
            #expect(Set(answers.map(\.reviewer)).count == need, "case \(id)")
        }
        for record in records {
            let id = record["case"] as? Int ?? 0
            #expect(record["overlap"] as? Bool == (required[id] == 2), "case \(id)")
        }

        // Nothing is left pending, claimed or disputed.
        let pending = try triage.run(["review", "list", "--json"])
        #expect(pending.status == 0 && pending.stdout.isEmpty, "\(pending.stdout.prefix(500))")
        let counts = try #require(try triage.run(["stats", "--json"]).jsonLines().first)
        #expect(counts["pending"] as? Int == 0)
        #expect(counts["answered"] as? Int == 2_000)
        for id in required.keys.sorted().enumerated().filter({ $0.offset % 100 == 0 }).map(
            \.element)
        {
            let shown = try #require(
                try triage.run(["review", "show", String(id), "--json"]).jsonLines().first)
            #expect(shown["status"] as? String == "answered", "case \(id)")
            #expect(shown["disputed"] as? Bool == false, "case \(id)")
            #expect(shown["required_answers"] as? Int == required[id], "case \(id)")
        }

        // The tables agree: no claim left, one `answered` event per answer.
        let database = triage.path("review/queue.sqlite")
        if let rows = try sqlite(
            database,
            """
            SELECT (SELECT count(*) FROM claims),
                (SELECT count(*) FROM cases WHERE status != 'answered' OR disputed != 0),
                (SELECT count(*) FROM answers),
                (SELECT count(*) FROM events WHERE kind = 'answered'),
                (SELECT count(*) FROM cases c WHERE required_answers !=
                    (SELECT count(DISTINCT reviewer) FROM answers a WHERE a.case_id = c.id));
            """)
        {
            #expect(rows == ["0|0|\(expectedAnswers)|\(expectedAnswers)|0"])
        }
    }

    // MARK: - Leases

    @Test func anExpiredLeaseReturnsTheCaseToOtherReviewers() throws {
        let triage = try TriageProcess()
        try trainDeferringModel(triage)
        let ids = try enqueue(triage, ["set a timer for ten minutes"])
        let id = String(ids[0])

        // r1 claims the case, and claiming again hands back the same claim.
        let first = try triage.run(["review", "next", "--reviewer", "r1", "--json", "--lease", "4"])
        #expect(try first.jsonLines().first?["id"] as? Int == ids[0])
        let leaseStart = Date()
        let again = try triage.run(["review", "next", "--reviewer", "r1", "--json", "--lease", "4"])
        #expect(try again.jsonLines().first?["id"] as? Int == ids[0])

        // While the lease runs, r2 gets nothing and cannot answer it.
        let blocked = try triage.run(["review", "next", "--reviewer", "r2", "--json"])
        #expect(blocked.status == 0)
        #expect(blocked.stdout.isEmpty)
        let refused = try triage.run(["review", "label", id, "timer", "--reviewer", "r2"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("case \(id) is claimed by r1"), "\(refused.stderr)")
        #expect(Date().timeIntervalSince(leaseStart) < 4, "the checks outlasted the lease")

        // Once it ends, r2 gets the case, and r1's stale claim no longer counts.
        Thread.sleep(until: leaseStart.addingTimeInterval(4.5))
        let taken = try triage.run(["review", "next", "--reviewer", "r2", "--json"])
        #expect(try taken.jsonLines().first?["id"] as? Int == ids[0])
        let stale = try triage.run(["review", "label", id, "timer", "--reviewer", "r1"])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("case \(id) is claimed by r2"), "\(stale.stderr)")
        let nothing = try triage.run(["review", "next", "--reviewer", "r1", "--json"])
        #expect(nothing.status == 0 && nothing.stdout.isEmpty)
        let labelled = try triage.run(["review", "label", id, "timer", "--reviewer", "r2"])
        #expect(labelled.status == 0, "\(labelled.stderr)")

        // The history shows both claims and one answer.
        let shown = try #require(
            try triage.run(["review", "show", id, "--json"]).jsonLines().first)
        #expect(shown["status"] as? String == "answered")
        #expect(shown["reviewer"] as? String == "r2")
        let history = try triage.run(["review", "show", id]).stdout
        #expect(history.components(separatedBy: "claimed").count - 1 == 2, "\(history)")
        #expect(history.contains(" r1             lease 4 s\n"), "\(history)")
        #expect(history.contains(" r2             lease 600 s\n"), "\(history)")
        #expect(history.components(separatedBy: "answered    r2").count - 1 == 1, "\(history)")
        let export = try triage.run(["review", "export"]).jsonLines()
        #expect(export.count == 1)
    }

    // MARK: - Listing

    @Test func listSaysTheQueueIsEmptyOnlyWhenItIs() throws {
        let triage = try TriageProcess()
        try trainDeferringModel(triage)
        let ids = try enqueue(triage, ["set a timer for ten minutes", "what is my payday"])

        // No rows asked for: none printed, and the counts, not "no pending cases".
        let none = try triage.run(["review", "list", "--limit", "0"])
        #expect(none.status == 0)
        #expect(none.stdout.isEmpty)
        #expect(none.stderr == "triage: 2 pending, 0 answered\n")
        let one = try triage.run(["review", "list", "--limit", "1"])
        #expect(one.lines.count == 2, "\(one.stdout)")
        #expect(one.stderr == "triage: 2 pending, 0 answered\n")

        // Once every case is answered, the queue is empty whatever the limit.
        for id in ids {
            #expect(try triage.run(["review", "label", String(id), "timer"]).status == 0)
        }
        for limit in ["0", "5"] {
            let empty = try triage.run(["review", "list", "--limit", limit])
            #expect(empty.stdout.isEmpty)
            #expect(empty.stderr == "triage: no pending cases\n")
        }
    }

    // MARK: - Refused answers

    @Test func invalidAnswersAreRefusedWithOneLineAndChangeNothing() throws {
        let triage = try TriageProcess()
        try trainDeferringModel(triage)
        let single = try enqueue(
            triage, ["set a timer for ten minutes", "start a timer for 5 minutes"])
        let double = try enqueue(triage, ["how do you say hello in french"], overlap: 2)
        let (closed, open, shared) = (String(single[0]), String(single[1]), String(double[0]))

        // One case closed, one claimed by r3, one with the first of its two answers.
        #expect(
            try triage.run(["review", "label", closed, "timer", "--reviewer", "r1"]).status == 0)
        let claim = try triage.run([
            "review", "next", "--reviewer", "r3", "--order", "fifo", "--json",
        ])
        #expect(try claim.jsonLines().first?["id"] as? Int == single[1])
        #expect(
            try triage.run(["review", "label", shared, "translate", "--reviewer", "r1"]).status == 0
        )
        let before = try queueState(triage, cases: [closed, open, shared])

        // Each refusal: one line on standard error, status 1, and the queue as it was.
        func refused(_ arguments: [String], _ message: String) throws {
            let result = try triage.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(lines.first?.hasPrefix("triage: error: ") == true, "\(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(
                try queueState(triage, cases: [closed, open, shared]) == before, "\(arguments)")
        }

        // An unknown label, with the close match suggested.
        try refused(
            ["review", "label", open, "tmer", "--reviewer", "r3"],
            #"model "default" has no label "tmer"; did you mean "timer"?"#)

        // A case already closed.
        try refused(
            ["review", "label", closed, "timer", "--reviewer", "r2"],
            "case \(closed) is already answered")

        // A case another reviewer's live claim holds, to answer or to skip.
        try refused(
            ["review", "label", open, "timer", "--reviewer", "r2"],
            "case \(open) is claimed by r3")
        try refused(["review", "skip", open, "--reviewer", "r2"], "case \(open) is claimed by r3")

        // The same reviewer twice on a case that needs two answers.
        try refused(
            ["review", "label", shared, "translate", "--reviewer", "r1"],
            "r1 already answered case \(shared)")

        // A case that does not exist.
        try refused(["review", "label", "999", "timer", "--reviewer", "r2"], "no review case 999")

        // Releasing a case that does not exist, or that the reviewer holds no claim on.
        try refused(["review", "release", "999", "--reviewer", "r3"], "no review case 999")
        try refused(
            ["review", "release", open, "--reviewer", "r2"], "r2 holds no claim on case \(open)")
        try refused(
            ["review", "release", closed, "--reviewer", "r1"], "r1 holds no claim on case \(closed)"
        )

        // Imports are all or none: one bad row and nothing is recorded.
        let closedRow = try triage.write(
            "closed.csv", "case,label,reviewer\n\(shared),translate,r2\n\(closed),timer,r4\n")
        try refused(["review", "import", closedRow], "case \(closed) is already answered")
        let unknownRow = try triage.write(
            "unknown.csv", "case,label,reviewer\n\(shared),translate,r2\n\(open),tmer,r4\n")
        try refused(
            ["review", "import", unknownRow], #"unknown.csv:3: model "default" has no label "tmer""#
        )
        let twiceRow = try triage.write(
            "twice.csv", "case,label,reviewer\n\(shared),translate,r1\n")
        try refused(["review", "import", twiceRow], "already answered by r1")
        let missingRow = try triage.write(
            "missing.csv", "case,label,reviewer\n\(shared),translate,r2\n999,timer,r4\n")
        try refused(["review", "import", missingRow], "no review case 999")
        // The valid answers still go through afterwards.
        let valid = try triage.write("valid.csv", "case,label,reviewer\n\(shared),translate,r2\n")
        let imported = try triage.run(["review", "import", valid])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout == "imported 1 answer\n")
        #expect(try triage.run(["review", "label", open, "timer", "--reviewer", "r3"]).status == 0)
        let export = try triage.run(["review", "export"]).jsonLines()
        #expect(export.count == 4)
        #expect(export.map { $0["source"] as? String } == ["review", "review", "import", "review"])
    }

    @Test func importingAnswersFreesTheImportersClaim() throws {
        let triage = try TriageProcess()
        try trainDeferringModel(triage)
        let ids = try enqueue(
            triage, ["how do you say hello in french", "set a timer for ten minutes"], overlap: 2)

        // r1 claims the first case, then records its answer by import.
        let claimed = try triage.run([
            "review", "next", "--reviewer", "r1", "--order", "fifo", "--json",
        ])
        #expect(try claimed.jsonLines().first?["id"] as? Int == ids[0])
        let file = try triage.write("answers.csv", "case,label,reviewer\n\(ids[0]),translate,r1\n")
        #expect(try triage.run(["review", "import", file]).status == 0)

        // r1 is offered the other case, not the one already answered.
        let next = try triage.run([
            "review", "next", "--reviewer", "r1", "--order", "fifo", "--json",
        ])
        #expect(try next.jsonLines().first?["id"] as? Int == ids[1], "\(next.stdout)")
    }

    @Test func anAdjudicatedCaseCannotBeReopenedByUndo() throws {
        let triage = try TriageProcess()
        try trainDeferringModel(triage)
        let id = String(try enqueue(triage, ["set a timer for ten minutes"], overlap: 2)[0])
        for (label, reviewer) in [("timer", "a"), ("translate", "b")] {
            #expect(
                try triage.run(["review", "label", id, label, "--reviewer", reviewer]).status == 0)
        }
        let settled = try triage.run([
            "review", "label", id, "timer", "--reviewer", "c", "--adjudicate",
        ])
        #expect(settled.status == 0, "\(settled.stderr)")
        let before = try queueState(triage, cases: [id])

        // Undoing b's answer would reopen the case beside c's adjudication.
        let undo = try triage.run(["review", "undo", "--reviewer", "b"])
        #expect(undo.status == 1)
        #expect(
            undo.stderr
                == "triage: error: case \(id) was settled by adjudication; b's answer to it "
                + "can no longer be taken back\n")
        #expect(try queueState(triage, cases: [id]) == before)
    }

    // MARK: - Undo, overlap, disputes and adjudication, statistics, gold, export

    @Test func overlapDisputesUndoGoldStatisticsAndExport() throws {
        let triage = try TriageProcess()
        try trainDeferringModel(triage)
        let texts = [
            "set a timer for ten minutes", "start a timer for 5 minutes",
            "how do you say hello in french", "translate good morning into spanish",
        ]
        let ids = try enqueue(triage, texts, overlap: 2)
        let (t1, t2, l1, l2) = (String(ids[0]), String(ids[1]), String(ids[2]), String(ids[3]))
        for (id, predicted) in zip(ids, ["timer", "timer", "translate", "translate"]) {
            let shown = try #require(
                try triage.run(["review", "show", String(id), "--json"]).jsonLines().first)
            try #require(shown["label"] as? String == predicted, "case \(id)")
            #expect(shown["required_answers"] as? Int == 2)
        }
        func label(_ id: String, _ label: String, _ reviewer: String, _ extra: [String] = [])
            throws -> TriageProcess.Result
        {
            try triage.run(["review", "label", id, label, "--reviewer", reviewer] + extra)
        }
        func show(_ id: String) throws -> [String: Any] {
            try #require(try triage.run(["review", "show", id, "--json"]).jsonLines().first)
        }

        // alice answers all four; the first answer leaves each case waiting for one more.
        let firstAnswer = try label(t1, "timer", "alice")
        #expect(firstAnswer.stdout.contains("; it needs more answers"), "\(firstAnswer.stdout)")
        for (id, answer) in [(t2, "timer"), (l1, "translate"), (l2, "translate")] {
            #expect(try label(id, answer, "alice").status == 0)
        }

        // She takes back her last answer: the case reopens, held by her.
        let undone = try triage.run(["review", "undo", "--reviewer", "alice"])
        #expect(undone.status == 0, "\(undone.stderr)")
        #expect(undone.stdout == "case \(l2): answer taken back; the case is open again\n")
        let resumed = try triage.run(["review", "next", "--reviewer", "alice", "--json"])
        #expect(try resumed.jsonLines().first?["id"] as? Int == ids[3])
        #expect(try triage.run(["review", "show", l2]).stdout.contains("(was translate)"))
        #expect(try label(l2, "timer", "alice").status == 0)

        // bob agrees on three cases and closes them; on the fourth he disagrees.
        #expect(try label(t1, "timer", "bob").status == 0)
        #expect(try show(t1)["status"] as? String == "answered")
        #expect(try show(t1)["answer"] as? String == "timer")
        let disagreed = try label(t2, "translate", "bob")
        #expect(disagreed.stdout.contains("awaits adjudication"), "\(disagreed.stdout)")
        #expect(try label(l1, "translate", "bob").status == 0)
        #expect(try label(l2, "timer", "bob").status == 0)
        #expect(try show(l2)["status"] as? String == "answered")

        // bob undoes the answer that closed a case: it reopens with alice's answer kept.
        #expect(try triage.run(["review", "undo", "--reviewer", "bob"]).status == 0)
        let reopened = try show(l2)
        #expect(reopened["status"] as? String == "pending")
        #expect(reopened["answer"] == nil)
        #expect(try label(l2, "timer", "bob").status == 0)
        #expect(try show(l2)["answer"] as? String == "timer")

        // The disputed case waits for adjudication and is handed to no one.
        let disputed = try show(t2)
        #expect(disputed["status"] as? String == "pending")
        #expect(disputed["disputed"] as? Bool == true)
        let noCase = try triage.run(["review", "next", "--reviewer", "carol", "--json"])
        #expect(noCase.status == 0 && noCase.stdout.isEmpty, "\(noCase.stdout)")
        let plain = try label(t2, "timer", "carol")
        #expect(plain.status == 1)
        #expect(plain.stderr.contains("case \(t2) is disputed"), "\(plain.stderr)")
        let notDisputed = try label(t1, "timer", "carol", ["--adjudicate"])
        #expect(notDisputed.status == 1)
        let settled = try label(t2, "timer", "carol", ["--adjudicate"])
        #expect(settled.status == 0, "\(settled.stderr)")
        let closed = try show(t2)
        #expect(closed["status"] as? String == "answered")
        #expect(closed["answer"] as? String == "timer")
        #expect(closed["reviewer"] as? String == "carol")
        #expect(closed["disputed"] as? Bool == false)
        let history = try triage.run(["review", "show", t2]).stdout
        #expect(history.contains("disputed"))
        #expect(history.contains("adjudicated carol"), "\(history)")

        // Gold cases: shown like any other, scored in the statistics.
        let gold = try triage.write(
            "gold.csv",
            "text,label\n\"set a timer, please, for twenty minutes\",timer\n"
                + "how would i say thank you in german,translate\n")
        let added = try triage.run(["review", "gold", gold])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout == "added 2 gold cases to the queue\n")
        var goldIDs: [Int] = []
        for _ in 0..<2 {
            let next = try triage.run(["review", "next", "--reviewer", "dana", "--json"])
            let claimed = try #require(try next.jsonLines().first)
            let id = try #require(claimed["id"] as? Int)
            goldIDs.append(id)
            #expect(try label(String(id), "timer", "dana").status == 0)
        }
        #expect(try triage.run(["review", "next", "--reviewer", "dana"]).stdout.isEmpty)
        for id in goldIDs {
            let predicted = id == goldIDs.min() ? "timer" : "translate"
            try #require(try show(String(id))["label"] as? String == predicted, "case \(id)")
        }

        // Statistics, by hand. alice: timer timer translate timer against the model's
        // timer timer translate translate: 3 of 4 agree; each side's labels give
        // chance agreement 3/4·2/4 + 1/4·2/4 = 1/2, so kappa (3/4 − 1/2)/(1/2) = 1/2.
        // bob: timer translate translate timer, 2 of 4; chance 1/2, kappa 0. alice and
        // bob share 4 cases and agree on 3, with the same chance 1/2: kappa 1/2.
        // carol adjudicated one case as the model did: kappa undefined (chance 1).
        // dana: timer timer on gold timer translate, which the model predicted: gold
        // accuracy 1/2, agreement 1/2, chance 1·1/2, kappa 0.
        let stats = try #require(try triage.run(["review", "stats", "--json"]).jsonLines().first)
        let reviewers = try #require(stats["reviewers"] as? [[String: Any]])
        #expect(reviewers.map { $0["name"] as? String } == ["alice", "bob", "carol", "dana"])
        let expected:
            [(answers: Int, agreement: Double, kappa: Double?, gold: Double?, golds: Int)] = [
                (4, 0.75, 0.5, nil, 0), (4, 0.5, 0, nil, 0), (1, 1, nil, nil, 0),
                (2, 0.5, 0, 0.5, 2),
            ]
        for (reviewer, want) in zip(reviewers, expected) {
            let name = reviewer["name"] as? String ?? ""
            #expect(reviewer["answers"] as? Int == want.answers, "\(name)")
            #expect(close(reviewer["agreement_with_model"], want.agreement), "\(name)")
            #expect(close(reviewer["kappa_with_model"], want.kappa), "\(name) \(reviewer)")
            #expect(close(reviewer["gold_accuracy"], want.gold), "\(name)")
            #expect(reviewer["gold_answers"] as? Int == want.golds, "\(name)")
        }
        #expect(reviewers[0]["per_hour"] is Double)
        #expect(reviewers[2]["per_hour"] == nil)
        let pairs = try #require(stats["pairs"] as? [[String: Any]])
        #expect(
            pairs.map { "\($0["first"] ?? "")·\($0["second"] ?? "")" } == [
                "alice·bob", "alice·carol", "bob·carol",
            ])
        let expectedPairs: [(shared: Int, agreement: Double, kappa: Double?)] = [
            (4, 0.75, 0.5), (1, 1, nil), (1, 0, 0),
        ]
        for (pair, want) in zip(pairs, expectedPairs) {
            #expect(pair["shared"] as? Int == want.shared, "\(pair)")
            #expect(close(pair["agreement"], want.agreement), "\(pair)")
            #expect(close(pair["kappa"], want.kappa), "\(pair)")
        }
        let table = try triage.run(["review", "stats"])
        #expect(table.lines.first?.hasPrefix("reviewer") == true)
        #expect(table.stdout.contains("0.500 of 2"), "\(table.stdout)")

        // The export: one record per answer left, undone answers gone, in order.
        let csv = try triage.run(["review", "export", "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(
            csv.lines.first
                == "case,text,label,reviewer,answered_at,source,predicted,audit,gold,overlap")
        let records = csv.lines.dropFirst().map {
            $0.replacingOccurrences(
                of: #",\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z,"#, with: ",DATE,",
                options: .regularExpression)
        }
        func row(
            _ id: String, _ text: String, _ answer: String, _ who: String,
            _ source: String = "review", predicted: String, gold: Bool = false,
            overlap: Bool = true
        ) -> String {
            "\(id),\(text),\(answer),\(who),DATE,\(source),\(predicted),false,\(gold),\(overlap)"
        }
        var expectedRows = [
            row(t1, texts[0], "timer", "alice", predicted: "timer"),
            row(t2, texts[1], "timer", "alice", predicted: "timer"),
            row(l1, texts[2], "translate", "alice", predicted: "translate"),
            row(l2, texts[3], "timer", "alice", predicted: "translate"),
            row(t1, texts[0], "timer", "bob", predicted: "timer"),
            row(t2, texts[1], "translate", "bob", predicted: "timer"),
            row(l1, texts[2], "translate", "bob", predicted: "translate"),
            row(l2, texts[3], "timer", "bob", predicted: "translate"),
            row(t2, texts[1], "timer", "carol", "adjudication", predicted: "timer"),
        ]
        for id in goldIDs {
            let first = id == goldIDs.min()
            expectedRows.append(
                row(
                    String(id),
                    first
                        ? #""set a timer, please, for twenty minutes""#
                        : "how would i say thank you in german",
                    "timer", "dana", predicted: first ? "timer" : "translate", gold: true,
                    overlap: false))
        }
        #expect(records == expectedRows, "\(csv.stdout)")

        // JSON Lines carries the same records with the same fields.
        let jsonl = try triage.run(["review", "export"]).jsonLines()
        #expect(jsonl.count == 11)
        #expect(
            Set(jsonl.first?.keys.map { $0 } ?? []) == [
                "case", "text", "label", "reviewer", "answered_at", "source", "predicted", "audit",
                "gold", "overlap",
            ])
        #expect(
            jsonl.map { $0["gold"] as? Bool } == Array(repeating: false, count: 9) + [true, true])
        #expect(
            jsonl.map { $0["case"] as? Int } == expectedRows.map { Int($0.prefix { $0 != "," }) })

        // Nothing is left to undo for a reviewer who never answered.
        let none = try triage.run(["review", "undo", "--reviewer", "erin"])
        #expect(none.status == 1)
        #expect(none.stderr == "triage: error: erin has no answer to undo\n")
    }
}

// MARK: - Helpers

/// One recorded answer.
private struct Answer: Hashable, Sendable {
    var caseID: Int
    var reviewer: String
    var label: String
}

/// Values gathered from several threads.
private final class Collector<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])

    func append(_ value: Value) { storage.withLock { $0.append(value) } }

    var values: [Value] { storage.withLock { $0 } }
}

/// A flag one thread raises and others read.
private final class Flag: Sendable {
    private let raised = Mutex(false)

    func set() { raised.withLock { $0 = true } }

    var isSet: Bool { raised.withLock { $0 } }
}

/// Runs each body on its own thread and waits for all. Threads, not tasks: each body
/// blocks on child processes, and the task pool has only as many threads as cores.
private func runInParallel(_ bodies: [@Sendable () -> Void]) {
    let group = DispatchGroup()
    for body in bodies {
        group.enter()
        Thread {
            body()
            group.leave()
        }.start()
    }
    group.wait()
}

/// Trains a small CLINC150 model whose conformal sets are so wide that it defers every
/// input, so each classified input becomes a case.
private func trainDeferringModel(_ triage: TriageProcess) throws {
    let train = try Slices.clinc("train.csv", labels: Slices.labels, perLabel: 40)
    let path = try triage.write("train.csv", Slices.csv(train))
    let trained = try triage.run([
        "train", "--data", path, "--policy", "conformal", "--alpha", "0.001", "-q",
    ])
    try #require(trained.status == 0, "\(trained.stderr)")
}

/// Classifies `texts` into the queue and returns their case ids, in order.
private func enqueue(_ triage: TriageProcess, _ texts: [String], overlap: Int = 1) throws -> [Int] {
    let path = try triage.write(
        "inputs-\(UUID().uuidString).csv", "text\n" + texts.map { Slices.quote($0) + "\n" }.joined()
    )
    let result = try triage.run(["classify", path, "--overlap", String(overlap)])
    try #require(result.status == 0, "\(result.stderr)")
    let ids = try result.jsonLines().compactMap { $0["case"] as? Int }
    try #require(ids.count == texts.count, "\(result.stdout)")
    return ids
}

/// The first `count` distinct queries of CLINC150's test and validation files (case
/// and surrounding spaces ignored), whatever their intent.
private func distinctInputs(_ count: Int) throws -> [String] {
    var seen: Set<String> = []
    var inputs: [String] = []
    for file in ["test.csv", "val.csv"] {
        let rows = try Slices.clinc(file, labels: allLabels(file), perLabel: .max)
        for row in rows where inputs.count < count {
            let key = row.text.lowercased().trimmingCharacters(in: .whitespaces)
            if !key.isEmpty, seen.insert(key).inserted { inputs.append(row.text) }
        }
    }
    try #require(inputs.count == count)
    return inputs
}

/// Every label in one of the bundled CLINC150 files.
private func allLabels(_ file: String) throws -> Set<String> {
    let text = try String(contentsOfFile: TriageProcess.data("clinc150/\(file)"), encoding: .utf8)
    return Set(
        text.split(whereSeparator: \.isNewline).dropFirst().compactMap {
            $0.split(separator: ",").last.map(String.init)
        })
}

/// What an unchanged queue must keep: the export, the pending list, and each named
/// case with its whole history.
private func queueState(_ triage: TriageProcess, cases: [String]) throws -> [String] {
    var state = [
        try triage.run(["review", "export"]).stdout,
        try triage.run(["review", "list", "--json"]).stdout,
    ]
    for id in cases {
        state.append(try triage.run(["review", "show", id, "--json"]).stdout)
        state.append(try triage.run(["review", "show", id]).stdout)
    }
    return state
}

/// Rows of a query through the `sqlite3` shell, or `nil` when it is not installed.
private func sqlite(_ database: String, _ query: String) throws -> [String]? {
    let shell = "/usr/bin/sqlite3"
    guard FileManager.default.isExecutableFile(atPath: shell) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: shell)
    process.arguments = ["-readonly", database, query]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}

/// Whether a JSON number is within rounding of `expected`; `nil` expects no value.
private func close(_ value: Any?, _ expected: Double?) -> Bool {
    guard let expected else { return value == nil }
    guard let number = value as? Double else { return false }
    return abs(number - expected) < 1e-12
}

import Foundation
import Testing

/// After a better version becomes current, the cases it decides leave the queue as
/// auto-resolved, and only those.
@Suite(.serialized) struct QueueRescoringTests {
    @Test func aPromotedVersionClosesOnlyTheCasesItDecides() throws {
        let triage = try TriageProcess()
        let weak = try Slices.clinc("train.csv", labels: Slices.labels, perLabel: 4)
        let strong = try Slices.clinc("train.csv", labels: Slices.labels, perLabel: 100)
        let calibration = try Slices.clinc("val.csv", labels: Slices.labels, perLabel: 20)
        // In-scope queries the stronger version will know, and out-of-scope ones it
        // will still defer.
        let test =
            try Slices.clinc("test.csv", labels: Slices.labels, perLabel: 30)
            + Slices.clinc("oos_test.csv", labels: ["oos"], perLabel: 60)
        let weakPath = try triage.write("weak.csv", Slices.csv(weak))
        let strongPath = try triage.write("strong.csv", Slices.csv(strong))
        let calibrationPath = try triage.write("val.csv", Slices.csv(calibration))
        let testPath = try triage.write("test.csv", Slices.csv(test))

        // Version 1 learned from little and defers much.
        let first = try triage.run([
            "train", "-q", "--data", weakPath, "--calibration", calibrationPath,
        ])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try triage.run(["classify", testPath]).status == 0)
        let queued = try triage.run(["review", "list", "--json"]).jsonLines()
        #expect(queued.count > 40)

        // A person answers one case and holds another.
        let answered = try #require(queued.first?["id"] as? Int)
        #expect(try triage.run(["review", "label", String(answered), "translate"]).status == 0)
        let next = try triage.run(["review", "next", "--json", "--reviewer", "bo"]).jsonLines()
        let claimed = try #require(next.first?["id"] as? Int)

        // Version 2 learned from much more; it becomes current and rescores the queue.
        let second = try triage.run([
            "train", "--data", strongPath, "--calibration", calibrationPath,
        ])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("rescored the review queue"))

        // Every case it now decides on its own is auto-resolved; every other one,
        // and the cases people touched, stays as it was.
        var resolved: [Int] = []
        var untouched = 0
        for item in queued {
            let id = try #require(item["id"] as? Int)
            let shown = try triage.run(["review", "show", String(id), "--json"]).jsonLines()[0]
            let status = shown["status"] as? String
            if id == answered {
                #expect(status == "answered")
                continue
            }
            if id == claimed {
                #expect(status == "pending")
                continue
            }
            let decision = try triage.run(
                ["classify", "--dry-run", "-"], stdin: (item["text"] as! String) + "\n"
            ).jsonLines()[0]
            if decision["decision"] as? String == "auto" {
                #expect(status == "auto_resolved", "case \(id)")
                #expect(shown["label"] as? String == decision["label"] as? String)
                #expect(shown["model_version"] as? Int == 2)
                resolved.append(id)
            } else {
                #expect(status == "pending", "case \(id)")
                #expect(shown["model_version"] as? Int == 2)
                untouched += 1
            }
        }
        #expect(resolved.count > 20)
        #expect(untouched > 0)

        // Reviewers no longer see them, and no model learns from them.
        let pending = try triage.run(["review", "list", "--json"]).jsonLines()
            .compactMap { $0["id"] as? Int }
        #expect(Set(pending).isDisjoint(with: resolved))
        #expect(pending.count == untouched + 1)
        for _ in 0..<3 {
            let handed =
                try triage.run(["review", "next", "--json", "--reviewer", "cy"])
                .jsonLines().first?["id"] as? Int
            #expect(handed.map { !resolved.contains($0) } ?? true)
            if let handed {
                _ = try triage.run(["review", "skip", String(handed), "--reviewer", "cy"])
            }
        }
        let retrained = try triage.run(["retrain", "--json", "--hold-back", "0"])
        #expect(retrained.status == 0, "\(retrained.stderr)")
        let manifest =
            try JSONSerialization.jsonObject(with: Data(retrained.stdout.utf8))
            as? [String: Any]
        let training = manifest?["training"] as? [String: Any]
        let learned = (training?["reviewed_cases"] as? [[String: Any]])?.compactMap {
            $0["id"] as? Int
        }
        #expect(learned == [answered])

        // A person can take one back; it stays with people from then on.
        let reopened = try triage.run(["review", "reopen", String(resolved[0])])
        #expect(reopened.status == 0, "\(reopened.stderr)")
        #expect(
            try triage.run(["review", "list", "--json"]).jsonLines()
                .contains { $0["id"] as? Int == resolved[0] })
        let again = try triage.run(["review", "reopen", String(resolved[0])])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already open"))

        // Rolling back to version 1 reopens what only the newer versions decided.
        #expect(try triage.run(["models", "promote", "1"]).status == 0)
        let afterRollback = Set(
            try triage.run(["review", "list", "--json"]).jsonLines().compactMap {
                $0["id"] as? Int
            })
        #expect(Set(resolved).isSubset(of: afterRollback))
    }
}

import Foundation
import Testing

/// The whole loop on a slice of CLINC150, through the built binary: train, classify
/// with deferral, review, retrain, classify again.
@Suite(.serialized) struct LoopTests {
    @Test func trainClassifyReviewRetrainOnRealData() throws {
        let triage = try TriageProcess()
        let train = try Slices.clinc("train.csv", labels: Slices.labels, perLabel: 100)
        let calibration = try Slices.clinc("val.csv", labels: Slices.labels, perLabel: 20)
        let test = try Slices.clinc("test.csv", labels: Slices.labels, perLabel: 30)
        let outOfScope = try Slices.clinc("oos_test.csv", labels: ["oos"], perLabel: 150)
        let trainPath = try triage.write("train.csv", Slices.csv(train))
        let calibrationPath = try triage.write("val.csv", Slices.csv(calibration))
        let testPath = try triage.write("test.csv", Slices.csv(test))
        let oosPath = try triage.write("oos.csv", Slices.csv(outOfScope))

        // Train: a version is published and its figures are printed.
        let trained = try triage.run([
            "train", "--data", trainPath, "--calibration", calibrationPath, "--target-accuracy",
            "0.95",
        ])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("model default version 1"))
        #expect(trained.stdout.contains("expected coverage"))
        #expect(
            FileManager.default.fileExists(
                atPath: triage.path("models/default/versions/1/weights.bin")))
        #expect(
            try String(contentsOfFile: triage.path("models/default/CURRENT"), encoding: .utf8)
                == "1\n")

        // Classify in-scope queries: one decision per input, in order, mostly right.
        let classified = try triage.run(["classify", testPath])
        #expect(classified.status == 0, "\(classified.stderr)")
        let decisions = try classified.jsonLines()
        #expect(decisions.count == test.count)
        #expect(decisions.map { $0["index"] as? Int } == Array(0..<test.count))
        var right = 0
        var automated = 0
        var automatedRight = 0
        for (decision, row) in zip(decisions, test) {
            let label = decision["label"] as? String
            #expect(decision["confidence"] is Double)
            #expect(decision["alternatives"] is [[String: Any]])
            if label == row.label { right += 1 }
            if decision["decision"] as? String == "auto" {
                automated += 1
                if label == row.label { automatedRight += 1 }
                #expect(decision["case"] == nil)
            } else {
                #expect(decision["decision"] as? String == "deferred")
                #expect(decision["case"] is Int)
            }
        }
        #expect(Double(right) / Double(test.count) >= 0.85)
        #expect(automated > test.count / 2)
        #expect(Double(automatedRight) / Double(automated) >= 0.93)
        let inScopeDeferral = 1 - Double(automated) / Double(test.count)

        // Out-of-scope queries are deferred far more often.
        let oos = try triage.run(["classify", oosPath]).jsonLines()
        let oosDeferral =
            Double(oos.filter { $0["decision"] as? String == "deferred" }.count)
            / Double(oos.count)
        #expect(
            oosDeferral >= inScopeDeferral + 0.2, "in-scope \(inScopeDeferral), oos \(oosDeferral)")

        // The same inputs deferred again join their existing cases.
        let before = try triage.run(["review", "list", "--json"]).jsonLines()
        let again = try triage.run(["classify", oosPath]).jsonLines()
        #expect(again.map { $0["case"] as? Int } == oos.map { $0["case"] as? Int })
        let after = try triage.run(["review", "list", "--json"]).jsonLines()
        #expect(after.count == before.count)
        #expect(Set(after.compactMap { $0["id"] as? Int }).count == after.count)

        // Review: answer twenty out-of-scope cases with a new label.
        let deferredOOS = zip(oos, outOfScope).filter { $0.0["decision"] as? String == "deferred" }
        let answered = deferredOOS.prefix(20)
        for (decision, _) in answered {
            let id = try #require(decision["case"] as? Int)
            let result = try triage.run(["review", "label", String(id), "oos", "--new-label"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let shown = try triage.run([
            "review", "show", String(answered.first!.0["case"] as! Int), "--json",
        ])
        #expect(try shown.jsonLines().first?["status"] as? String == "answered")
        #expect(try shown.jsonLines().first?["answer"] as? String == "oos")

        // Retrain: the new version lists the answered cases and compares figures.
        let retrained = try triage.run(["retrain"])
        #expect(retrained.status == 0, "\(retrained.stderr)")
        #expect(retrained.stdout.contains("version 2"))
        #expect(retrained.stdout.contains("reviewed cases used"))
        let manifest =
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: URL(
                        fileURLWithPath: triage.path("models/default/versions/2/manifest.json"))))
            as? [String: Any]
        let training = manifest?["training"] as? [String: Any]
        let used =
            (training?["reviewed_cases"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } ?? []
        // A tenth of the new answers is held back to judge the new version on.
        let promotion = manifest?["promotion"] as? [String: Any]
        let heldBack = promotion?["held_back_cases"] as? [Int] ?? []
        #expect(heldBack.count == 2)
        #expect(Set(heldBack).isDisjoint(with: used))
        #expect(Set(used + heldBack) == Set(answered.map { $0.0["case"] as! Int }))
        #expect(promotion?["champion"] as? Int == 1)
        #expect(promotion?["promoted"] as? Bool == true)
        #expect((manifest?["labels"] as? [String])?.contains("oos") == true)
        #expect(manifest?["parent_version"] as? Int == 1)
        // The code that trained it: the version number and a checksum of the binary.
        #expect(manifest?["triage_version"] as? String == "0.1.0")
        let build = try #require(manifest?["triage_build"] as? String)
        #expect(!build.isEmpty && build.allSatisfy(\.isHexDigit))

        // The loop closes: the answered inputs are now deferred less.
        let answeredTexts = answered.map { $0.1.text }.joined(separator: "\n") + "\n"
        let reclassified = try triage.run(["classify", "--dry-run", "-"], stdin: answeredTexts)
            .jsonLines()
        #expect(reclassified.count == answered.count)
        let stillDeferred = reclassified.filter { $0["decision"] as? String == "deferred" }.count
        #expect(stillDeferred < answered.count)
        #expect(reclassified.filter { $0["label"] as? String == "oos" }.count >= answered.count / 2)
    }

    @Test func classifyReadsStandardInputAndOtherFormats() throws {
        let triage = try TriageProcess()
        let train = try Slices.clinc("train.csv", labels: Slices.labels, perLabel: 60)
        let trainPath = try triage.write("train.csv", Slices.csv(train))
        #expect(try triage.run(["train", "--data", trainPath, "-q"]).status == 0)

        // Standard input: one input per line, blank lines skipped.
        let piped = try triage.run(
            ["classify", "--dry-run"],
            stdin: "translate hello into french\n\nset a timer for 5 minutes\n")
        let decisions = try piped.jsonLines()
        #expect(decisions.count == 2)
        #expect(decisions.first?["label"] as? String == "translate")
        #expect(decisions.last?["label"] as? String == "timer")

        // JSON Lines with a differently named column, and CSV/table output.
        let jsonl = try triage.write(
            "inputs.jsonl",
            #"{"id": 1, "query": "what is my payday"}"# + "\n"
                + #"{"id": 2, "query": "i lost my phone"}"# + "\n")
        let csv = try triage.run([
            "classify", jsonl, "--text", "query", "--format", "csv", "--dry-run",
        ])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(
            csv.lines.first
                == "index,label,confidence,decision,reason,case,model_version,alternatives,"
                + "prediction_set")
        #expect(csv.lines.count == 3)
        #expect(csv.lines[1].hasPrefix("0,payday,"))
        // No conformal policy, so no prediction set: the last field is empty.
        #expect(csv.lines[1].hasSuffix("\","))
        let table = try triage.run([
            "classify", "--format", "table", "--dry-run", jsonl, "--text", "query",
        ])
        #expect(table.lines.count == 3)
        #expect(table.lines[2].contains("find_phone"))
    }
}

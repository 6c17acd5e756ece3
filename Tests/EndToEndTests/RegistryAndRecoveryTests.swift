import Foundation
import Testing

/// Versions, recovery and the edges of the loop, through the built binary.
@Suite struct RegistryAndRecoveryTests {
    private func trainedHome(labels: Set<String> = ["timer", "translate", "payday", "alarm"]) throws
        -> TriageProcess
    {
        let triage = try TriageProcess()
        let train = try Slices.clinc("train.csv", labels: labels, perLabel: 50)
        let path = try triage.write("train.csv", Slices.csv(train))
        let trained = try triage.run(["train", "-q", "--data", path])
        #expect(trained.status == 0, "\(trained.stderr)")
        return triage
    }

    @Test func retrainKeepsAnswersWhenTheQueueIsLostAndSkipsWhenNothingIsNew() throws {
        let triage = try trainedHome()
        let outOfScope = try Slices.clinc("oos_test.csv", labels: ["oos"], perLabel: 60)
        let queued = try triage.run(
            ["classify", "-"], stdin: outOfScope.map { $0.text + "\n" }.joined())
        let ids = try queued.jsonLines().compactMap { $0["case"] as? Int }.prefix(5)
        #expect(ids.count == 5)
        for id in ids {
            #expect(
                try triage.run(["review", "label", String(id), "oos", "--new-label"]).status == 0)
        }
        let first = try triage.run(["retrain"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("version 2"))

        // Nothing new: no version 3.
        let idle = try triage.run(["retrain"])
        #expect(idle.status == 0)
        #expect(idle.stderr.contains("nothing new since version 2"))
        #expect(!FileManager.default.fileExists(atPath: triage.path("models/default/versions/3")))

        // The queue moved aside: the answers survive in the model's own record.
        try FileManager.default.removeItem(atPath: triage.path("review/queue.sqlite"))
        let forced = try triage.run(["retrain", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(
            forced.stderr.contains("5 answers version 2 learned from are no longer in the queue"))
        let manifest =
            try JSONSerialization.jsonObject(
                with: Data(
                    contentsOf: URL(
                        fileURLWithPath: triage.path("models/default/versions/3/manifest.json"))))
            as? [String: Any]
        let reviewed = (manifest?["training"] as? [String: Any])?["reviewed_cases"] as? [Any]
        #expect(reviewed?.count == 5)
        #expect((manifest?["labels"] as? [String])?.contains("oos") == true)
    }

    @Test func anAnswerTakenBackAfterARetrainLeavesTheNextOne() throws {
        let triage = try trainedHome()
        let outOfScope = try Slices.clinc("oos_test.csv", labels: ["oos"], perLabel: 60)
        let queued = try triage.run(
            ["classify", "-"], stdin: outOfScope.map { $0.text + "\n" }.joined())
        let ids = try queued.jsonLines().compactMap { $0["case"] as? Int }.prefix(3)
        #expect(ids.count == 3)
        for id in ids {
            let answer = try triage.run([
                "review", "label", String(id), "oos", "--new-label", "--reviewer", "ana",
            ])
            #expect(answer.status == 0, "\(answer.stderr)")
        }
        #expect(try triage.run(["retrain", "--hold-back", "0"]).status == 0)

        // Ana takes her latest answer back after version 2 learned it.
        let undone = try triage.run(["review", "undo", "--reviewer", "ana"])
        #expect(undone.status == 0, "\(undone.stderr)")
        let retrained = try triage.run(["retrain", "--hold-back", "0", "--json"])
        #expect(retrained.status == 0, "\(retrained.stderr)")
        #expect(retrained.stderr.contains("leaving out 1 answer version 2 learned from"))
        let manifest =
            try JSONSerialization.jsonObject(with: Data(retrained.stdout.utf8))
            as? [String: Any]
        let learned =
            ((manifest?["training"] as? [String: Any])?["reviewed_cases"]
            as? [[String: Any]])?.compactMap { $0["id"] as? Int }
        #expect(learned == Array(ids.dropLast()))
    }

    @Test func aModelWhoseFirstTrainingWasStoppedSaysSo() throws {
        let triage = try trainedHome()
        // What a first training killed before publishing leaves: an empty folder.
        try FileManager.default.createDirectory(
            atPath: triage.path("models/fresh/versions"), withIntermediateDirectories: true)
        let listed = try triage.run(["models", "list", "--model", "fresh"])
        #expect(listed.status == 1)
        #expect(listed.stderr.contains("model \"fresh\" has no published version yet"))
        let unknown = try triage.run(["models", "list", "--model", "nosuch"])
        #expect(unknown.stderr.hasSuffix("known models: default\n"), "\(unknown.stderr)")
    }

    @Test func promoteAndRollbackMoveTheCurrentVersion() throws {
        let triage = try trainedHome()
        let train = try Slices.clinc("train.csv", labels: ["timer", "translate"], perLabel: 50)
        let path = try triage.write("two.csv", Slices.csv(train))
        #expect(try triage.run(["train", "-q", "--data", path]).status == 0)

        let listed = try triage.run(["models", "list", "--json"]).jsonLines()
        #expect(listed.map { $0["version"] as? Int } == [1, 2])
        #expect(listed.map { $0["current"] as? Bool } == [false, true])

        let rolled = try triage.run(["models", "rollback"])
        #expect(rolled.stdout == "model default: version 1 is current (was 2)\n")
        let input = try triage.write("in.txt", "what is my payday\n")
        let decision = try triage.run(["classify", "--dry-run", input]).jsonLines().first
        #expect(decision?["model_version"] as? Int == 1)
        #expect(decision?["label"] as? String == "payday")

        let promoted = try triage.run(["models", "promote", "2"])
        #expect(promoted.stdout == "model default: version 2 is current (was 1)\n")
        let missing = try triage.run(["models", "promote", "7"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("has no version 7"))

        // No current version: the message says how to choose one.
        try FileManager.default.removeItem(atPath: triage.path("models/default/CURRENT"))
        let lost = try triage.run(["classify", input])
        #expect(lost.status == 1)
        #expect(lost.stderr.contains("has versions but none is current"))
        #expect(lost.stderr.contains("triage models promote 2"))
    }

    @Test func inputsWithNothingKnownAreDeferredAsOutOfDistribution() throws {
        let triage = try trainedHome()
        // A script the training data never used shares not even a character pair.
        let result = try triage.run(["classify", "--dry-run", "-"], stdin: "ሰላም ዓለም\n")
        let decision = try #require(try result.jsonLines().first)
        #expect(decision["decision"] as? String == "deferred")
        #expect(decision["reason"] as? String == "out_of_distribution")
    }

    @Test func rowsWithoutInputAreRefusedAtTraining() throws {
        let triage = try TriageProcess()
        let path = try triage.write(
            "gap.jsonl",
            """
            {"text": "set a timer", "label": "timer"}
            {"label": "timer"}
            {"text": "wake me up", "label": "alarm"}

            """)
        let result = try triage.run(["train", "--data", path])
        #expect(result.status == 1)
        #expect(
            result.stderr
                == "triage: error: \(path):2: row has no value in column \"text\"; fill it in, or remove the row\n"
        )
    }

    @Test func outputFailuresAndEmptyHomeAreErrors() throws {
        let triage = try trainedHome()
        let input = try triage.write("in.txt", "set a timer\n")
        let process = Process()
        process.executableURL = TriageProcess.executable
        process.arguments = ["classify", "--dry-run", input]
        process.environment = ["TRIAGE_HOME": triage.home.path]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        let message = String(
            decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("cannot write results"))

        let empty = try triage.run(["review", "list", "--home", ""])
        #expect(empty.status == 64)
        let name = try triage.run(["classify", "--model", "../x", input])
        #expect(name.status == 64)
    }

    @Test func readingCommandsDoNotCreateAQueue() throws {
        let triage = try TriageProcess()
        let listed = try triage.run(["review", "list"])
        #expect(listed.status == 0)
        #expect(!FileManager.default.fileExists(atPath: triage.path("review")))
        let shown = try triage.run(["review", "show", "3"])
        #expect(shown.status == 1)
        #expect(!FileManager.default.fileExists(atPath: triage.path("review")))
    }

    @Test func evaluateWritesAnHTMLReport() throws {
        let triage = try trainedHome()
        let test = try Slices.clinc(
            "test.csv", labels: ["timer", "translate", "payday", "alarm"], perLabel: 20)
        let path = try triage.write("test.csv", Slices.csv(test))
        let report = triage.path("report.html")
        let result = try triage.run(["evaluate", "--data", path, "--report", report])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("accuracy"))
        let page = try String(contentsOfFile: report, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.components(separatedBy: "<svg").count - 1 == 3)
    }
}

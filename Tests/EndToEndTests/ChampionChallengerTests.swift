import Foundation
import Testing

/// Retraining judged against the current version: a worse challenger is refused and
/// changes nothing, a better one is promoted, conflicting labels are settled by rule.
@Suite(.serialized) struct ChampionChallengerTests {
    private static let labels: Set<String> = [
        "balance", "transfer", "translate", "definition", "timer",
    ]

    @Test func aChallengerTrainedOnCorruptedAnswersIsRefused() throws {
        let setup = try Setup()
        let triage = setup.triage

        // Every deferred case answered with a wrong label, in one import.
        let rotated = Dictionary(
            uniqueKeysWithValues: zip(
                Self.labels.sorted(), Self.labels.sorted().dropFirst() + [Self.labels.sorted()[0]]))
        let answers = try setup.deferredCases().map { id, truth in
            "\(id),\(rotated[truth] ?? truth)"
        }
        try #require(answers.count >= 150, "only \(answers.count) cases deferred")
        let answerFile = try triage.write(
            "answers.csv", "case,label\n" + answers.joined(separator: "\n") + "\n")
        let imported = try triage.run(["review", "import", answerFile, "--reviewer", "mallory"])
        try #require(imported.status == 0, "\(imported.stderr)")

        let before = try triage.run(["classify", "--dry-run", setup.testPath])
        let retrained = try triage.run(["retrain", "--evaluate-on", setup.testPath])
        #expect(retrained.status == 0, "\(retrained.stderr)")
        #expect(retrained.stdout.contains("model default: version 1 stays current"))
        #expect(retrained.stdout.contains("beyond the tolerance 0.005"))

        // The champion stays current and decides exactly as before.
        #expect(try setup.current() == "1")
        let after = try triage.run(["classify", "--dry-run", setup.testPath])
        #expect(after.stdout == before.stdout)
        #expect(!after.stdout.isEmpty)

        // The refused version is kept for inspection, not current, with the verdict.
        let versions = try triage.run(["models", "list", "--json"]).jsonLines()
        #expect(versions.map { $0["version"] as? Int } == [1, 2])
        #expect(versions.map { $0["current"] as? Bool } == [true, false])
        let promotion = try setup.manifest(2)["promotion"] as? [String: Any]
        #expect(promotion?["promoted"] as? Bool == false)
        #expect(promotion?["metric"] as? String == "accuracy")
        let championScore = try #require(promotion?["champion_score"] as? Double)
        let challengerScore = try #require(promotion?["challenger_score"] as? Double)
        #expect(challengerScore < championScore - 0.005)
    }

    @Test func aChallengerTrainedOnTrueAnswersIsPromoted() throws {
        let setup = try Setup()
        let triage = setup.triage
        let answers = try setup.deferredCases().map { id, truth in "\(id),\(truth)" }
        let answerFile = try triage.write(
            "answers.csv", "case,label\n" + answers.joined(separator: "\n") + "\n")
        try #require(try triage.run(["review", "import", answerFile]).status == 0)

        // --promote never publishes without promoting, whatever the score.
        let never = try triage.run([
            "retrain", "--evaluate-on", setup.testPath, "--promote", "never",
        ])
        #expect(never.status == 0, "\(never.stderr)")
        #expect(never.stdout.contains("version 1 stays current"))
        #expect(try setup.current() == "1")

        let retrained = try triage.run([
            "retrain", "--evaluate-on", setup.testPath, "--review-weight", "2",
        ])
        #expect(retrained.status == 0, "\(retrained.stderr)")
        #expect(retrained.stdout.contains("model default: version 3 is current (promoted"))
        #expect(try setup.current() == "3")
        let promotion = try setup.manifest(3)["promotion"] as? [String: Any]
        #expect(promotion?["promoted"] as? Bool == true)
        #expect(promotion?["champion"] as? Int == 1)
        let held = promotion?["held_back_cases"] as? [Int] ?? []
        #expect(held.count == answers.count / 10)
        let sources = promotion?["evaluation_sources"] as? [String] ?? []
        #expect(sources.first == setup.testPath)
        #expect(sources.last == "\(held.count) reviewed cases held back")
    }

    @Test(arguments: [
        ("latest", "keeps \"transfer\"", true),
        ("majority", "keeps \"balance\"", false),
        ("skip", "left out", false),
    ])
    func conflictingLabelsAreReportedAndSettledByRule(
        rule: String, outcome: String, answerUsed: Bool
    ) throws {
        // A training query appears twice more labelled balance; a reviewer calls it
        // transfer.
        let triage = try TriageProcess()
        let query = "how much money is in my checking account"
        let train = try Slices.clinc("train.csv", labels: Self.labels, perLabel: 40)
        let trainPath = try triage.write(
            "train.csv", Slices.csv(train + [(query, "balance"), (query, "balance")]))
        let calibration = try Slices.clinc("val.csv", labels: Self.labels, perLabel: 10)
        let calibrationPath = try triage.write("val.csv", Slices.csv(calibration))
        try #require(
            try triage.run(["train", "--data", trainPath, "--calibration", calibrationPath]).status
                == 0)
        let classified = try triage.run(
            ["classify", "-", "--policy", "conformal", "--alpha", "0.001"],
            stdin: query + "\n")
        let id = try #require(try classified.jsonLines().first?["case"] as? Int)
        try #require(
            try triage.run(["review", "label", String(id), "transfer"]).status == 0)

        let retrained = try triage.run([
            "retrain", "--conflicts", rule, "--promote", "always", "--hold-back", "0",
        ])
        #expect(retrained.status == 0, "\(retrained.stderr)")
        #expect(retrained.stderr.contains("1 reviewed input has conflicting labels"))
        if answerUsed {
            #expect(
                retrained.stderr.contains(
                    "retraining default from version 1 with 1 reviewed answer, a new one\n"))
        }
        // CLINC150 itself has the query once more.
        let copies = (train.filter { $0.text == query }.count) + 2
        let given = Array(repeating: "balance", count: copies) + ["transfer"]
        #expect(
            retrained.stderr.contains(
                "case \(id): \(given.joined(separator: ", ")) → \(outcome)"))
        func training(_ version: Int) throws -> [String: Any]? {
            let manifest =
                try JSONSerialization.jsonObject(
                    with: Data(
                        contentsOf: URL(
                            fileURLWithPath: triage.path(
                                "models/default/versions/\(version)/manifest.json"))))
                as? [String: Any]
            return manifest?["training"] as? [String: Any]
        }
        let original = try #require(try training(1)?["examples"] as? Int)
        let training = try training(2)
        let used = (training?["reviewed_cases"] as? [[String: Any]])?.compactMap {
            $0["id"] as? Int
        }
        #expect(used == (answerUsed ? [id] : []))
        // Latest drops the contradicted rows for the answer; skip drops them and the
        // answer; majority keeps them and drops the answer.
        let expected = original + (rule == "latest" ? 1 - copies : rule == "skip" ? -copies : 0)
        #expect(training?["examples"] as? Int == expected)
    }

    @Test func badRetrainOptionsAreUsageErrors() throws {
        let setup = try Setup()
        for (arguments, message) in [
            (
                ["--promote", "sometimes"],
                "option '--promote' must be one of always, if-better, never"
            ),
            (["--metric", "f1"], "option '--metric' must be one of"),
            (["--hold-back", "1"], "option '--hold-back' must be at least 0 and below 1"),
            (["--review-weight", "0"], "option '--review-weight' must be a positive number"),
            (["--tolerance", "-1"], "option '--tolerance' must not be negative"),
        ] {
            let result = try setup.triage.run(["retrain"] + arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        let missing = try setup.triage.run(["retrain", "--evaluate-on", "nope.csv"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nope.csv"))
        #expect(try setup.current() == "1")
    }

    /// A small model on five CLINC150 intents, and a queue of its deferred cases.
    private struct Setup {
        let triage: TriageProcess
        let testPath: String
        /// The inputs that were classified, in order, with their true labels.
        let pool: [(text: String, label: String)]
        let decisions: [[String: Any]]

        init() throws {
            triage = try TriageProcess()
            let all = try Slices.clinc("train.csv", labels: labels, perLabel: 100)
            var seen: [String: Int] = [:]
            var train: [(text: String, label: String)] = []
            var rest: [(text: String, label: String)] = []
            for row in all {
                seen[row.label, default: 0] += 1
                if seen[row.label]! <= 30 { train.append(row) } else { rest.append(row) }
            }
            let calibration = try Slices.clinc("val.csv", labels: labels, perLabel: 20)
            let test = try Slices.clinc("test.csv", labels: labels, perLabel: 30)
            let trainPath = try triage.write("train.csv", Slices.csv(train))
            let calibrationPath = try triage.write("val.csv", Slices.csv(calibration))
            testPath = try triage.write("test.csv", Slices.csv(test))
            let poolPath = try triage.write("pool.csv", Slices.csv(rest))
            pool = rest
            let trained = try triage.run([
                "train", "--data", trainPath, "--calibration", calibrationPath,
            ])
            try #require(trained.status == 0, "\(trained.stderr)")
            let classified = try triage.run([
                "classify", poolPath, "--policy", "conformal", "--alpha", "0.001",
            ])
            try #require(classified.status == 0, "\(classified.stderr)")
            decisions = try classified.jsonLines()
        }

        /// Deferred cases with the true label of their input.
        func deferredCases() throws -> [(Int, String)] {
            zip(decisions, pool).compactMap { decision, row in
                (decision["case"] as? Int).map { ($0, row.label) }
            }
        }

        func current() throws -> String {
            try String(contentsOfFile: triage.path("models/default/CURRENT"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func manifest(_ version: Int) throws -> [String: Any] {
            let data = try Data(
                contentsOf: URL(
                    fileURLWithPath: triage.path("models/default/versions/\(version)/manifest.json")
                ))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
    }
}

import Foundation
import Testing

/// `triage models diff A B` through the built binary, on versions trained from real
/// CLINC150 slices: from files, retrained with answers, and trained anew.
@Suite struct ModelsDiffTests {
    @Test func diffReportsDataSettingsAndMetrics() throws {
        let triage = try TriageProcess()
        let labels: Set<String> = ["timer", "translate", "payday", "alarm"]
        let train = try triage.write(
            "train.csv", Slices.csv(try Slices.clinc("train.csv", labels: labels, perLabel: 40)))
        let calibration = try triage.write(
            "val.csv", Slices.csv(try Slices.clinc("val.csv", labels: labels, perLabel: 15)))
        let first = try triage.run(["train", "-q", "--data", train, "--calibration", calibration])
        #expect(first.status == 0, "\(first.stderr)")

        // Version 2: three answers, a new label.
        let outOfScope = try Slices.clinc("oos_test.csv", labels: ["oos"], perLabel: 30)
        let queued = try triage.run(
            ["classify", "-"], stdin: outOfScope.map { $0.text + "\n" }.joined())
        let ids = try queued.jsonLines().compactMap { $0["case"] as? Int }.prefix(3)
        #expect(ids.count == 3)
        for id in ids {
            #expect(
                try triage.run(["review", "label", String(id), "oos", "--new-label"]).status == 0)
        }
        let retrained = try triage.run(["retrain", "-q", "--hold-back", "0", "--promote", "always"])
        #expect(retrained.status == 0, "\(retrained.stderr)")

        // Version 3: other files and settings.
        let other = try triage.write(
            "other.csv",
            Slices.csv(try Slices.clinc("train.csv", labels: ["timer", "payday"], perLabel: 40)))
        let third = try triage.run([
            "train", "-q", "--data", other, "--word-ngrams", "1", "--seed", "3",
        ])
        #expect(third.status == 0, "\(third.stderr)")

        // Answers added: data and labels change, the calibration split does not.
        let text = try triage.run(["models", "diff", "1", "2"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.lines
        #expect(lines.first == "model default: version 1 → version 2")
        #expect(lines.contains("data"))
        #expect(lines.contains("  training examples     160 → 163 (+3)"))
        #expect(lines.contains("  reviewed cases        0 → 3 (+3)"))
        let added = ids.map(String.init).joined(separator: ", ")
        #expect(lines.contains("    added               3 (oos 3): cases \(added)"))
        #expect(lines.contains { $0.hasPrefix("  labels added") && $0.hasSuffix("  oos") })
        #expect(lines.contains { $0.hasPrefix("  calibration.temperature  ") })
        #expect(lines.contains("metrics (on the calibration split)"))
        #expect(lines.contains { $0.hasPrefix("  accuracy  ") })
        #expect(!text.stdout.contains("no change"))

        let printed = try triage.run(["models", "diff", "1", "2", "--json"])
        #expect(printed.lines.count == 1)
        let json = try #require(try printed.jsonLines().first)
        let data = try #require(json["data"] as? [String: Any])
        #expect((data["reviewed_cases_added"] as? [[String: Any]])?.count == 3)
        #expect((data["examples"] as? [String: Int]) == ["a": 160, "b": 163])
        let settings = try #require(json["settings"] as? [String: Any])
        #expect(settings["labels_added"] as? [String] == ["oos"])
        let metrics = try #require(json["metrics"] as? [[String: Any]])
        #expect(metrics.map { $0["name"] as? String }.contains("calibration_error"))
        #expect((json["b"] as? [String: Any])?["parent_version"] as? Int == 1)

        // A version against itself.
        let same = try triage.run(["models", "diff", "2", "2"])
        #expect(same.status == 0)
        #expect(same.stdout.components(separatedBy: "\n  no change\n").count - 1 == 3)

        // New files and settings.
        let files = try triage.run(["models", "diff", "1", "3"]).lines
        #expect(files.contains { $0.hasPrefix("  file added            \(other) (80 rows, hash ") })
        #expect(files.contains { $0.hasPrefix("  file removed          \(train) (160 rows") })
        func changed(_ path: String, _ values: String) -> Bool {
            files.contains { $0.hasPrefix("  \(path) ") && $0.hasSuffix("  " + values) }
        }
        #expect(changed("features.word_ngrams", "2 → 1"))
        #expect(changed("training.seed", "0 → 3"))
        #expect(files.contains { $0.hasPrefix("  labels removed") })
        #expect(
            files.contains(
                "metrics (each on its own calibration split, so not on the same examples)"))
    }

    @Test func aChangeTooSmallToShowHasNoSign() throws {
        let triage = try TriageProcess()
        let train = try triage.write(
            "train.csv",
            Slices.csv(try Slices.clinc("train.csv", labels: ["timer", "payday"], perLabel: 30)))
        #expect(try triage.run(["train", "-q", "--data", train]).status == 0)

        // Version 2: version 1 with its accuracy a hair lower, and its ECE a hair higher.
        let versions = triage.path("models/default/versions")
        try FileManager.default.copyItem(atPath: versions + "/1", toPath: versions + "/2")
        let path = versions + "/2/manifest.json"
        var manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
                as? [String: Any])
        var metrics = try #require(manifest["metrics"] as? [String: Any])
        let accuracy = try #require(metrics["accuracy"] as? Double)
        let error = try #require(metrics["calibration_error"] as? Double)
        metrics["accuracy"] = accuracy - 1e-7
        metrics["calibration_error"] = error + 1e-7
        manifest["metrics"] = metrics
        manifest["version"] = 2
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: path))

        let lines = try triage.run(["models", "diff", "1", "2"]).lines
        let shown = try #require(lines.first { $0.hasPrefix("  accuracy ") })
        #expect(shown.hasSuffix(" 0.0000"), "\(shown)")
        #expect(!shown.contains("-0.0000"), "\(shown)")
        let ece = try #require(lines.first { $0.hasPrefix("  calibration error ") })
        #expect(ece.hasSuffix(" 0.0000") && !ece.contains("+0.0000"), "\(ece)")
    }

    @Test func unknownVersionsAndBadArgumentsAreOneLineErrors() throws {
        let triage = try TriageProcess()
        let train = try triage.write(
            "train.csv",
            Slices.csv(try Slices.clinc("train.csv", labels: ["timer", "payday"], perLabel: 30)))
        #expect(try triage.run(["train", "-q", "--data", train]).status == 0)

        let missing = try triage.run(["models", "diff", "1", "9"])
        #expect(missing.status == 1)
        #expect(missing.stdout.isEmpty)
        #expect(
            missing.stderr == "triage: error: model \"default\" has no version 9; versions: 1\n")
        let both = try triage.run(["models", "diff", "8", "9"])
        #expect(
            both.stderr == "triage: error: model \"default\" has no version 8 or 9; versions: 1\n")
        let noModel = try triage.run(["models", "diff", "1", "2", "--model", "other"])
        #expect(noModel.status == 1)
        #expect(noModel.stderr.hasPrefix("triage: error: no model named \"other\""))

        let word = try triage.run(["models", "diff", "1", "two"])
        #expect(word.status == 64)
        #expect(word.stderr.hasPrefix("triage: error: B must be a version number, got 'two'"))
        #expect(try triage.run(["models", "diff", "1"]).status == 64)

        let help = try triage.run(["models", "diff", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.hasPrefix("Usage: triage models diff A B [options]\n"))
        #expect(help.stdout.contains("--json"))
    }
}

import Foundation
import Testing

/// `triage recalibrate --from-audits`: calibration and threshold refitted on answered
/// audits of real traffic.
@Suite(.serialized) struct RecalibrationTests {
    @Test func auditsRefitTheCalibrationWithinTheRangeTheySampled() throws {
        let triage = try TriageProcess()
        let train = try Slices.clinc("train.csv", labels: Slices.labels, perLabel: 100)
        let calibration = try Slices.clinc("val.csv", labels: Slices.labels, perLabel: 20)
        let traffic = try Slices.clinc("test.csv", labels: Slices.labels, perLabel: 30)
        let trainPath = try triage.write("train.csv", Slices.csv(train))
        let calibrationPath = try triage.write("val.csv", Slices.csv(calibration))
        let trafficPath = try triage.write("traffic.csv", Slices.csv(traffic))
        // A guaranteed threshold: its grid of candidates runs far below any audit.
        let trained = try triage.run([
            "train", "-q", "--data", trainPath, "--calibration", calibrationPath,
            "--target-accuracy", "0.9", "--confidence", "0.9",
        ])
        #expect(trained.status == 0, "\(trained.stderr)")

        // Too few audits: refused, nothing published.
        let early = try triage.run(["recalibrate", "--from-audits"])
        #expect(early.status == 1)
        #expect(early.stderr.contains("recalibrating needs at least 50"))

        // Half the automated decisions are audited; reviewers answer them truly.
        let decisions = try triage.run([
            "classify", trafficPath, "--audit-rate", "0.5", "--seed", "7",
        ]).jsonLines()
        let audited = zip(decisions, traffic).filter { $0.0["reason"] as? String == "audit" }
        #expect(audited.count >= 50)
        let answers = audited.map { decision, row in "\(decision["case"] as! Int),\(row.label)" }
        let file = try triage.write(
            "audits.csv", "case,label\n" + answers.joined(separator: "\n") + "\n")
        let imported = try triage.run(["review", "import", file])
        #expect(imported.status == 0, "\(imported.stderr)")

        let recalibrated = try triage.run(["recalibrate", "--from-audits", "--json"])
        #expect(recalibrated.status == 0, "\(recalibrated.stderr)")
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(recalibrated.stdout.utf8))
                as? [String: Any])
        #expect(manifest["version"] as? Int == 2)
        #expect(manifest["parent_version"] as? Int == 1)
        let source = (manifest["training"] as? [String: Any])?["calibration_source"] as? String
        #expect(source == "\(audited.count) answered audits of version 1")
        #expect(
            try triage.run(["models", "list", "--json"]).jsonLines().last?["current"] as? Bool
                == true)

        // Nothing below the least confident audited decision is automated.
        let texts = audited.map { $0.1.text }.joined(separator: "\n") + "\n"
        let rescored = try triage.run(["classify", "--dry-run", "-"], stdin: texts).jsonLines()
        let lowest = try #require(rescored.compactMap { $0["confidence"] as? Double }.min())
        let threshold = try #require(
            (manifest["deferral"] as? [String: Any])?["threshold"] as? Double)
        #expect(threshold >= lowest - 1e-9, "threshold \(threshold) below \(lowest)")
    }
}

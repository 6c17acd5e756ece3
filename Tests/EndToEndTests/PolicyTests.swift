import Foundation
import Testing

/// Deferral policies through the built binary.
@Suite struct PolicyTests {
    private let labels: Set<String> = [
        "timer", "translate", "payday", "alarm", "weather", "todo_list", "greeting", "goodbye",
    ]

    private func trained(_ options: [String] = []) throws -> (TriageProcess, String) {
        let triage = try TriageProcess()
        let train = try Slices.clinc("train.csv", labels: labels, perLabel: 80)
        let calibration = try Slices.clinc("val.csv", labels: labels, perLabel: 20)
        let trainPath = try triage.write("train.csv", Slices.csv(train))
        let calibrationPath = try triage.write("val.csv", Slices.csv(calibration))
        let result = try triage.run(
            ["train", "-q", "--data", trainPath, "--calibration", calibrationPath] + options)
        #expect(result.status == 0, "\(result.stderr)")
        return (triage, result.stdout)
    }

    @Test func auditsEstimateTheRealAutomatedAccuracy() throws {
        let (triage, _) = try trained()
        let inScope = try Slices.clinc("test.csv", labels: labels, perLabel: 30)
        let outOfScope = try Slices.clinc("oos_test.csv", labels: ["oos"], perLabel: 60)
        let rows = inScope + outOfScope
        let path = try triage.write("traffic.csv", Slices.csv(rows))

        // Half the automated decisions are audited, chosen by a fixed seed.
        let classified = try triage.run(["classify", path, "--audit-rate", "0.5", "--seed", "7"])
        #expect(classified.status == 0, "\(classified.stderr)")
        let decisions = try classified.jsonLines()
        var automated = 0
        var right = 0
        for (decision, row) in zip(decisions, rows) where decision["decision"] as? String == "auto"
        {
            automated += 1
            if decision["label"] as? String == row.label { right += 1 }
            if decision["reason"] as? String == "audit", let id = decision["case"] as? Int {
                let answer = try triage.run(
                    ["review", "label", String(id), row.label]
                        + (row.label == "oos" ? ["--new-label"] : []))
                #expect(answer.status == 0, "\(answer.stderr)")
            }
        }
        let truth = Double(right) / Double(automated)

        let stats = try #require(try triage.run(["stats", "--json"]).jsonLines().first)
        let audits = try #require(stats["audits"] as? [String: Any])
        let lower = try #require(audits["lower"] as? Double)
        let upper = try #require(audits["upper"] as? Double)
        #expect((audits["answered"] as? Int ?? 0) > 20)
        #expect(lower <= truth && truth <= upper, "\(truth) outside [\(lower), \(upper)]")
    }

    @Test func conformalPolicyDefersAmbiguousInputsWithTheirSet() throws {
        let (triage, report) = try trained(["--policy", "conformal", "--alpha", "0.1"])
        #expect(report.contains("conformal sets, alpha 0.100"))
        let inputs = try triage.write(
            "in.txt", "set a timer for ten minutes\nhello there, goodbye\n")
        let decisions = try triage.run(["classify", inputs]).jsonLines()
        #expect(decisions.allSatisfy { $0["prediction_set"] is [String] })

        // CSV output carries the same sets, as JSON arrays in the last field.
        let csv = try triage.run(["classify", inputs, "--format", "csv", "--dry-run"])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.lines.first?.hasSuffix(",alternatives,prediction_set") == true)
        for (line, decision) in zip(csv.lines.dropFirst(), decisions) {
            let set = try #require(decision["prediction_set"] as? [String])
            let json = "[" + set.map { "\"\($0)\"" }.joined(separator: ",") + "]"
            #expect(line.hasSuffix("," + Slices.quote(json)), "\(line)")
        }
        if let deferred = decisions.first(where: { $0["reason"] as? String == "set_size" }),
            let id = deferred["case"] as? Int
        {
            let shown = try triage.run(["review", "show", String(id)])
            #expect(shown.stdout.contains("prediction set:"))
        }
    }

    @Test func costPolicyReadsItsFileAndChecksItsLabels() throws {
        let (triage, _) = try trained()
        let good = try triage.write(
            "costs.json", #"{"review": 0.3, "errors": {"timer": {"alarm": 5}}}"#)
        let classified = try triage.run(
            ["classify", "--dry-run", "--policy", "cost", "--costs", good, "-"],
            stdin: "wake me up at seven\n")
        #expect(classified.status == 0, "\(classified.stderr)")
        #expect(classified.stderr.contains("deferral for this run: cost"))

        let unknown = try triage.write(
            "bad.json", #"{"review": 0.3, "errors": {"tmier": {"alarm": 5}}}"#)
        let refused = try triage.run(
            ["classify", "--dry-run", "--policy", "cost", "--costs", unknown, "-"],
            stdin: "hello\n")
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "bad.json: the costs name a label the model does not know: \"tmier\""))

        let missing = try triage.run(
            ["classify", "--dry-run", "--policy", "cost", "-"], stdin: "hello\n")
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("needs the costs"))
    }

    @Test func aGuaranteeTheCalibrationSplitCannotGiveIsRefused() throws {
        let (triage, _) = try trained()
        let train = try Slices.clinc("train.csv", labels: labels, perLabel: 80)
        let path = try triage.write("again.csv", Slices.csv(train))
        let result = try triage.run([
            "train", "--data", path, "--target-accuracy", "0.999", "--confidence", "0.95",
            "--model", "strict",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("needs at least 2995"))
        #expect(!FileManager.default.fileExists(atPath: triage.path("models/strict")))
    }

    @Test func aGuaranteedThresholdIsReportedWithItsBound() throws {
        let (_, report) = try trained(["--target-accuracy", "0.9", "--confidence", "0.9"])
        #expect(report.contains("target accuracy          0.9000 with confidence 0.900"))
        #expect(report.contains("error bound"))
    }
}

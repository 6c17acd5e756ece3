import Foundation
import Testing

/// `triage stats` over a model's traffic: volume, deferrals, reviews and drift per
/// day and version, on real queries.
@Suite(.serialized) struct StatsTests {
    @Test func trafficReviewsAndDriftPerDayAndVersion() throws {
        let triage = try TriageProcess()
        let train = try Slices.clinc("train.csv", labels: Slices.labels, perLabel: 100)
        let calibration = try Slices.clinc("val.csv", labels: Slices.labels, perLabel: 20)
        let test = try Slices.clinc("test.csv", labels: Slices.labels, perLabel: 30)
        let outOfScope = try Slices.clinc("oos_test.csv", labels: ["oos"], perLabel: 400)
        let trainPath = try triage.write("train.csv", Slices.csv(train))
        let calibrationPath = try triage.write("val.csv", Slices.csv(calibration))
        let testPath = try triage.write("test.csv", Slices.csv(test))
        let oosPath = try triage.write("oos.csv", Slices.csv(outOfScope))
        let trained = try triage.run([
            "train", "-q", "--data", trainPath, "--calibration", calibrationPath,
        ])
        #expect(trained.status == 0, "\(trained.stderr)")

        // Before any traffic: nothing per day, and a dry run counts nothing.
        #expect(try triage.run(["classify", "--dry-run", testPath]).status == 0)
        let empty = try triage.run(["stats"])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout.contains("no traffic recorded yet"))

        // In-scope traffic like the calibration split: counted, and not a shift.
        let decisions = try triage.run(["classify", testPath]).jsonLines()
        let deferred = decisions.filter { $0["decision"] as? String == "deferred" }.count
        var stats = try #require(try triage.run(["stats", "--json"]).jsonLines().first)
        var days = try #require(stats["days"] as? [[String: Any]])
        #expect(days.count == 1)
        #expect(days[0]["version"] as? Int == 1)
        #expect(days[0]["inputs"] as? Int == test.count)
        #expect(days[0]["deferred"] as? Int == deferred)
        var drift = try #require(days[0]["drift"] as? [String: Any])
        #expect(drift["verdict"] as? String == "stable", "\(drift)")

        // Out-of-scope traffic moves confidence down: the day has shifted, and the
        // command says so on standard error. People answer three of its deferred
        // cases, one of them against the model.
        let oosDecisions = try triage.run(["classify", oosPath]).jsonLines()
        let cases = oosDecisions.compactMap { $0["case"] as? Int }.prefix(3)
        #expect(cases.count == 3)
        for (position, id) in cases.enumerated() {
            let shown = try triage.run(["review", "show", String(id), "--json"]).jsonLines()[0]
            let label = position == 0 ? "oos" : try #require(shown["label"] as? String)
            let answer = try triage.run(["review", "label", String(id), label, "--new-label"])
            #expect(answer.status == 0, "\(answer.stderr)")
        }
        let shifted = try triage.run(["stats", "--json"])
        #expect(shifted.stderr.contains("drifted from its calibration split"))
        stats = try #require(try shifted.jsonLines().first)
        days = try #require(stats["days"] as? [[String: Any]])
        #expect(days[0]["inputs"] as? Int == test.count + outOfScope.count)
        #expect(days[0]["reviewed"] as? Int == 3)
        let agreement = try #require(days[0]["reviewed_agreement"] as? Double)
        #expect(abs(agreement - 2.0 / 3.0) < 1e-9)
        drift = try #require(days[0]["drift"] as? [String: Any])
        #expect(drift["verdict"] as? String == "shifted", "\(drift)")

        // A new version starts its own row; the table shows both.
        let retrained = try triage.run(["retrain", "-q", "--hold-back", "0", "--promote", "always"])
        #expect(retrained.status == 0, "\(retrained.stderr)")
        #expect(try triage.run(["classify", testPath]).status == 0)
        stats = try #require(try triage.run(["stats", "--json"]).jsonLines().first)
        days = try #require(stats["days"] as? [[String: Any]])
        #expect(days.map { $0["version"] as? Int } == [1, 2])
        let versions = try #require(stats["versions"] as? [[String: Any]])
        #expect(
            versions.map { $0["inputs"] as? Int } == [test.count + outOfScope.count, test.count])
        let table = try triage.run(["stats"])
        #expect(table.stdout.contains("all days"))
        #expect(table.stdout.contains("shifted"))
    }
}

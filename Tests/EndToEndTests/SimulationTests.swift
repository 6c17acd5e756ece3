import Foundation
import Testing

/// The feedback loop simulated on CLINC150 through the built binary, as
/// `bench/simulate` runs it on the whole stream: a seed model trained on a tenth of
/// the training queries, the other queries arriving as a stream, a reviewer who
/// answers every deferred case with its true label, and a retrain every few hundred
/// answers.
@Suite(.serialized) struct SimulationTests {
    /// Answers between retrains.
    private static let answersPerRound = 300
    /// Stream inputs per `classify` run.
    private static let batchSize = 250
    private static let rounds = 3

    /// One measurement of the current version on the test queries.
    private struct Round: CustomStringConvertible {
        var answers: Int
        var trainingExamples: Int
        var coverage: Double
        /// How many test queries were decided automatically.
        var automated: Int
        var automatedAccuracy: Double
        var promoted: Bool?

        var description: String {
            "\(answers) answers, \(trainingExamples) examples: coverage "
                + String(format: "%.4f, automated accuracy %.4f", coverage, automatedAccuracy)
                + (promoted.map { $0 ? ", promoted" : ", refused" } ?? "")
        }
    }

    @Test func coverageRisesWhileAutomatedAccuracyHoldsTheTarget() throws {
        let triage = try TriageProcess()
        let calibration = TriageProcess.data("clinc150/val.csv")
        let test = TriageProcess.data("clinc150/test.csv")

        // Ten training queries per intent seed the model; the other ninety per intent,
        // shuffled, are the stream, of which the three rounds use about a third. Every
        // intent takes part so that the calibration split is all of val.csv. The
        // guaranteed threshold's search stops at its first failure, near 1, when one
        // of the few dozen most confident calibration queries is wrong, and the version
        // then automates little or nothing: with the 1,000 or 1,500 queries of 50 or 75
        // intents, in 2 of 28 trial runs; with all 3,000, in 1 of 30 (not this seed).
        var generator = SplitMix64(seed: 0)
        var byLabel: [String: [(text: String, label: String)]] = [:]
        for row in try Slices.clinc("train.csv", labels: nil) {
            byLabel[row.label, default: []].append(row)
        }
        var seedSet: [(text: String, label: String)] = []
        var stream: [(text: String, label: String)] = []
        for label in byLabel.keys.sorted() {
            let rows = byLabel[label, default: []].shuffled(using: &generator)
            seedSet += rows.prefix(10)
            stream += rows.dropFirst(10)
        }
        stream.shuffle(using: &generator)
        let seedPath = try triage.write("seed.csv", Slices.csv(seedSet))

        // The seed model, with the guaranteed threshold.
        let trained = try triage.run([
            "train", "-q", "--data", seedPath, "--calibration", calibration,
            "--target-accuracy", "0.95", "--confidence", "0.95",
        ])
        try #require(trained.status == 0, "\(trained.stderr)")
        var curve = [try measure(triage, on: test, answers: 0, promoted: nil)]

        // The stream, batch by batch, until the last round's retrain.
        var answered: [[Int]] = [[]]
        var start = 0
        while curve.count <= Self.rounds && start < stream.count {
            let batch = Array(stream[start..<min(start + Self.batchSize, stream.count)])
            start += batch.count
            let batchPath = try triage.write("batch.csv", Slices.csv(batch))
            let classified = try triage.run(["classify", "-q", batchPath])
            try #require(classified.status == 0, "\(classified.stderr)")
            let decisions = try classified.jsonLines()
            try #require(decisions.count == batch.count)

            // The reviewer answers every deferred case, with the truth, in one import.
            var answers: [Int: String] = [:]
            for (decision, row) in zip(decisions, batch)
            where decision["decision"] as? String == "deferred" {
                answers[try #require(decision["case"] as? Int)] = row.label
            }
            if !answers.isEmpty {
                let rows = answers.sorted { $0.key < $1.key }.map { "\($0.key),\($0.value)\n" }
                let file = try triage.write("answers.csv", "case,label\n" + rows.joined())
                let imported = try triage.run([
                    "review", "import", "-q", file, "--reviewer", "simulated",
                ])
                try #require(imported.status == 0, "\(imported.stderr)")
            }
            answered[answered.count - 1] += answers.keys
            guard answered.last!.count >= Self.answersPerRound else { continue }

            // Retrain with the defaults: judged against the current version on the
            // calibration split plus a tenth of the new answers, held back.
            let retrained = try triage.run(["retrain", "-q", "--json"])
            try #require(retrained.status == 0, "\(retrained.stderr)")
            let manifest = try #require(
                try JSONSerialization.jsonObject(with: Data(retrained.stdout.utf8))
                    as? [String: Any])
            let promotion = manifest["promotion"] as? [String: Any]
            curve.append(
                try measure(
                    triage, on: test, answers: answered.joined().count,
                    promoted: promotion?["promoted"] as? Bool))
            answered.append([])
        }
        try #require(curve.count == Self.rounds + 1, "the stream ran out: \(curve)")
        let lastRound = answered[answered.count - 2]

        // A reviewer who is always right makes every challenger better, and coverage
        // rises round over round.
        #expect(curve.dropFirst().allSatisfy { $0.promoted == true }, "\(curve)")
        for (before, after) in zip(curve, curve.dropFirst()) {
            #expect(after.coverage > before.coverage, "\(curve)")
        }
        #expect(curve.last!.coverage - curve.first!.coverage >= 0.05, "\(curve)")

        // Automated decisions stay at the target on queries never seen. The guarantee
        // is about the accuracy on the queries' distribution, which the test queries
        // only estimate: 2,500 to 3,800 automated ones, a standard error of 0.0035 to
        // 0.0044 at 0.95. So the test allows two standard errors below the target.
        // Over ten seeds of this protocol the accuracy measured per round ran from
        // 0.9472 to 0.9700, under 0.95 in 2 of the 40 measurements: strictly at the
        // target, the test would fail on two seeds in ten.
        for round in curve {
            let allowance = 2 * (0.95 * 0.05 / Double(round.automated)).squareRoot()
            #expect(round.automatedAccuracy >= 0.95 - allowance, "\(curve)")
        }

        // Every answer is in the final version's record: trained on, or (a tenth of the
        // last round's) held back to judge it, to be trained on by the next retrain.
        let shown = try triage.run(["models", "show", "--json"])
        try #require(shown.status == 0, "\(shown.stderr)")
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let training = manifest["training"] as? [String: Any]
        let reviewed = (training?["reviewed_cases"] as? [[String: Any]] ?? []).compactMap {
            $0["id"] as? Int
        }
        let heldBack =
            (manifest["promotion"] as? [String: Any])?["held_back_cases"] as? [Int] ?? []
        #expect(Set(reviewed).count == reviewed.count)
        #expect(Set(reviewed).isDisjoint(with: heldBack))
        #expect(Set(reviewed).union(heldBack) == Set(answered.joined()))
        #expect(!heldBack.isEmpty && Set(heldBack).isSubset(of: lastRound))
        #expect(training?["examples"] as? Int == seedSet.count + reviewed.count)
    }

    /// The current version's coverage and automated accuracy on labelled data.
    private func measure(
        _ triage: TriageProcess, on path: String, answers: Int, promoted: Bool?
    ) throws -> Round {
        let evaluated = try triage.run(["evaluate", "--data", path, "--json"])
        try #require(evaluated.status == 0, "\(evaluated.stderr)")
        let figures = try #require(
            try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8))
                as? [String: Any])
        let coverage = try #require(figures["coverage"] as? Double)
        let examples = try #require(figures["examples"] as? Int)
        let shown = try triage.run(["models", "show", "--json"])
        let manifest = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8))
        let training = (manifest as? [String: Any])?["training"] as? [String: Any]
        return Round(
            answers: answers, trainingExamples: training?["examples"] as? Int ?? 0,
            coverage: coverage, automated: Int((coverage * Double(examples)).rounded()),
            automatedAccuracy: figures["automated_accuracy"] as? Double ?? 0, promoted: promoted)
    }
}

/// SplitMix64: a small seeded generator, so the split and the stream are the same on
/// every run.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

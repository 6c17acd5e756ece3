import Foundation
import Testing

@testable import TriageKit

/// Confidence drift, traffic counts in the queue, and statistics per day and version.
@Suite struct TrafficTests {
    @Test func stabilityIndexOnHandCheckedHistograms() throws {
        // All mass moved from one bin to the other: with half an input added to each
        // bin, p = (0.5, 10.5)/11 and q = (10.5, 0.5)/11, so the index is
        // 2 · (10/11) · ln 21.
        let moved = try #require(
            ConfidenceDrift.stabilityIndex(reference: [10, 0], observed: [0, 10]))
        #expect(abs(moved - 20.0 / 11.0 * log(21.0)) < 1e-12)

        // The same counts give 0; the same shares of different totals give nearly 0
        // (the half input added per bin weighs more on the smaller sample).
        #expect(ConfidenceDrift.stabilityIndex(reference: [5, 15], observed: [5, 15]) == 0)
        let scaled = try #require(
            ConfidenceDrift.stabilityIndex(reference: [5, 15], observed: [50, 150]))
        #expect(scaled > 0 && scaled < 0.001)

        // A partial shift, computed independently: 0.42073959734596006.
        let partial = try #require(
            ConfidenceDrift.stabilityIndex(reference: [30, 10, 0, 60], observed: [20, 20, 10, 50]))
        #expect(abs(partial - 0.42073959734596006) < 1e-12)

        // Whether it counts as a shift depends on the sample sizes: 100 against 100
        // inputs vary by chance up to χ²₃(0.99) · (1/100 + 1/100) = 0.227 (the cube
        // approximation gives 11.35 for the exact 11.34).
        let comparison = try #require(
            ConfidenceDrift.compare(reference: [30, 10, 0, 60], observed: [20, 20, 10, 50]))
        #expect(abs(comparison.noiseLimit - 0.227) < 0.001)
        #expect(comparison.verdict == "shifted")
        let small = try #require(
            ConfidenceDrift.compare(reference: [3, 1, 0, 6], observed: [2, 2, 1, 5]))
        #expect(small.verdict == "stable")
        #expect(abs(ConfidenceDrift.chiSquareQuantile99(degrees: 19) - 36.19) < 0.05)

        // Nothing to compare.
        #expect(ConfidenceDrift.stabilityIndex(reference: [0, 0], observed: [1, 2]) == nil)
        #expect(ConfidenceDrift.stabilityIndex(reference: [1], observed: [1, 2]) == nil)
    }

    @Test func confidencesFallInTwentyEqualBins() {
        #expect(ConfidenceDrift.bin(0) == 0)
        #expect(ConfidenceDrift.bin(0.049) == 0)
        #expect(ConfidenceDrift.bin(0.05) == 1)
        #expect(ConfidenceDrift.bin(0.999) == 19)
        #expect(ConfidenceDrift.bin(1) == 19)
        #expect(ConfidenceDrift.bin(.nan) == 0)
        let histogram = ConfidenceDrift.histogram([0.1, 0.12, 0.97, 1])
        #expect(histogram.count == 20)
        #expect(histogram[2] == 2 && histogram[19] == 2 && histogram.reduce(0, +) == 4)
    }

    @Test(arguments: Storage.allCases)
    func trafficAddsUpPerVersionAndDay(storage: Storage) throws {
        let store = try StoreFixture(storage).store
        func batch(_ version: Int, inputs: Int, deferred: Int, bins: [Int: Int]) -> TrafficCount {
            var histogram = [Int](repeating: 0, count: ConfidenceDrift.binCount)
            for (bin, count) in bins { histogram[bin] = count }
            return TrafficCount(
                model: "tickets", modelVersion: version, inputs: inputs, deferred: deferred,
                audited: 1, confidenceHistogram: histogram)
        }
        // The test clock starts on 2023-11-14 (UTC) and ticks a second per call.
        _ = try store.enqueue(
            [deferred("a")], traffic: batch(1, inputs: 10, deferred: 1, bins: [3: 1, 19: 9]))
        _ = try store.enqueue([], traffic: batch(1, inputs: 5, deferred: 0, bins: [19: 5]))
        _ = try store.enqueue([], traffic: batch(2, inputs: 4, deferred: 2, bins: [0: 4]))
        _ = try store.enqueue([deferred("b")])

        var first = [Int](repeating: 0, count: 20)
        first[3] = 1
        first[19] = 14
        var second = [Int](repeating: 0, count: 20)
        second[0] = 4
        #expect(
            try store.traffic(model: "tickets") == [
                TrafficRecord(
                    day: "2023-11-14", modelVersion: 1, inputs: 15, deferred: 1, audited: 2,
                    confidenceHistogram: first),
                TrafficRecord(
                    day: "2023-11-14", modelVersion: 2, inputs: 4, deferred: 2, audited: 1,
                    confidenceHistogram: second),
            ])
        #expect(try store.traffic(model: "mail").isEmpty)
        #expect(TrafficStatistics.day(1_700_000_001) == "2023-11-14")
    }

    @Test func statisticsPerDayAndVersion() throws {
        let reference = [Int](repeating: 5, count: 20)
        var low = [Int](repeating: 0, count: 20)
        low[1] = 150
        let traffic = [
            TrafficRecord(
                day: "2026-01-01", modelVersion: 1, inputs: 100, deferred: 10, audited: 2,
                confidenceHistogram: reference),
            TrafficRecord(
                day: "2026-01-02", modelVersion: 1, inputs: 150, deferred: 90, audited: 3,
                confidenceHistogram: low),
        ]
        // An audit made on 2 January, answered wrongly; two answers, one agreeing.
        let day2 = 1_767_312_000.0  // 2026-01-02T00:00:00Z
        let audit = ReviewCase(
            id: 1, model: "m", modelVersion: 1, input: "{}", text: "x", predicted: "a",
            confidence: 0.9, probabilities: [], reason: .audit, status: .answered, answer: "b",
            reviewer: "ana", timesDeferred: 1, skips: 0, createdAt: day2 + 60,
            answeredAt: day2 + 120)
        let answers = [
            AnswerRecord(
                caseID: 1, model: "m", text: "x", label: "b", reviewer: "ana",
                answeredAt: day2 + 120, source: .review, predicted: "a", isAudit: true,
                gold: nil, isOverlap: false, modelVersion: 1),
            AnswerRecord(
                caseID: 2, model: "m", text: "y", label: "c", reviewer: "ana",
                answeredAt: day2 + 180, source: .review, predicted: "c", isAudit: false,
                gold: nil, isOverlap: false, modelVersion: 1),
        ]
        let statistics = TrafficStatistics(
            traffic: traffic, cases: [audit], answers: answers, references: [1: reference],
            targetAccuracy: 0.9)

        #expect(statistics.days.map(\.day) == ["2026-01-01", "2026-01-02"])
        let first = statistics.days[0]
        #expect(first.deferralRate == 0.1 && first.reviewed == 0)
        #expect(first.drift?.index == 0 && first.drift?.verdict == "stable")
        let second = statistics.days[1]
        #expect(second.deferralRate == 0.6 && second.audited == 3)
        #expect(second.reviewed == 2 && second.reviewedAgreement == 0.5)
        #expect(second.audits.answered == 1 && second.audits.accuracy == 0)
        #expect(second.drift?.hasShifted == true)

        let total = try #require(statistics.versions.first)
        #expect(statistics.versions.count == 1 && total.day == nil)
        #expect(total.inputs == 250 && total.deferred == 100 && total.audited == 5)
        #expect(total.reviewed == 2 && total.audits.answered == 1)
    }
}

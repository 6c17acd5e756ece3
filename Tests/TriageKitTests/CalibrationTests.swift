import Foundation
import Testing

@testable import TriageKit

@Suite struct CalibrationTests {
    @Test func expectedCalibrationErrorOnAHandCheckedExample() {
        // Bins of width 1/15. 0.95 and 0.97 share bin 14: mean confidence 0.96,
        // accuracy 0.5, gap 0.46 over 2 examples. 0.5 is alone in bin 7 and right:
        // gap 0.5. 0.1 is alone in bin 1 and wrong: gap 0.1.
        // ECE = (2·0.46 + 0.5 + 0.1) / 4 = 0.38.
        let ece = CalibrationMetrics.expectedCalibrationError(
            confidences: [0.95, 0.97, 0.5, 0.1], correct: [true, false, true, false])
        #expect(abs(ece - 0.38) < 1e-12)
    }

    @Test func perfectCalibrationHasZeroError() {
        let ece = CalibrationMetrics.expectedCalibrationError(
            confidences: [1, 1, 0.5, 0.5], correct: [true, true, true, false])
        #expect(ece == 0)
    }

    @Test func brierScoreOnAHandCheckedExample() {
        // Row 1: p = (0.7, 0.2, 0.1), truth 0: 0.09 + 0.04 + 0.01 = 0.14.
        // Row 2: p = (0.5, 0.5, 0), truth 2: 0.25 + 0.25 + 1 = 1.5.
        // Row 3: p = (0.2, 0.3, 0.5), unknown label: 0.04 + 0.09 + 0.25 + 1 = 1.38.
        let brier = CalibrationMetrics.brierScore(
            probabilities: [0.7, 0.2, 0.1, 0.5, 0.5, 0, 0.2, 0.3, 0.5], classCount: 3,
            targets: [0, 2, -1])
        #expect(abs(brier - (0.14 + 1.5 + 1.38) / 3) < 1e-12)
    }

    @Test func temperatureRecoversTheScaleThatGeneratedTheLabels() {
        // Labels drawn from softmax(z / 2): the fitted temperature must be near 2.
        var generator = SeededGenerator(seed: 11)
        var logits: [Float] = []
        var targets: [Int32] = []
        for _ in 0..<20_000 {
            let z = (0..<4).map { _ in Float.random(in: -6...6, using: &generator) }
            logits.append(contentsOf: z)
            let p = Softmax.probabilities(z, classCount: 4, temperature: 2)
            var u = Double.random(in: 0..<1, using: &generator)
            var label = 3
            for c in 0..<4 {
                if u < p[c] {
                    label = c
                    break
                }
                u -= p[c]
            }
            targets.append(Int32(label))
        }
        let temperature = TemperatureScaling.fit(logits: logits, targets: targets, classCount: 4)
        #expect(abs(temperature - 2) < 0.1, "fitted \(temperature)")
    }

    @Test func temperatureScalingDoesNotWorsenTheLikelihood() {
        var generator = SeededGenerator(seed: 3)
        let logits = (0..<3000).map { _ in Float.random(in: -5...5, using: &generator) }
        let targets = (0..<1000).map { _ in Int32.random(in: -1...2, using: &generator) }
        let temperature = TemperatureScaling.fit(logits: logits, targets: targets, classCount: 3)
        let before = CalibrationMetrics.negativeLogLikelihood(
            probabilities: Softmax.probabilities(logits, classCount: 3, temperature: 1),
            classCount: 3, targets: targets)
        let after = CalibrationMetrics.negativeLogLikelihood(
            probabilities: Softmax.probabilities(logits, classCount: 3, temperature: temperature),
            classCount: 3, targets: targets)
        #expect(after <= before + 1e-12)
    }
}

@Suite struct ThresholdTests {
    @Test func picksTheLowestThresholdThatReachesTheTarget() {
        // Sorted by confidence: 0.99 ✓, 0.95 ✓, 0.9 ✓, 0.9 ✗, 0.8 ✓, 0.7 ✗, 0.6 ✗.
        // Accuracy at or above each distinct value: 0.99 → 1/1, 0.95 → 2/2,
        // 0.9 → 3/4, 0.8 → 4/5, 0.7 → 4/6, 0.6 → 4/7. For target 0.75 the lowest
        // threshold that reaches it is 0.8 (4/5 = 0.8), not 0.9 (3/4 = 0.75 also
        // reaches it, but is higher).
        let confidences = [0.9, 0.6, 0.99, 0.8, 0.9, 0.7, 0.95]
        let correct = [true, false, true, true, false, false, true]
        let choice = ConfidenceThreshold.choose(
            confidences: confidences, correct: correct, targetAccuracy: 0.75)
        #expect(choice.threshold == 0.8)
        #expect(choice.accepted == 5)
        #expect(choice.automatedAccuracy == 0.8)
        #expect(abs(choice.coverage - 5.0 / 7.0) < 1e-12)

        // For 0.9, only 0.95 and above are accurate enough.
        let strict = ConfidenceThreshold.choose(
            confidences: confidences, correct: correct, targetAccuracy: 0.9)
        #expect(strict.threshold == 0.95)
        #expect(strict.accepted == 2)
    }

    @Test func tiedConfidencesAreAcceptedTogether() {
        // Both 0.9s go in or out together: with them, 1 of 2 is right.
        let choice = ConfidenceThreshold.choose(
            confidences: [0.9, 0.9], correct: [true, false], targetAccuracy: 0.6)
        #expect(choice.threshold == nil)
        #expect(choice.coverage == 0)
    }

    @Test func unreachableTargetDefersEverything() {
        let choice = ConfidenceThreshold.choose(
            confidences: [0.9, 0.8], correct: [false, false], targetAccuracy: 0.5)
        #expect(choice.threshold == nil)
        #expect(choice.automatedAccuracy == nil)
    }
}

@Suite struct IsotonicTests {
    @Test func poolAdjacentViolatorsOnAHandCheckedSequence() {
        // 3 > 2 pools to 2.5; then 4 > 3 pools to 3.5; 5 stays.
        #expect(
            IsotonicRegression.poolAdjacentViolators([1, 3, 2, 4, 3, 5])
                == [1, 2.5, 2.5, 3.5, 3.5, 5])
        // A decreasing run pools into its mean, weighted.
        #expect(
            IsotonicRegression.poolAdjacentViolators([3, 2, 1], weights: [1, 1, 2])
                == [1.75, 1.75, 1.75])
        // Already increasing: unchanged.
        #expect(IsotonicRegression.poolAdjacentViolators([0, 0.5, 0.5, 1]) == [0, 0.5, 0.5, 1])
    }

    @Test func fittedFunctionInterpolatesBetweenBlocks() {
        // x 0.1, 0.2 → y 0, 1 (increasing); x 0.3, 0.4 → y 1, 0 pool to 0.5 with the
        // y 1 at 0.2: blocks {0.1: 0}, {0.2, 0.3, 0.4: 2/3}.
        let map = IsotonicRegression.fit(x: [0.4, 0.1, 0.3, 0.2], y: [0, 0, 1, 1])
        #expect(map.x == [0.1, 0.2, 0.4])
        #expect(
            map.y.map { rounded($0, places: 9) } == [
                0, rounded(2.0 / 3.0, places: 9), rounded(2.0 / 3.0, places: 9),
            ])
        #expect(map(0.05) == 0)
        #expect(abs(map(0.15) - 1.0 / 3.0) < 1e-12)
        #expect(abs(map(0.9) - 2.0 / 3.0) < 1e-12)
    }
}

@Suite struct PlattTests {
    @Test func recoversTheSigmoidThatGeneratedTheOutcomes() {
        var generator = SeededGenerator(seed: 5)
        var margins: [Double] = []
        var positive: [Bool] = []
        for _ in 0..<20_000 {
            let m = Double.random(in: -4...4, using: &generator)
            let p = 1 / (1 + exp(-(0.5 * m - 1)))
            margins.append(m)
            positive.append(Double.random(in: 0..<1, using: &generator) < p)
        }
        let platt = PlattScaling.fit(margins: margins, positive: positive)
        #expect(abs(platt.slope - 0.5) < 0.05, "slope \(platt.slope)")
        #expect(abs(platt.intercept + 1) < 0.08, "intercept \(platt.intercept)")
    }

    @Test func separableDataStaysFinite() {
        let platt = PlattScaling.fit(
            margins: [-2, -1, 1, 2], positive: [false, false, true, true])
        #expect(platt.slope.isFinite && platt.intercept.isFinite)
        #expect(platt.probability(margin: 2) < 1)
    }

    @Test func plattNeedsTwoLabels() {
        #expect(throws: TriageError.self) {
            try Calibrator.fit(.platt, logits: [0, 1, 2], targets: [0], classCount: 3)
        }
    }

    @Test func isotonicCalibratorRowsSumToOne() throws {
        var generator = SeededGenerator(seed: 9)
        let logits = (0..<600).map { _ in Float.random(in: -3...3, using: &generator) }
        let targets = (0..<200).map { _ in Int32.random(in: 0...2, using: &generator) }
        let calibrator = try Calibrator.fit(
            .isotonic, logits: logits, targets: targets, classCount: 3)
        let probabilities = calibrator.probabilities(logits, classCount: 3)
        for row in 0..<200 {
            let sum = probabilities[(row * 3)..<(row * 3 + 3)].reduce(0, +)
            #expect(abs(sum - 1) < 1e-9)
        }
    }
}

@Suite struct SplitTests {
    @Test func apportionsByLargestRemainder() {
        #expect(StratifiedSplit.apportion(10, shares: [0.6, 0.2, 0.2]) == [6, 2, 2])
        #expect(StratifiedSplit.apportion(7, shares: [0.6, 0.2, 0.2]) == [4, 2, 1])
        #expect(StratifiedSplit.apportion(1, shares: [0.6, 0.2, 0.2]) == [1, 0, 0])
    }

    @Test func partsAreStratifiedDisjointAndRepeatable() {
        let labels = (0..<1000).map { $0 % 10 == 0 ? "spam" : "ham" }
        let parts = StratifiedSplit.split(labels: labels, shares: [0.6, 0.2, 0.2], seed: 0)
        #expect(parts.map(\.count) == [600, 200, 200])
        #expect(parts.map { $0.filter { labels[$0] == "spam" }.count } == [60, 20, 20])
        #expect(Set(parts.joined()).count == 1000)
        #expect(StratifiedSplit.split(labels: labels, shares: [0.6, 0.2, 0.2], seed: 0) == parts)
        #expect(StratifiedSplit.split(labels: labels, shares: [0.6, 0.2, 0.2], seed: 1) != parts)
    }
}

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
                if u < p[c] { label = c; break }
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

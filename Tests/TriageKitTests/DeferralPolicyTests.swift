import Foundation
import Testing

@testable import TriageKit

/// The bundled data, for tests that need real models.
private enum Bundled {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("data")

    static func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// A CLINC150 model trained once on the in-scope training queries, and the
    /// calibrated probabilities of the 7,500 in-scope validation and test queries.
    static let clinc: (classifier: Classifier, pool: LabelledExamples, probabilities: [Double]) = {
        do {
            let train = try LabelledExamples.read(path: path("clinc150/train.csv"))
            let validation = try LabelledExamples.read(path: path("clinc150/val.csv"))
            var pool = validation
            pool.append(contentsOf: try LabelledExamples.read(path: path("clinc150/test.csv")))
            let artifacts = try Trainer.train(
                TrainingInput(
                    training: train, calibration: validation, sources: [],
                    calibrationSource: "val.csv"),
                settings: TrainingSettings())
            let classifier = artifacts.classifier
            return (classifier, pool, classifier.probabilities(pool.rows))
        } catch {
            fatalError("cannot train the CLINC150 test model: \(error)")
        }
    }()
}

@Suite struct RiskBoundTests {
    @Test func clopperPearsonMatchesKnownValues() {
        // No errors in 100: 1 − 0.05^(1/100).
        #expect(abs(RiskBound.upper(errors: 0, trials: 100, delta: 0.05) - 0.029513) < 1e-6)
        // 5 errors in 100 at one-sided 2.5%: the exact upper limit is 0.112835 (from the
        // beta quantile B(0.975; 6, 95)).
        #expect(abs(RiskBound.upper(errors: 5, trials: 100, delta: 0.025) - 0.112835) < 1e-5)
        #expect(RiskBound.upper(errors: 3, trials: 3, delta: 0.05) == 1)
    }

    @Test func theSmallestSplitThatCanPromiseATarget() {
        // 1 − 0.05^(1/m) ≤ 0.01 first holds at m = 299.
        #expect(GuaranteedThreshold.minimumExamples(targetAccuracy: 0.99, confidence: 0.95) == 299)
        #expect(GuaranteedThreshold.minimumExamples(targetAccuracy: 0.9, confidence: 0.9) == 22)
    }

    @Test func pointsTooFewCasesReachToPassAreSkippedNotFailed() {
        // The first grid point (0.9999) is reached by 57 correct cases, too few to bound
        // the error by 0.05 at confidence 0.95 (that takes 59); failing it would end the
        // search before the 557 correct cases at 0.999 are tested.
        let confidences =
            [Double](repeating: 0.99995, count: 57) + [Double](repeating: 0.999, count: 500)
            + [Double](repeating: 0.5, count: 100)
        let correct =
            [Bool](repeating: true, count: 557) + (0..<100).map { $0.isMultiple(of: 2) }
        let choice = GuaranteedThreshold.choose(
            confidences: confidences, correct: correct, targetAccuracy: 0.95, confidence: 0.95)
        #expect(choice.accepted == 557)
        #expect(choice.threshold.map { $0 <= 0.999 && $0 > 0.5 } == true)
        #expect(choice.bound.map { $0 <= 0.05 } == true)
    }

    @Test func aTooSmallSplitIsRefusedWithTheNumberItNeeds() {
        let settings = DeferralSettings(targetAccuracy: 0.99, confidence: 0.95)
        let error = #expect(throws: TriageError.self) {
            try DeferralRule.fit(
                settings, probabilities: [0.9, 0.1, 0.8, 0.2], classCount: 2, targets: [0, 0],
                familiarity: [1, 1], labels: ["a", "b"])
        }
        #expect(error?.description.contains("has 2 examples") == true)
        #expect(error?.description.contains("needs at least 299") == true)
    }

    @Test func costPolicyFollowsChowsRule() throws {
        // Predicting "spam" for ham costs 10, "ham" for spam 1, a review 0.3.
        let costs = CostMatrix(review: 0.6, errors: ["ham": ["spam": 10], "spam": ["ham": 1]])
        var rule = DeferralRule(targetAccuracy: 0.95, threshold: nil)
        rule.policy = .cost
        rule.costs = costs
        let labels = ["ham", "spam"]
        let matrix = rule.denseCosts(labels: labels)
        func decide(_ spam: Double) -> RuleDecision {
            [1 - spam, spam].withUnsafeBufferPointer {
                rule.decide($0, familiarity: 1, costMatrix: matrix)
            }
        }
        // p(spam) 0.9: "spam" costs 0.1 × 10 = 1, "ham" costs 0.9 × 1: review (0.3) wins.
        #expect(decide(0.9) == RuleDecision(label: 0, automated: false, reason: .cost, set: []))
        // p(spam) 0.99: "spam" costs 0.1, under a review.
        #expect(decide(0.99) == RuleDecision(label: 1, automated: true, reason: nil, set: []))
        // p(spam) 0.2: "ham" costs 0.2; automated as ham.
        #expect(decide(0.2) == RuleDecision(label: 0, automated: true, reason: nil, set: []))
    }
}

/// The promises of the deferral policies, checked on CLINC150.
@Suite(.serialized) struct DeferralGuaranteeTests {
    @Test func theGuaranteeHoldsOverTwoHundredRandomSplits() {
        // 200 random 3,000/4,500 splits of the 7,500 in-scope queries: calibrate on one
        // part at target 0.98 with confidence 0.95, measure on the other. The realised
        // automated accuracy may fall below 0.98 in about 5% of the splits at most.
        let (classifier, pool, probabilities) = Bundled.clinc
        let scored = ScoredPredictions(
            probabilities: probabilities, classCount: classifier.labels.count,
            targets: pool.labels.map { label in
                Int32(classifier.labels.firstIndex(of: label) ?? -1)
            })
        var generator = SeededGenerator(seed: 2024)
        var failures = 0
        var coverage = 0.0
        for _ in 0..<200 {
            let order = Array(0..<pool.count).shuffled(using: &generator)
            let calibration = order.prefix(3000)
            let test = order.dropFirst(3000)
            let choice = GuaranteedThreshold.choose(
                confidences: calibration.map { scored.confidences[$0] },
                correct: calibration.map { scored.correct[$0] }, targetAccuracy: 0.98,
                confidence: 0.95)
            guard let threshold = choice.threshold else { continue }
            let automated = test.filter { scored.confidences[$0] >= threshold }
            let right = automated.filter { scored.correct[$0] }.count
            if Double(right) < 0.98 * Double(automated.count) { failures += 1 }
            coverage += Double(automated.count) / Double(test.count)
        }
        #expect(failures <= 14, "accuracy fell below 0.98 in \(failures) of 200 splits")
        #expect(coverage / 200 > 0.5, "mean coverage \(coverage / 200)")
    }

    @Test(arguments: [0.1, 0.05])
    func conformalSetsCoverTheTruthAtLeastOneMinusAlpha(alpha: Double) throws {
        // Fitted on the validation queries, measured on the 4,500 test queries; the
        // allowance is twice the standard error of a proportion over 4,500.
        let (classifier, pool, probabilities) = Bundled.clinc
        let classCount = classifier.labels.count
        let targets = pool.labels.map { Int32(classifier.labels.firstIndex(of: $0) ?? -1) }
        let validation = 0..<3000
        let (rule, _) = try DeferralRule.fit(
            DeferralSettings(policy: .conformal, alpha: alpha),
            probabilities: Array(
                probabilities[
                    (validation.lowerBound * classCount)..<(validation.upperBound * classCount)]),
            classCount: classCount, targets: Array(targets[validation]),
            familiarity: [Double](repeating: 1, count: 3000), labels: classifier.labels)
        var covered = 0
        probabilities.withUnsafeBufferPointer { all in
            for row in 3000..<pool.count {
                let slice = UnsafeBufferPointer(
                    rebasing: all[(row * classCount)..<((row + 1) * classCount)])
                let decision = rule.decide(slice, familiarity: 1, costMatrix: nil)
                if decision.set.contains(Int(targets[row])) { covered += 1 }
            }
        }
        let rate = Double(covered) / 4500
        let allowance = 2 * (alpha * (1 - alpha) / 4500).squareRoot()
        #expect(rate >= 1 - alpha - allowance, "coverage \(rate) at alpha \(alpha)")
    }
}

@Suite struct CostPolicyTests {
    @Test func costPolicyLosesFewerRealMessagesAtTheSameReviewVolume() throws {
        // SMS spam, stratified 60/20/20 with seed 0, balanced class weights. Losing a
        // real message to the spam folder costs ten times letting a spam through.
        let table = try Table.read(path: Bundled.path("sms_spam/sms_spam.tsv"))
        var all = LabelledExamples(columns: ["SMS"])
        for row in table.rows { all.append(row: [row.cell(at: 1)], label: row.cell(at: 0) ?? "") }
        let parts = StratifiedSplit.split(labels: all.labels, shares: [0.6, 0.2, 0.2], seed: 0)
        var settings = TrainingSettings()
        settings.learner.classWeighting = .balanced
        let classifier = try Trainer.train(
            TrainingInput(
                training: all.subset(parts[0]), calibration: all.subset(parts[1]), sources: [],
                calibrationSource: "calibration part"),
            settings: settings
        ).classifier

        // Calibration and test parts together, for more of the rare costly mistakes.
        let pool = all.subset(parts[1] + parts[2])
        let (probabilities, familiarity) = classifier.probabilitiesAndFamiliarity(pool.rows)
        let ham = classifier.labels.firstIndex(of: "ham") ?? 0
        let spam = 1 - ham
        let confidence = (0..<pool.count).map {
            max(probabilities[$0 * 2], probabilities[$0 * 2 + 1])
        }
        let byConfidence = (0..<pool.count).sorted { confidence[$0] < confidence[$1] }
        func isLost(_ row: Int, predicted: Int) -> Bool {
            predicted == spam && pool.labels[row] == "ham"
        }

        // For several review costs, the cost policy against a plain threshold that
        // defers as many inputs, least confident first.
        var lostByCost = 0
        var lostByThreshold = 0
        for review in [0.3, 0.6, 0.9] {
            var rule = classifier.deferral
            rule.policy = .cost
            rule.costs = CostMatrix(
                review: review, errors: ["ham": ["spam": 10], "spam": ["ham": 1]])
            let costMatrix = rule.denseCosts(labels: classifier.labels)
            var reviewed = 0
            var lost = 0
            probabilities.withUnsafeBufferPointer { all in
                for row in 0..<pool.count {
                    let decision = rule.decide(
                        UnsafeBufferPointer(rebasing: all[(row * 2)..<(row * 2 + 2)]),
                        familiarity: familiarity[row], costMatrix: costMatrix)
                    if !decision.automated {
                        reviewed += 1
                    } else if isLost(row, predicted: decision.label) {
                        lost += 1
                    }
                }
            }
            let lostAtSameVolume = byConfidence.dropFirst(reviewed).filter { row in
                isLost(
                    row,
                    predicted: probabilities[row * 2 + spam] > probabilities[row * 2 + ham]
                        ? spam : ham)
            }.count
            #expect(
                lost <= lostAtSameVolume,
                "review \(review): reviewed \(reviewed), cost \(lost), threshold \(lostAtSameVolume)"
            )
            lostByCost += lost
            lostByThreshold += lostAtSameVolume
        }
        #expect(lostByCost < lostByThreshold, "cost \(lostByCost), threshold \(lostByThreshold)")
    }
}

/// Where the guaranteed threshold's search starts.
@Suite struct GuaranteedThresholdPowerTests {
    @Test func theSearchStartsWhereOneMistakeCannotEndIt() {
        // Checked by exact binomial sums: 3 errors in 153 bound the rate at 0.04990 at
        // confidence 0.95, 3 in 152 at 0.05020; 3 in 773 at 0.0099998.
        #expect(GuaranteedThreshold.powerFloor(targetAccuracy: 0.95, confidence: 0.95) == 153)
        #expect(GuaranteedThreshold.powerFloor(targetAccuracy: 0.99, confidence: 0.95) == 773)
    }

    @Test func oneConfidentMistakeAtTheTopNoLongerDefersEverything() {
        // 400 cases at 0.99995, one of them wrong, then 2,000 right ones at 0.99 and
        // 900 at 0.5 half right. Testing the top point first would fail on the
        // mistake (1 in 400 bounds the rate at 0.0118, past 0.01 for a 0.99 target)
        // and end the search with no threshold; 400 is under the power floor, so the
        // search starts at 0.99, where 1 in 2,400 passes.
        let confidences =
            [Double](repeating: 0.99995, count: 400) + [Double](repeating: 0.99, count: 2_000)
            + [Double](repeating: 0.5, count: 900)
        let correct =
            [false] + [Bool](repeating: true, count: 2_399) + (0..<900).map { $0.isMultiple(of: 2) }
        let choice = GuaranteedThreshold.choose(
            confidences: confidences, correct: correct, targetAccuracy: 0.99, confidence: 0.95)
        #expect(choice.accepted == 2_400)
        #expect(choice.bound.map { $0 <= 0.01 } == true)
    }
}

/// Inputs deferred as out of distribution whatever their confidence.
@Suite struct OutOfDistributionThresholdTests {
    @Test func theThresholdIsChosenAmongTheInputsItDecides() throws {
        // 50 familiar inputs at 0.9, 45 of them right; 50 with no known word at 0.95,
        // all right. Counting the unfamiliar ones, 0.9 would look 95% accurate; but
        // they are deferred whatever the threshold, and the automated ones would be
        // 90% right. No threshold reaches 0.95 among the familiar ones.
        var probabilities: [Double] = []
        var targets: [Int32] = []
        var familiarity: [Double] = []
        for row in 0..<100 {
            let familiar = row < 50
            probabilities += familiar ? [0.9, 0.1] : [0.95, 0.05]
            targets.append(familiar && row >= 45 ? 1 : 0)
            familiarity.append(familiar ? 1 : 0)
        }
        let (rule, report) = try DeferralRule.fit(
            DeferralSettings(targetAccuracy: 0.95), probabilities: probabilities, classCount: 2,
            targets: targets, familiarity: familiarity, labels: ["a", "b"])
        #expect(rule.threshold == nil)
        #expect(report.coverage == 0 && report.automatedAccuracy == nil)

        // At 0.9 the familiar ones qualify, and the report agrees with the target.
        let (lower, lowerReport) = try DeferralRule.fit(
            DeferralSettings(targetAccuracy: 0.9), probabilities: probabilities, classCount: 2,
            targets: targets, familiarity: familiarity, labels: ["a", "b"])
        #expect(lower.threshold == 0.9)
        #expect(lowerReport.coverage == 0.5 && lowerReport.automatedAccuracy == 0.9)
    }
}

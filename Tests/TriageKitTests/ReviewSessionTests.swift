import Testing

@testable import TriageKit

/// How a reviewer finds labels and picks suggestions by number.
@Suite struct ReviewSessionTests {
    private let labels = [
        "balance", "bill_balance", "book_flight", "card_declined", "flight_status",
        "pay_bill", "transfer", "translate",
    ]

    @Test func searchRanksPrefixThenWordThenSubstring() {
        // "bal": a prefix of balance, a word of bill_balance; nothing merely contains it.
        #expect(ReviewSession.search("bal", in: labels) == ["balance", "bill_balance"])
        // "fli": a prefix of flight_status, the start of a word in book_flight.
        #expect(ReviewSession.search("fli", in: labels) == ["flight_status", "book_flight"])
        // "ill": inside bill_balance and pay_bill, a prefix of neither.
        #expect(ReviewSession.search("ill", in: labels) == ["bill_balance", "pay_bill"])
        // "trans" begins two labels, which keep alphabetical order.
        #expect(ReviewSession.search("TRANS", in: labels) == ["transfer", "translate"])
    }

    @Test func searchIgnoresCaseAndSeparators() {
        #expect(ReviewSession.search("card declined", in: labels) == ["card_declined"])
        #expect(ReviewSession.search("Pay-Bill", in: labels) == ["pay_bill"])
        #expect(ReviewSession.search("", in: labels) == labels)
        #expect(ReviewSession.search("zzz", in: labels).isEmpty)
    }

    @Test func choicesPutThePredictionSetFirst() {
        var reviewCase = ReviewCase(
            id: 1, model: "default", modelVersion: 1, input: "{}", text: "x", predicted: "a",
            confidence: 0.5,
            probabilities: [
                LabelProbability(label: "a", probability: 0.5),
                LabelProbability(label: "b", probability: 0.3),
                LabelProbability(label: "c", probability: 0.2),
            ],
            reason: .setSize, status: .pending, answer: nil, reviewer: nil, timesDeferred: 1,
            skips: 0, createdAt: 0, answeredAt: nil)
        #expect(ReviewSession.choices(for: reviewCase) == ["a", "b", "c"])
        reviewCase.predictionSet = ["c", "a"]
        #expect(ReviewSession.choices(for: reviewCase) == ["c", "a", "b"])
    }
}

/// Which label a retrain keeps for an input whose labels disagree.
@Suite struct ConflictRuleTests {
    @Test func latestKeepsTheFinalAnswer() {
        let rule = Retrainer.ConflictRule.latest
        #expect(rule.winner(trainingLabels: ["a", "a"], votes: ["b"], final: "b") == "b")
    }

    @Test func majorityCountsTrainingRowsAndEachReviewer() {
        let rule = Retrainer.ConflictRule.majority
        #expect(rule.winner(trainingLabels: ["a", "a"], votes: ["b"], final: "b") == "a")
        #expect(rule.winner(trainingLabels: ["a"], votes: ["b", "b"], final: "b") == "b")
        // A tie goes to the final answer.
        #expect(rule.winner(trainingLabels: ["a"], votes: ["b"], final: "b") == "b")
        // Reviewers split three ways after an adjudication: the adjudicated label.
        #expect(rule.winner(trainingLabels: [], votes: ["x", "y", "z"], final: "z") == "z")
        // Without the final answer among the most frequent, the first of them by name.
        #expect(
            rule.winner(trainingLabels: ["c", "d"], votes: ["c", "d", "e"], final: "e") == "c")
    }

    @Test func skipLeavesTheInputOut() {
        #expect(
            Retrainer.ConflictRule.skip.winner(trainingLabels: ["a"], votes: ["b"], final: "b")
                == nil)
    }
}

/// Whether a retrained version replaces the current one.
@Suite struct ChallengerJudgementTests {
    /// A small model, and the same model with a rule that automates everything and
    /// with one that automates nothing.
    private func models() throws -> (data: LabelledExamples, all: Classifier, none: Classifier) {
        let examples: [(String, String)] = [
            ("set an alarm for six", "alarm"), ("wake me up at seven", "alarm"),
            ("alarm at noon please", "alarm"), ("what is the weather", "weather"),
            ("will it rain today", "weather"), ("weather in paris", "weather"),
        ]
        let data = LabelledExamples(texts: examples.map(\.0), labels: examples.map(\.1))
        let classifier = try Trainer.train(
            TrainingInput(
                training: data, calibration: data, sources: [],
                calibrationSource: "the training data"),
            settings: TrainingSettings(features: TextFeatureSettings(hashBits: 10, wordNgrams: 1))
        ).classifier
        return (
            data, classifier.with(deferral: DeferralRule(targetAccuracy: 0.9, threshold: 0)),
            classifier.with(deferral: DeferralRule(targetAccuracy: 0.9, threshold: nil))
        )
    }

    @Test func aChallengerThatDecidesNothingIsRefusedWhateverItsAccuracy() throws {
        let (data, all, none) = try models()
        let refused = ChallengerJudgement.judge(
            champion: all, challenger: none, on: data, metric: .accuracy, tolerance: 0.005,
            rule: .ifBetter)
        #expect(refused.champion.accuracy == refused.challenger.accuracy)
        #expect(!refused.promote)
        #expect(refused.reason.contains("would decide nothing"))

        // Against a champion that decides nothing either, the metric decides; and
        // `always` promotes it anyway.
        #expect(
            ChallengerJudgement.judge(
                champion: none, challenger: none, on: data, metric: .accuracy, tolerance: 0,
                rule: .ifBetter
            ).promote)
        #expect(
            ChallengerJudgement.judge(
                champion: all, challenger: none, on: data, metric: .accuracy, tolerance: 0,
                rule: .always
            ).promote)
    }
}

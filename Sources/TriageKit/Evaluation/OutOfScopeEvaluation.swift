/// The out-of-scope protocol of Larson et al. (2019) for intent classifiers: a query
/// is called out of scope when the model's confidence is below a threshold (or when it
/// predicts the out-of-scope label itself, for a model trained with one), and the
/// threshold is the one that maximises accuracy on tuning data where out-of-scope
/// queries count as a class of their own.
public struct OutOfScopeEvaluation: Sendable, Codable {
    /// The label that marks out-of-scope examples.
    public var label: String
    /// Calibrated confidence below which a query is called out of scope.
    public var threshold: Double
    /// Accuracy on the tuning data at that threshold.
    public var tuningAccuracy: Double
    /// In-scope examples predicted with their own label at or above the threshold.
    public var inScopeAccuracy: Double
    /// Out-of-scope examples caught: below the threshold or predicted out of scope.
    public var outOfScopeRecall: Double
    /// Accuracy over all evaluated examples, out of scope as a class.
    public var accuracy: Double
    public var inScopeExamples: Int
    public var outOfScopeExamples: Int

    /// Tunes the threshold on `tuning` and applies it to `test`.
    public static func run(
        _ classifier: Classifier, tuning: LabelledExamples, test: LabelledExamples,
        label: String
    ) -> OutOfScopeEvaluation {
        let tuned = scored(classifier, tuning, label: label)
        let threshold = bestThreshold(tuned)
        let outcome = scored(classifier, test, label: label)

        var inScope = 0
        var inScopeRight = 0
        var outOfScope = 0
        var caught = 0
        for item in outcome {
            let calledOut = item.predictsOutOfScope || item.confidence < threshold
            if item.isOutOfScope {
                outOfScope += 1
                if calledOut { caught += 1 }
            } else {
                inScope += 1
                if !calledOut && item.correct { inScopeRight += 1 }
            }
        }
        func share(_ part: Int, _ whole: Int) -> Double {
            whole == 0 ? 0 : Double(part) / Double(whole)
        }
        return OutOfScopeEvaluation(
            label: label, threshold: threshold, tuningAccuracy: accuracy(tuned, threshold),
            inScopeAccuracy: share(inScopeRight, inScope),
            outOfScopeRecall: share(caught, outOfScope),
            accuracy: share(inScopeRight + caught, inScope + outOfScope),
            inScopeExamples: inScope, outOfScopeExamples: outOfScope)
    }

    private struct Item {
        var confidence: Double
        var correct: Bool
        var isOutOfScope: Bool
        var predictsOutOfScope: Bool
    }

    private static func scored(
        _ classifier: Classifier, _ examples: LabelledExamples, label: String
    ) -> [Item] {
        let ranked = classifier.predict(examples.rows(for: classifier.inputs.map(\.name)), top: 1)
        return zip(ranked, examples.labels).map { ranked, truth in
            Item(
                confidence: ranked[0].probability, correct: ranked[0].label == truth,
                isOutOfScope: truth == label, predictsOutOfScope: ranked[0].label == label)
        }
    }

    private static func accuracy(_ items: [Item], _ threshold: Double) -> Double {
        guard !items.isEmpty else { return 0 }
        let right = items.filter { item in
            let calledOut = item.predictsOutOfScope || item.confidence < threshold
            return item.isOutOfScope ? calledOut : (!calledOut && item.correct)
        }.count
        return Double(right) / Double(items.count)
    }

    /// The threshold with the best tuning accuracy, sweeping every distinct
    /// confidence; ties go to the lowest threshold.
    ///
    /// - Complexity: O(*n* log *n*).
    private static func bestThreshold(_ items: [Item]) -> Double {
        // Raising the threshold past an item's confidence calls it out of scope:
        // +1 if it is out of scope, −1 if it was an in-scope hit.
        let order = items.indices.sorted { items[$0].confidence < items[$1].confidence }
        var right = items.filter { item in
            item.isOutOfScope ? item.predictsOutOfScope : (!item.predictsOutOfScope && item.correct)
        }.count
        var best = (right: right, threshold: 0.0)
        var position = 0
        while position < order.count {
            let value = items[order[position]].confidence
            while position < order.count && items[order[position]].confidence == value {
                let item = items[order[position]]
                if !item.predictsOutOfScope {
                    if item.isOutOfScope { right += 1 } else if item.correct { right -= 1 }
                }
                position += 1
            }
            // Everything up to `value` is now called out of scope: the threshold sits
            // just above it, halfway to the next confidence.
            let next =
                position < order.count ? items[order[position]].confidence : min(1, value + 1e-9)
            if right > best.right { best = (right, (value + next) / 2) }
        }
        return best.threshold
    }
}

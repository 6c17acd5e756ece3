/// The outcome for one input: the prediction and whether a person must confirm it.
public struct Decision: Sendable, Equatable {
    /// The input's position in the stream, from 0.
    public var index: Int
    public var label: String
    /// Calibrated probability of `label`.
    public var confidence: Double
    /// The next most probable labels, most probable first.
    public var alternatives: [LabelProbability]
    public var automated: Bool
    /// Why it was deferred, or `audit` for an automated decision sampled for review;
    /// `nil` otherwise.
    public var reason: DeferralReason?
    /// The review case holding it, when deferred or audited and queued.
    public var caseID: Int64?
    /// The conformal prediction set, when the policy builds one.
    public var predictionSet: [String]?
}

/// Classifies a stream of inputs with one model version, deciding each one or
/// queueing it for review.
///
/// Independent of where inputs come from and where decisions go: the command line
/// feeds it batches from files or standard input, and a server can feed it request
/// bodies. Deferred (and audited) inputs of a batch enter the queue in one
/// transaction before the batch's decisions are returned, so a decision reported
/// with a case always has it; the same transaction adds the batch to the model
/// version's traffic counts for statistics over time.
public final class ClassificationSession {
    public let model: LoadedModel
    /// `nil` classifies without queueing (a dry run): no decision has a case.
    private let store: ReviewStore?
    private let alternatives: Int
    private var nextIndex = 0
    private var generator: SeededGenerator
    /// Independent answers each queued case needs.
    public var requiredAnswers = 1
    /// The priority queued cases get.
    public var priority = 0.0

    /// - Parameters:
    ///   - alternatives: how many runner-up labels each decision lists.
    ///   - seed: seeds the choice of audited decisions.
    public init(
        model: LoadedModel, store: ReviewStore?, alternatives: Int = 3,
        seed: UInt64 = UInt64.random(in: 0...UInt64.max)
    ) {
        self.model = model
        self.store = store
        self.alternatives = max(0, alternatives)
        self.generator = SeededGenerator(seed: seed)
    }

    /// How many inputs this session has classified.
    public var classified: Int { nextIndex }

    /// Classifies a batch of rows, cells aligned with the model's inputs, continuing
    /// the session's numbering.
    ///
    /// - Throws: `TriageError` `.store` when the queue cannot take the deferred
    ///   inputs; the batch's numbering is then not consumed.
    public func classify(_ rows: [[String?]]) throws -> [Decision] {
        let classifier = model.classifier
        let scored = classifier.decide(rows, top: alternatives + 1)
        let auditRate = classifier.deferral.auditRate

        var decisions: [Decision] = []
        decisions.reserveCapacity(rows.count)
        var queued: [Int] = []
        for (offset, input) in scored.enumerated() {
            let decision = input.decision
            let label = classifier.labels[decision.label]
            let confidence = input.probability(of: label)
            var reason = decision.reason
            if decision.automated && auditRate > 0
                && Double.random(in: 0..<1, using: &generator) < auditRate
            {
                reason = .audit
            }
            if reason != nil { queued.append(offset) }
            decisions.append(
                Decision(
                    index: nextIndex + offset, label: label, confidence: confidence,
                    alternatives: Array(
                        input.ranked.filter { $0.label != label }
                            .prefix(alternatives)),
                    automated: decision.automated, reason: reason, caseID: nil,
                    predictionSet: classifier.deferral.policy == .conformal
                        ? decision.set.map { classifier.labels[$0] } : nil))
        }

        // Queue the deferred and audited inputs, all or none, and count the batch.
        if let store {
            let manifest = model.manifest
            let columns = manifest.inputs.map(\.name)
            let traffic = TrafficCount(
                model: manifest.name, modelVersion: manifest.version, inputs: rows.count,
                deferred: decisions.count { !$0.automated },
                audited: decisions.count { $0.automated && $0.reason == .audit },
                confidenceHistogram: ConfidenceDrift.histogram(
                    scored.lazy.map { $0.ranked[0].probability }))
            let cases = queued.map { offset in
                NewCase(
                    model: manifest.name, modelVersion: manifest.version,
                    input: CaseInput.canonical(rows[offset], columns: columns),
                    text: CaseInput.display(rows[offset], inputs: manifest.inputs),
                    predicted: decisions[offset].label,
                    confidence: decisions[offset].confidence,
                    probabilities: scored[offset].ranked,
                    reason: decisions[offset].reason ?? .lowConfidence,
                    predictionSet: decisions[offset].predictionSet.flatMap {
                        $0.count == 1 ? nil : $0
                    }, requiredAnswers: requiredAnswers, priority: priority)
            }
            let ids = try store.enqueue(cases, traffic: traffic)
            for (offset, id) in zip(queued, ids) { decisions[offset].caseID = id }
        }

        nextIndex += rows.count
        return decisions
    }
}

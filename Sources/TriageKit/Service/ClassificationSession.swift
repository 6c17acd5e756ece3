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
    /// Why it was deferred; `nil` when automated.
    public var reason: DeferralReason?
    /// The review case holding it, when deferred and queued.
    public var caseID: Int64?
}

/// Classifies a stream of inputs with one model version, deciding each one or
/// queueing it for review.
///
/// Independent of where inputs come from and where decisions go: the command line
/// feeds it batches from files or standard input, and a server can feed it request
/// bodies. Deferred inputs of a batch enter the queue in one transaction before the
/// batch's decisions are returned, so a decision reported as deferred always has its
/// case.
public final class ClassificationSession {
    public let model: LoadedModel
    /// `nil` classifies without queueing (a dry run): deferred decisions have no case.
    private let store: ReviewStore?
    private let alternatives: Int
    private var nextIndex = 0

    /// - Parameters:
    ///   - alternatives: how many runner-up labels each decision lists.
    public init(model: LoadedModel, store: ReviewStore?, alternatives: Int = 3) {
        self.model = model
        self.store = store
        self.alternatives = max(0, alternatives)
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
        let (ranked, knownFeatures) = classifier.score(rows, top: alternatives + 1)

        var decisions: [Decision] = []
        decisions.reserveCapacity(rows.count)
        var deferred: [Int] = []
        for (offset, labels) in ranked.enumerated() {
            let best = labels[0]
            // An input sharing no feature with the training data is never automated,
            // however confident the label priors make it look.
            let familiar = knownFeatures[offset] > 0
            let automated = familiar && classifier.isAutomated(confidence: best.probability)
            if !automated { deferred.append(offset) }
            decisions.append(
                Decision(
                    index: nextIndex + offset, label: best.label, confidence: best.probability,
                    alternatives: Array(labels.dropFirst()), automated: automated,
                    reason: automated ? nil : (familiar ? .lowConfidence : .outOfDistribution),
                    caseID: nil))
        }

        // Queue the deferred inputs, all or none.
        if let store, !deferred.isEmpty {
            let manifest = model.manifest
            let columns = manifest.inputs.map(\.name)
            let cases = deferred.map { offset in
                NewCase(
                    model: manifest.name, modelVersion: manifest.version,
                    input: CaseInput.canonical(rows[offset], columns: columns),
                    text: CaseInput.display(rows[offset], inputs: manifest.inputs),
                    predicted: decisions[offset].label,
                    confidence: decisions[offset].confidence, probabilities: ranked[offset],
                    reason: decisions[offset].reason ?? .lowConfidence)
            }
            let ids = try store.enqueue(cases)
            for (offset, id) in zip(deferred, ids) { decisions[offset].caseID = id }
        }

        nextIndex += rows.count
        return decisions
    }
}

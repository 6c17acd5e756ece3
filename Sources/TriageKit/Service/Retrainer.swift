/// Retraining: the current version's own training data plus every reviewed answer.
public enum Retrainer {
    /// What a retrain will learn from, and the version it starts from.
    public struct Plan: Sendable {
        public var input: TrainingInput
        public var settings: TrainingSettings
        public var previous: ModelManifest
        /// Reviewed answers in the new training data.
        public var reviewedCount: Int
        /// Answers the current version has not learned from yet.
        public var newAnswers: Int
        /// Answers the current version learned from that the queue no longer holds
        /// (a queue moved aside or restored from an old backup); kept from the
        /// version's own record.
        public var keptFromRecord: Int
        /// Answers the current version learned from whose case is open again in the
        /// queue (the answer was taken back): left out of training.
        public var withdrawn: Int = 0

        /// Reviewed answers kept out of training to judge the new version.
        public var heldBack: LabelledExamples
        /// Inputs whose labels disagreed, and how each was settled.
        public var conflicts: [Conflict]

        /// Whether training would see nothing the current version has not seen.
        public var isUnchanged: Bool {
            newAnswers == 0 && withdrawn == 0 && settings.deferral == previous.deferral.settings
        }
    }

    /// Gathers the data for retraining `name`.
    ///
    /// Training examples are the current version's examples from files, plus every
    /// reviewed answer: those in the queue now and those the version itself learned
    /// from, joined by input so each answer counts once however many retrains it has
    /// seen (the queue's answer wins). Answers survive the loss of the queue that way.
    /// The calibration split is the current version's, so old and new metrics compare
    /// on the same examples.
    ///
    /// An input whose labels disagree (a reviewed answer against a training label,
    /// or reviewers against each other) is settled by `options.conflicts`, and every
    /// such input is listed in the plan. A share of the answers no version has
    /// learned from yet (`options.holdBack`) is kept out of training, to judge the
    /// new version against the current one on cases neither has seen; cases held
    /// back once are trained on next time.
    ///
    /// - Parameter deferral: new deferral settings, or `nil` to keep the current ones.
    public static func plan(
        model name: String, registry: ModelRegistry, store: ReviewStore,
        deferral: DeferralSettings? = nil, options: Options = Options()
    ) throws -> Plan {
        let current = try registry.currentVersion(name)
        let previous = try registry.manifest(name, version: current)
        let folder = registry.versionPath(name, current)

        // The version's own examples: from files, and from earlier answers.
        let columns = previous.inputs.map(\.name)
        let stored = try LabelledExamples.readStored(
            path: "\(folder)/\(ModelRegistry.trainingFile)", columns: columns)
        var base = stored.subset(stored.cases.indices.filter { stored.cases[$0] == nil })
        var answers: [String: Answer] = [:]
        var order: [String] = []
        var learned = Set<String>()
        for index in stored.cases.indices {
            guard let id = stored.cases[index] else { continue }
            let key = CaseInput.canonical(stored.rows[index], columns: columns)
            if answers[key] == nil { order.append(key) }
            answers[key] = Answer(row: stored.rows[index], label: stored.labels[index], id: id)
            learned.insert(key + "\u{0}" + stored.labels[index])
        }

        // A recorded answer whose case is open again was taken back: it leaves
        // training. A case that is gone, or whose id now holds another input (a new
        // queue), keeps its recorded answer.
        var withdrawn = 0
        for key in order {
            guard let answer = answers[key] else { continue }
            guard let reviewCase = try? store.reviewCase(id: answer.id),
                reviewCase.status != .answered,
                (try? CaseInput.row(of: reviewCase, columns: columns)).map({
                    CaseInput.canonical($0, columns: columns)
                }) == key
            else { continue }
            answers[key] = nil
            withdrawn += 1
        }

        // Answers in the queue now, replacing recorded ones for the same input, with
        // every reviewer's own answer for the conflict check.
        var individual: [Int64: [String]] = [:]
        for record in try store.answers(model: name) {
            individual[record.caseID, default: []].append(record.label)
        }
        var inQueue = Set<String>()
        for reviewCase in try store.answeredCases(model: name) {
            guard let label = reviewCase.answer else { continue }
            let row = try CaseInput.row(of: reviewCase, columns: columns)
            let key = CaseInput.canonical(row, columns: columns)
            if answers[key] == nil { order.append(key) }
            answers[key] = Answer(
                row: row, label: label, id: reviewCase.id,
                votes: individual[reviewCase.id] ?? [label])
            inQueue.insert(key)
        }

        // Answers no version has learned, counted before conflicts drop any: leaving
        // one out is a change too.
        let unseen = order.filter { key in
            answers[key].map { !learned.contains(key + "\u{0}" + $0.label) } ?? false
        }.count

        // Settle inputs whose labels disagree.
        var baseIndices: [String: [Int]] = [:]
        for index in 0..<base.count {
            baseIndices[CaseInput.canonical(base.rows[index], columns: columns), default: []]
                .append(index)
        }
        var conflicts: [Conflict] = []
        var dropBase = Set<Int>()
        for key in order {
            guard let answer = answers[key] else { continue }
            let trainingLabels = (baseIndices[key] ?? []).map { base.labels[$0] }
            let disagreeing = trainingLabels.contains { $0 != answer.label }
            let reviewersSplit = Set(answer.votes).count > 1
            guard disagreeing || reviewersSplit else { continue }
            let winner = options.conflicts.winner(
                trainingLabels: trainingLabels, votes: answer.votes, final: answer.label)
            conflicts.append(
                Conflict(
                    caseID: answer.id,
                    kind: disagreeing ? .trainingLabel : .reviewers,
                    labels: trainingLabels + answer.votes, kept: winner))
            for index in baseIndices[key] ?? []
            where winner == nil || base.labels[index] != winner
                || winner == answer.label
            {
                dropBase.insert(index)
            }
            if winner != answer.label { answers[key] = nil }
        }
        if !dropBase.isEmpty {
            base = base.subset((0..<base.count).filter { !dropBase.contains($0) })
        }

        // Hold back a share of the answers no version has learned from.
        let alreadyHeldBack = Set(previous.promotion?.heldBackCases ?? [])
        var candidates = order.filter { key in
            guard let answer = answers[key] else { return false }
            return !learned.contains(key + "\u{0}" + answer.label)
                && !alreadyHeldBack.contains(answer.id)
        }
        var generator = SeededGenerator(seed: previous.training.seed &+ UInt64(current))
        candidates.shuffle(using: &generator)
        let heldBackKeys = Set(candidates.prefix(Int(Double(candidates.count) * options.holdBack)))
        var heldBack = LabelledExamples(columns: columns)

        var training = base
        var used = 0
        for key in order {
            guard let answer = answers[key] else { continue }
            if heldBackKeys.contains(key) {
                heldBack.append(row: answer.row, label: answer.label, case: answer.id)
                continue
            }
            training.append(
                row: answer.row, label: answer.label, case: answer.id, weight: options.reviewWeight)
            used += 1
        }
        let calibration = try LabelledExamples.readStored(
            path: "\(folder)/\(ModelRegistry.calibrationFile)", columns: columns)

        var settings = TrainingSettings(
            features: previous.features, learner: previous.learner,
            deferral: deferral ?? previous.deferral.settings,
            seed: previous.training.seed,
            columnKinds: Dictionary(
                uniqueKeysWithValues: previous.inputs.map { ($0.name, $0.kind) }),
            calibrationMethod: previous.calibration.method == .platt
                ? nil : previous.calibration.method)
        settings.calibrationShare = 0.2
        try settings.validate()

        let input = TrainingInput(
            training: training, calibration: calibration, sources: previous.training.sources,
            calibrationSource: previous.training.calibrationSource,
            labelColumn: previous.training.labelColumn, parentVersion: current)
        return Plan(
            input: input, settings: settings, previous: previous, reviewedCount: used,
            newAnswers: unseen, keptFromRecord: answers.count - inQueue.count,
            withdrawn: withdrawn, heldBack: heldBack, conflicts: conflicts)
    }

    /// How a retrain treats reviewed answers.
    public struct Options: Sendable {
        /// Each reviewed answer's sample weight; a training row's is its own.
        public var reviewWeight: Float = 1
        /// Share of new answers held back to judge the new version, from 0 to 1.
        public var holdBack: Double = 0
        public var conflicts: ConflictRule = .latest

        public init(
            reviewWeight: Float = 1, holdBack: Double = 0, conflicts: ConflictRule = .latest
        ) {
            self.reviewWeight = reviewWeight
            self.holdBack = holdBack
            self.conflicts = conflicts
        }
    }

    /// Which label an input keeps when its labels disagree.
    public enum ConflictRule: String, Sendable, CaseIterable {
        /// The case's final answer, over training labels and earlier answers.
        case latest
        /// The label given most often, counting each training row and each
        /// reviewer's answer once; a tie goes to the final answer.
        case majority
        /// Neither: the input is left out of training.
        case skip

        /// The label to keep, or `nil` to leave the input out.
        func winner(trainingLabels: [String], votes: [String], final: String) -> String? {
            switch self {
            case .latest:
                return final
            case .skip:
                return nil
            case .majority:
                var counts: [String: Int] = [:]
                for label in trainingLabels + votes { counts[label, default: 0] += 1 }
                let most = counts.values.max() ?? 0
                if counts[final] == most { return final }
                return counts.filter { $0.value == most }.keys.sorted().first
            }
        }
    }

    /// An input whose labels disagreed before training.
    public struct Conflict: Sendable, Equatable {
        public enum Kind: String, Sendable {
            /// A reviewed answer contradicts a training label for the same input.
            case trainingLabel = "training_label"
            /// Reviewers answered the same case differently.
            case reviewers
        }

        public var caseID: Int64
        public var kind: Kind
        /// Every label the input was given: training rows first, then answers.
        public var labels: [String]
        /// The label training uses, or `nil` when the input is left out.
        public var kept: String?
    }

    private struct Answer {
        var row: [String?]
        var label: String
        var id: Int64
        /// Each reviewer's answer to the case, oldest first.
        var votes: [String]

        init(row: [String?], label: String, id: Int64, votes: [String]? = nil) {
            self.row = row
            self.label = label
            self.id = id
            self.votes = votes ?? [label]
        }
    }
}

/// Why a case was sent to a person instead of being decided automatically.
public enum DeferralReason: String, Sendable, Codable, CaseIterable {
    /// The calibrated confidence is below the model's threshold.
    case lowConfidence = "low_confidence"
    /// The input is unlike the training data (most of its words or values were never
    /// seen in training), so its confidence is not evidence.
    case outOfDistribution = "out_of_distribution"
    /// The conformal prediction set holds more than one label, or none.
    case setSize = "set_size"
    /// Every automated answer is expected to cost more than a review.
    case cost
    /// Decided automatically, and sampled for review to measure real accuracy.
    case audit
}

/// Where a review case stands.
public enum CaseStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for a person.
    case pending
    /// Answered by a person; the answer can feed the next model.
    case answered
    /// Decided by a model version made current after the case was deferred; the
    /// case's `modelVersion` and `predicted` say which version and what it decided.
    /// Not a person's answer, so no model learns from it; a person can reopen it.
    case autoResolved = "auto_resolved"
}

/// A label and its calibrated probability.
public struct LabelProbability: Sendable, Equatable, Codable {
    public var label: String
    public var probability: Double

    public init(label: String, probability: Double) {
        self.label = label
        self.probability = probability
    }
}

/// A deferred input about to enter the queue.
public struct NewCase: Sendable, Equatable {
    /// The registry name of the model that deferred it.
    public var model: String
    public var modelVersion: Int
    /// The input as the model saw it: a JSON object of column name to value, with
    /// keys sorted. Two deferrals of the same input have the same `input`.
    public var input: String
    /// What a reviewer reads: the text column, or the row rendered as text.
    public var text: String
    public var predicted: String
    public var confidence: Double
    /// The top labels, most probable first.
    public var probabilities: [LabelProbability]
    public var reason: DeferralReason
    /// The conformal prediction set, when its size was the reason.
    public var predictionSet: [String]?
    /// Reviewers who must answer independently before the case closes.
    public var requiredAnswers: Int
    /// Higher comes first under the `priority` order.
    public var priority: Double
    /// The known answer of a gold case, kept from reviewers.
    public var gold: String?

    public init(
        model: String, modelVersion: Int, input: String, text: String,
        predicted: String, confidence: Double, probabilities: [LabelProbability],
        reason: DeferralReason, predictionSet: [String]? = nil, requiredAnswers: Int = 1,
        priority: Double = 0, gold: String? = nil
    ) {
        self.model = model
        self.modelVersion = modelVersion
        self.input = input
        self.text = text
        self.predicted = predicted
        self.confidence = confidence
        self.probabilities = probabilities
        self.reason = reason
        self.predictionSet = predictionSet
        self.requiredAnswers = requiredAnswers
        self.priority = priority
        self.gold = gold
    }
}

/// A case in the review queue.
public struct ReviewCase: Sendable, Equatable {
    public var id: Int64
    public var model: String
    public var modelVersion: Int
    public var input: String
    public var text: String
    public var predicted: String
    public var confidence: Double
    public var probabilities: [LabelProbability]
    public var reason: DeferralReason
    public var status: CaseStatus
    /// The reviewer's label once answered.
    public var answer: String?
    public var reviewer: String?
    /// How many times the input was deferred; a repeat joins the existing case.
    public var timesDeferred: Int
    /// How many times reviewers skipped it; skipped cases are listed last.
    public var skips: Int
    /// Seconds since 1970, UTC.
    public var createdAt: Double
    public var answeredAt: Double?
    /// The conformal prediction set the reviewer chooses from, when there was one.
    public var predictionSet: [String]?
    public var requiredAnswers: Int = 1
    public var priority: Double = 0
    /// The known answer of a gold case; never shown to reviewers.
    public var gold: String?
    /// Its independent answers disagree: it waits for an adjudicator.
    public var disputed: Bool = false

    public init(
        id: Int64, model: String, modelVersion: Int, input: String, text: String,
        predicted: String, confidence: Double, probabilities: [LabelProbability],
        reason: DeferralReason, status: CaseStatus, answer: String?, reviewer: String?,
        timesDeferred: Int, skips: Int, createdAt: Double, answeredAt: Double?,
        predictionSet: [String]? = nil, requiredAnswers: Int = 1, priority: Double = 0,
        gold: String? = nil, disputed: Bool = false
    ) {
        self.id = id
        self.model = model
        self.modelVersion = modelVersion
        self.input = input
        self.text = text
        self.predicted = predicted
        self.confidence = confidence
        self.probabilities = probabilities
        self.reason = reason
        self.status = status
        self.answer = answer
        self.reviewer = reviewer
        self.timesDeferred = timesDeferred
        self.skips = skips
        self.createdAt = createdAt
        self.answeredAt = answeredAt
        self.predictionSet = predictionSet
        self.requiredAnswers = requiredAnswers
        self.priority = priority
        self.gold = gold
        self.disputed = disputed
    }
}

/// Where review cases live. SQLite backs it on one machine; the interface is small so
/// that a shared server database can back it too.
public protocol ReviewStore: AnyObject {
    /// Adds deferred inputs as pending cases, all in one transaction, and returns each
    /// one's case id in order. An input that already has a case for the same model
    /// joins it: the id is the existing one, its deferral count goes up and, unless
    /// it is answered, its prediction is replaced by the newer one (an auto-resolved
    /// case is pending again).
    ///
    /// - Parameter traffic: the batch the cases came from, added to the day's traffic
    ///   counts in the same transaction.
    func enqueue(_ cases: [NewCase], traffic: TrafficCount?) throws -> [Int64]

    /// A model's traffic per version and day, oldest day first.
    func traffic(model: String) throws -> [TrafficRecord]

    /// One case by id; throws `caseNotFound` when there is none.
    func reviewCase(id: Int64) throws -> ReviewCase

    /// Pending cases, least confident first and skipped ones last; `model` limits the
    /// list to one model's cases.
    func pendingCases(model: String?, limit: Int?) throws -> [ReviewCase]

    /// Every answered case of one model, oldest answer first.
    func answeredCases(model: String) throws -> [ReviewCase]

    /// Records a reviewer's label. The case closes once it has its required number
    /// of answers and they agree; if they disagree it is disputed until an
    /// adjudicator answers with `adjudicate`.
    ///
    /// - Throws: `caseNotFound`; `caseClosed` when the case is already answered, the
    ///   reviewer already answered it, another reviewer's claim holds it, or it is
    ///   disputed and this is not an adjudication. Nothing changes on any error.
    @discardableResult
    func answer(
        caseID: Int64, label: String, reviewer: String, adjudicate: Bool
    ) throws -> ReviewCase

    /// Records that a reviewer passed on a case; it stays pending and moves to the back.
    ///
    /// - Throws: `caseNotFound`; `caseClosed` when the case is already answered or
    ///   another reviewer's claim holds it. Nothing changes on any error.
    @discardableResult
    func skip(caseID: Int64, reviewer: String) throws -> ReviewCase

    /// How many cases are in each status, for one model or all.
    func counts(model: String?) throws -> [CaseStatus: Int]

    /// Claims the next case for a reviewer with a lease, or `nil` when none is left.
    /// A reviewer's own unexpired claim is resumed first. A case goes to at most as
    /// many reviewers at once as answers it still needs, never twice to one reviewer.
    func claimNext(
        reviewer: String, model: String?, order: CaseOrder, lease: Double
    ) throws -> ReviewCase?

    /// Records answers given elsewhere, all or none, each checked as a reviewer's
    /// answer would be except for claims.
    func importAnswers(_ answers: [ImportedAnswer]) throws

    /// Gives up a reviewer's live claim on a case without answering it, and returns
    /// `true`. Returns `false`, changing nothing and recording no event, when the
    /// reviewer holds no live claim on the case (never claimed it, answered it, or
    /// let the lease run out).
    ///
    /// - Throws: `caseNotFound` when there is no such case.
    @discardableResult
    func release(caseID: Int64, reviewer: String) throws -> Bool

    /// Takes back a reviewer's latest answer; its case reopens and the reviewer holds
    /// it again. Returns the case, or `nil` when the reviewer has no answer to undo.
    /// Throws `caseClosed`, changing nothing, when that case has since been settled
    /// by adjudication.
    func undoLastAnswer(reviewer: String, lease: Double) throws -> ReviewCase?

    /// Adds a reviewer's note to a case's history.
    func addNote(caseID: Int64, reviewer: String, text: String) throws

    /// Gives a case a known answer, making it a gold case.
    func setGold(caseID: Int64, label: String) throws

    /// Every answer of one model or all, oldest first.
    func answers(model: String?) throws -> [AnswerRecord]

    /// A case's history, oldest first.
    func events(caseID: Int64) throws -> [CaseEvent]

    /// Cases a model version made current may now decide on its own: pending cases
    /// of the model that no one has answered, claimed, disputed or reopened, that are
    /// not gold cases or audits; and cases another version resolved automatically.
    /// Cases last scored by `version` itself are left out.
    func rescoringCandidates(model: String, version: Int) throws -> [ReviewCase]

    /// Applies a model version's verdicts on rescoring candidates, all in one
    /// transaction. A case that has changed since it was read (answered, claimed,
    /// reopened) is left alone.
    func applyRescoring(_ verdicts: [RescoredCase]) throws -> RescoringSummary

    /// Returns an automatically resolved case to the pending queue; later rescoring
    /// leaves it to people.
    ///
    /// - Throws: `caseNotFound`; `caseClosed` when the case was not auto-resolved.
    @discardableResult
    func reopen(caseID: Int64, reviewer: String) throws -> ReviewCase
}

extension ReviewStore {
    /// Adds deferred inputs as pending cases without counting traffic.
    public func enqueue(_ cases: [NewCase]) throws -> [Int64] {
        try enqueue(cases, traffic: nil)
    }
}

/// A batch of classified inputs, counted for statistics over time.
public struct TrafficCount: Sendable, Equatable {
    public var model: String
    public var modelVersion: Int
    public var inputs: Int
    /// Inputs deferred to people; audits are automated decisions and not counted.
    public var deferred: Int
    /// Automated decisions sampled for review.
    public var audited: Int
    /// The top calibrated probability of each input, in ``ConfidenceDrift``'s bins.
    public var confidenceHistogram: [Int]

    public init(
        model: String, modelVersion: Int, inputs: Int, deferred: Int, audited: Int,
        confidenceHistogram: [Int]
    ) {
        self.model = model
        self.modelVersion = modelVersion
        self.inputs = inputs
        self.deferred = deferred
        self.audited = audited
        self.confidenceHistogram = confidenceHistogram
    }
}

/// What one model version classified on one day.
public struct TrafficRecord: Sendable, Equatable {
    /// `YYYY-MM-DD`, UTC.
    public var day: String
    public var modelVersion: Int
    public var inputs: Int
    public var deferred: Int
    public var audited: Int
    public var confidenceHistogram: [Int]
}

/// A model version's new verdict on a queued case.
public struct RescoredCase: Sendable, Equatable {
    public var caseID: Int64
    public var modelVersion: Int
    public var predicted: String
    public var confidence: Double
    public var probabilities: [LabelProbability]
    /// Why the version would defer the input; `nil` when it decides it on its own.
    public var reason: DeferralReason?
    public var predictionSet: [String]?

    public init(
        caseID: Int64, modelVersion: Int, predicted: String, confidence: Double,
        probabilities: [LabelProbability], reason: DeferralReason?,
        predictionSet: [String]? = nil
    ) {
        self.caseID = caseID
        self.modelVersion = modelVersion
        self.predicted = predicted
        self.confidence = confidence
        self.probabilities = probabilities
        self.reason = reason
        self.predictionSet = predictionSet
    }
}

/// What rescoring did to the queue.
public struct RescoringSummary: Sendable, Equatable, Codable {
    /// Pending cases the version decided, now closed as auto-resolved.
    public var resolved = 0
    /// Cases another version had resolved that this one also decides.
    public var kept = 0
    /// Cases another version had resolved that this one would defer: pending again.
    public var reopened = 0
    /// Pending cases still deferred, now showing this version's suggestions.
    public var stillPending = 0
    /// Cases that changed while rescoring ran, left as they were.
    public var unchanged = 0

    public init() {}

    /// Counts a case that was `status` and is now decided automatically or not, and
    /// returns the event that records the change.
    @discardableResult
    public mutating func count(from status: CaseStatus, automated: Bool) -> String {
        switch (status, automated) {
        case (.autoResolved, true):
            kept += 1
            return "auto_resolved"
        case (.autoResolved, false):
            reopened += 1
            return "auto_reopened"
        case (_, true):
            resolved += 1
            return "auto_resolved"
        case (_, false):
            stillPending += 1
            return "rescored"
        }
    }
}

/// The order reviewers get cases in.
public enum CaseOrder: String, Sendable, CaseIterable {
    /// Least confident first.
    case uncertainty
    /// Oldest first.
    case fifo
    /// Highest priority first, then least confident.
    case priority
    /// Any order, at random.
    case random
}

/// An answer produced outside Triage, to import.
public struct ImportedAnswer: Sendable, Equatable {
    public var caseID: Int64
    public var label: String
    public var reviewer: String
    public var answeredAt: Double?

    public init(caseID: Int64, label: String, reviewer: String, answeredAt: Double? = nil) {
        self.caseID = caseID
        self.label = label
        self.reviewer = reviewer
        self.answeredAt = answeredAt
    }
}

/// One reviewer's answer to one case.
public struct AnswerRecord: Sendable, Equatable {
    public enum Source: String, Sendable {
        case review
        case adjudication
        case `import`
    }

    public var caseID: Int64
    public var model: String
    public var text: String
    public var label: String
    public var reviewer: String
    /// Seconds since 1970, UTC.
    public var answeredAt: Double
    public var source: Source
    /// What the model predicted for the case.
    public var predicted: String
    public var isAudit: Bool
    /// The case's known answer, when it is a gold case.
    public var gold: String?
    /// The case needed more than one answer.
    public var isOverlap: Bool
    /// The model version whose suggestion the reviewer saw.
    public var modelVersion: Int = 0
}

/// One entry of a case's append-only history.
public struct CaseEvent: Sendable, Equatable {
    /// `deferred`, `redeferred`, `claimed`, `released`, `answered`, `disputed`,
    /// `adjudicated`, `undone`, `skipped`, `noted`, `gold` or `imported`; after a
    /// model version becomes current, `auto_resolved`, `auto_reopened` or `rescored`
    /// (with the version as `reviewer`); `reopened` when a person reopens an
    /// auto-resolved case.
    public var kind: String
    public var reviewer: String?
    public var value: String?
    public var previous: String?
    public var at: Double
}

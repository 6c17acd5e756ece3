/// The queue after a model version becomes current: cases it now decides on its own
/// close as auto-resolved, the rest show its suggestions.
///
/// Nothing is lost: every change is an event naming the version, an auto-resolved
/// case keeps its input and can be reopened, and cases people have touched (answered,
/// claimed, disputed, reopened) or that exist to measure people or the model (gold
/// cases, audits) are never rescored.
extension SQLiteReviewStore {
    public func rescoringCandidates(model: String, version: Int) throws -> [ReviewCase] {
        let statement = try database.statement(SQL.rescoringCandidates)
        try statement.bind(model, at: 1)
        try statement.bind(clock(), at: 2)
        try statement.bind(version, at: 3)
        return try readCases(statement)
    }

    public func applyRescoring(_ verdicts: [RescoredCase]) throws -> RescoringSummary {
        guard !verdicts.isEmpty else { return RescoringSummary() }

        // Encode before taking the write lock.
        let encoded = try verdicts.map { try encodeProbabilities($0.probabilities) }
        let now = clock()
        let summary = try database.transaction {
            var summary = RescoringSummary()
            let check = try database.statement(SQL.rescoringCandidate)
            for (verdict, probabilities) in zip(verdicts, encoded) {
                // Still a candidate, now that the write lock is held?
                try check.bind(verdict.caseID, at: 1)
                try check.bind(now, at: 2)
                let found = try check.step()
                let status = found ? CaseStatus(rawValue: check.string(at: 0)) : nil
                let before = found ? check.string(at: 1) : ""
                check.reset()
                guard let status, status != .answered else {
                    summary.unchanged += 1
                    continue
                }

                let who = "model version \(verdict.modelVersion)"
                let newStatus: CaseStatus = verdict.reason == nil ? .autoResolved : .pending
                let kind = summary.count(from: status, automated: verdict.reason == nil)
                try database.run(
                    SQL.rescoreCase, verdict.caseID, newStatus.rawValue, verdict.modelVersion,
                    verdict.predicted, verdict.confidence, probabilities,
                    (verdict.reason ?? .lowConfidence).rawValue,
                    verdict.predictionSet.map(Self.encodeLabels), now)
                try appendEvent(
                    caseID: verdict.caseID, kind: kind, reviewer: who, value: verdict.predicted,
                    previous: before, at: now)
            }
            return summary
        }
        logger.debug(
            "rescored review cases",
            ["cases.resolved": "\(summary.resolved)", "cases.reopened": "\(summary.reopened)"])
        return summary
    }

    @discardableResult
    public func reopen(caseID: Int64, reviewer: String) throws -> ReviewCase {
        let now = clock()
        return try database.transaction {
            let reviewCase = try fetchCase(id: caseID)
            guard reviewCase.status == .autoResolved else {
                let state = reviewCase.status == .pending ? "already open" : "answered"
                throw TriageError(
                    .caseClosed,
                    "case \(caseID) is \(state); only cases a model resolved automatically "
                        + "can be reopened")
            }
            try database.run(SQL.reopenAutoResolved, caseID, now)
            try appendEvent(
                caseID: caseID, kind: "reopened", reviewer: reviewer, value: nil,
                previous: reviewCase.predicted, at: now)
            return try fetchCase(id: caseID)
        }
    }
}

extension SQL {
    /// What makes a case a rescoring candidate; ?2 is the time now, for claims.
    private static let candidateCondition = """
        c.disputed = 0 AND c.gold IS NULL AND c.reason != 'audit'
        AND (c.status = 'auto_resolved' OR (c.status = 'pending'
            AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.case_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM claims k WHERE k.case_id = c.id AND k.expires_at > ?2)))
        AND NOT EXISTS (SELECT 1 FROM events e WHERE e.case_id = c.id AND e.kind = 'reopened')
        """

    static let rescoringCandidates = """
        SELECT \(caseColumns) FROM cases c
        WHERE c.model = ?1 AND c.status != 'answered' AND c.model_version != ?3
            AND \(candidateCondition)
        ORDER BY c.id
        """

    /// The status and prediction of case ?1 when it is still a candidate.
    static let rescoringCandidate = """
        SELECT c.status, c.predicted FROM cases c WHERE c.id = ?1 AND \(candidateCondition)
        """

    static let rescoreCase = """
        UPDATE cases SET status = ?2, model_version = ?3, predicted = ?4, confidence = ?5,
            probabilities = ?6, reason = CASE ?2 WHEN 'pending' THEN ?7 ELSE reason END,
            prediction_set = ?8, updated_at = ?9
        WHERE id = ?1
        """

    static let reopenAutoResolved = """
        UPDATE cases SET status = 'pending', updated_at = ?2 WHERE id = ?1
        """
}

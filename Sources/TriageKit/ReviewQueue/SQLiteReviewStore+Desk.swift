/// Several reviewers at one queue: claims with leases, independent answers,
/// disputes, undo, notes and gold cases.
///
/// Every operation runs in one `BEGIN IMMEDIATE` transaction, so reviewers in
/// separate processes queue on the database lock and never see each other's
/// half-done work. Claims and answers are tables of current state; the append-only
/// events table records every change with who, what, when and the previous value.
extension SQLiteReviewStore {
    public func claimNext(
        reviewer: String, model: String?, order: CaseOrder, lease: Double
    ) throws -> ReviewCase? {
        let now = clock()
        return try database.transaction {
            // A claim this reviewer still holds on an open case is resumed.
            let own = try database.statement(SQL.ownClaim)
            try own.bind(reviewer, at: 1)
            try own.bind(now, at: 2)
            let resumed = try own.step() ? own.int64(at: 0) : nil
            own.reset()
            if let resumed {
                try writeClaim(caseID: resumed, reviewer: reviewer, until: now + lease)
                return try fetchCase(id: resumed)
            }

            // Otherwise the first open case with room for another reviewer.
            let next = try database.statement(SQL.nextCase(order))
            try next.bind(reviewer, at: 1)
            try next.bind(now, at: 2)
            try next.bind(model, at: 3)
            let found = try next.step() ? next.int64(at: 0) : nil
            next.reset()
            guard let found else { return nil }
            try writeClaim(caseID: found, reviewer: reviewer, until: now + lease)
            try appendEvent(
                caseID: found, kind: "claimed", reviewer: reviewer, value: String(lease),
                previous: nil, at: now)
            return try fetchCase(id: found)
        }
    }

    @discardableResult
    public func answer(
        caseID: Int64, label: String, reviewer: String, adjudicate: Bool = false
    ) throws -> ReviewCase {
        let now = clock()
        let answered = try database.transaction {
            let predicted = try checkPending(caseID: caseID)
            let state = try openState(caseID: caseID, reviewer: reviewer, at: now)

            // Adjudication closes a disputed case with the adjudicator's label.
            if adjudicate {
                guard state.disputed else {
                    throw TriageError(
                        .caseClosed,
                        "case \(caseID) is not disputed; answer it without adjudicating")
                }
                try insertAnswer(
                    caseID: caseID, reviewer: reviewer, label: label, source: "adjudication",
                    at: now)
                try close(caseID: caseID, label: label, reviewer: reviewer, at: now)
                try appendEvent(
                    caseID: caseID, kind: "adjudicated", reviewer: reviewer, value: label,
                    previous: nil, at: now)
                return try fetchCase(id: caseID)
            }

            // An ordinary answer: checked against disputes, earlier answers and
            // other reviewers' claims, all inside this transaction.
            if state.disputed {
                throw TriageError(
                    .caseClosed,
                    "case \(caseID) is disputed: its answers disagree",
                    remedy: "settle it with `triage review label \(caseID) LABEL --adjudicate`")
            }
            if state.answeredByReviewer {
                throw TriageError(.caseClosed, "\(reviewer) already answered case \(caseID)")
            }
            try checkNotClaimedByOthers(caseID: caseID, state: state)
            try insertAnswer(
                caseID: caseID, reviewer: reviewer, label: label, source: "review", at: now)
            try deleteClaim(caseID: caseID, reviewer: reviewer)
            try appendEvent(
                caseID: caseID, kind: "answered", reviewer: reviewer, value: label,
                previous: predicted, at: now)
            try settle(caseID: caseID, required: state.required, reviewer: reviewer, at: now)
            return try fetchCase(id: caseID)
        }
        logger.debug("answered review case", ["case.id": "\(caseID)"])
        return answered
    }

    public func importAnswers(_ answers: [ImportedAnswer]) throws {
        let now = clock()
        try database.transaction {
            for (position, item) in answers.enumerated() {
                // Every answer is checked like a reviewer's; one bad one stops all.
                let predicted: String
                let state: OpenState
                do {
                    predicted = try checkPending(caseID: item.caseID)
                    state = try openState(caseID: item.caseID, reviewer: item.reviewer, at: now)
                    if state.disputed || state.answeredByReviewer {
                        throw TriageError(
                            .caseClosed,
                            "case \(item.caseID) is disputed or already answered by \(item.reviewer)"
                        )
                    }
                } catch var error as TriageError {
                    error.message = "answer \(position + 1): " + error.message
                    throw error
                }
                try insertAnswer(
                    caseID: item.caseID, reviewer: item.reviewer, label: item.label,
                    source: "import", at: item.answeredAt ?? now)
                // Settle the importer's own claim as an answer does, so that
                // `claimNext` never hands them back a case they have answered.
                try deleteClaim(caseID: item.caseID, reviewer: item.reviewer)
                try appendEvent(
                    caseID: item.caseID, kind: "imported", reviewer: item.reviewer,
                    value: item.label, previous: predicted, at: now)
                try settle(
                    caseID: item.caseID, required: state.required, reviewer: item.reviewer, at: now)
            }
        }
    }

    @discardableResult
    public func release(caseID: Int64, reviewer: String) throws -> Bool {
        let now = clock()
        return try database.transaction {
            // A claim whose lease has run out is no longer held: it stays as it is.
            _ = try fetchCase(id: caseID)
            try database.run(SQL.deleteLiveClaim, caseID, reviewer, now)
            guard database.changes > 0 else { return false }
            try appendEvent(
                caseID: caseID, kind: "released", reviewer: reviewer, value: nil,
                previous: nil, at: now)
            return true
        }
    }

    public func undoLastAnswer(reviewer: String, lease: Double) throws -> ReviewCase? {
        let now = clock()
        return try database.transaction {
            // The reviewer's latest answer, with the case it closed or disputed.
            let latest = try database.statement(SQL.latestAnswer)
            try latest.bind(reviewer, at: 1)
            guard try latest.step() else {
                latest.reset()
                return nil
            }
            let answerID = latest.int64(at: 0)
            let caseID = latest.int64(at: 1)
            let label = latest.string(at: 2)
            latest.reset()

            // An adjudication settled the answers as they were; reopening the case
            // would leave it standing beside answers it never saw.
            let adjudicated = try database.statement(SQL.adjudications)
            try adjudicated.bind(caseID, at: 1)
            let settled = try adjudicated.step() && adjudicated.int64(at: 0) > 0
            adjudicated.reset()
            if settled {
                throw TriageError(
                    .caseClosed,
                    "case \(caseID) was settled by adjudication; \(reviewer)'s answer to it "
                        + "can no longer be taken back")
            }

            // Remove it, reopen the case, and hand it back to the reviewer.
            try database.run(SQL.deleteAnswer, answerID)
            try database.run(SQL.reopenCase, caseID, now)
            try writeClaim(caseID: caseID, reviewer: reviewer, until: now + lease)
            try appendEvent(
                caseID: caseID, kind: "undone", reviewer: reviewer, value: nil, previous: label,
                at: now)
            return try fetchCase(id: caseID)
        }
    }

    public func addNote(caseID: Int64, reviewer: String, text: String) throws {
        let now = clock()
        try database.transaction {
            _ = try fetchCase(id: caseID)
            try appendEvent(
                caseID: caseID, kind: "noted", reviewer: reviewer, value: text, previous: nil,
                at: now)
        }
    }

    public func setGold(caseID: Int64, label: String) throws {
        let now = clock()
        try database.transaction {
            let previous = try fetchCase(id: caseID).gold
            try database.run(SQL.setGold, caseID, label)
            try appendEvent(
                caseID: caseID, kind: "gold", reviewer: nil, value: label, previous: previous,
                at: now)
        }
    }

    public func answers(model: String?) throws -> [AnswerRecord] {
        let statement = try database.statement(SQL.answers)
        try statement.bind(model, at: 1)
        defer { statement.reset() }
        var records: [AnswerRecord] = []
        while try statement.step() {
            records.append(
                AnswerRecord(
                    caseID: statement.int64(at: 0), model: statement.string(at: 1),
                    text: statement.string(at: 2), label: statement.string(at: 3),
                    reviewer: statement.string(at: 4), answeredAt: statement.double(at: 5),
                    source: AnswerRecord.Source(rawValue: statement.string(at: 6)) ?? .review,
                    predicted: statement.string(at: 7),
                    isAudit: statement.string(at: 8) == DeferralReason.audit.rawValue,
                    gold: statement.optionalString(at: 9),
                    isOverlap: statement.int64(at: 10) > 1,
                    modelVersion: Int(statement.int64(at: 11))))
        }
        return records
    }

    public func events(caseID: Int64) throws -> [CaseEvent] {
        let statement = try database.statement(SQL.caseEvents)
        try statement.bind(caseID, at: 1)
        defer { statement.reset() }
        var events: [CaseEvent] = []
        while try statement.step() {
            events.append(
                CaseEvent(
                    kind: statement.string(at: 0), reviewer: statement.optionalString(at: 1),
                    value: statement.optionalString(at: 2),
                    previous: statement.optionalString(at: 3), at: statement.double(at: 4)))
        }
        return events
    }

    // MARK: - Steps inside a transaction

    /// What an answer must be checked against.
    private struct OpenState {
        var required: Int
        var disputed: Bool
        var answers: Int
        var answeredByReviewer: Bool
        var ownClaim: Bool
        var otherClaims: Int
        var claimHolder: String?
    }

    private func openState(caseID: Int64, reviewer: String, at now: Double) throws -> OpenState {
        let statement = try database.statement(SQL.openState)
        try statement.bind(caseID, at: 1)
        try statement.bind(reviewer, at: 2)
        try statement.bind(now, at: 3)
        defer { statement.reset() }
        guard try statement.step() else { throw TriageError.caseNotFound(caseID) }
        return OpenState(
            required: Int(statement.int64(at: 0)), disputed: statement.int64(at: 1) != 0,
            answers: Int(statement.int64(at: 2)), answeredByReviewer: statement.int64(at: 3) > 0,
            ownClaim: statement.int64(at: 4) > 0, otherClaims: Int(statement.int64(at: 5)),
            claimHolder: statement.optionalString(at: 6))
    }

    /// Throws `caseClosed` when other reviewers' live claims, with the answers
    /// already given, take every answer the case needs and this reviewer holds no
    /// claim of their own: the case is theirs until the claims end.
    func checkNotClaimedByOthers(caseID: Int64, reviewer: String, at now: Double) throws {
        try checkNotClaimedByOthers(
            caseID: caseID, state: openState(caseID: caseID, reviewer: reviewer, at: now))
    }

    private func checkNotClaimedByOthers(caseID: Int64, state: OpenState) throws {
        if state.answers + state.otherClaims >= state.required, !state.ownClaim {
            throw TriageError(
                .caseClosed,
                "case \(caseID) is claimed by \(state.claimHolder ?? "another reviewer")",
                remedy:
                    "take the next case with `triage review next`, or wait for the claim to expire"
            )
        }
    }

    private func insertAnswer(
        caseID: Int64, reviewer: String, label: String, source: String, at now: Double
    ) throws {
        try database.run(SQL.insertAnswer, caseID, reviewer, label, now, source)
    }

    /// Closes the case once it has its answers: with their label when they agree,
    /// as disputed when they do not.
    private func settle(caseID: Int64, required: Int, reviewer: String, at now: Double) throws {
        let statement = try database.statement(SQL.answerLabels)
        try statement.bind(caseID, at: 1)
        var labels: [String] = []
        while try statement.step() { labels.append(statement.string(at: 0)) }
        statement.reset()
        guard labels.count >= required, let first = labels.first else { return }
        if labels.allSatisfy({ $0 == first }) {
            try close(caseID: caseID, label: first, reviewer: reviewer, at: now)
        } else {
            try database.run(SQL.disputeCase, caseID, now)
            try appendEvent(
                caseID: caseID, kind: "disputed", reviewer: nil,
                value: Set(labels).sorted().joined(separator: ", "), previous: nil, at: now)
        }
    }

    private func close(caseID: Int64, label: String, reviewer: String, at now: Double) throws {
        try database.run(SQL.closeCase, caseID, label, reviewer, now)
        try database.run(SQL.deleteClaims, caseID)
    }

    private func writeClaim(caseID: Int64, reviewer: String, until expiry: Double) throws {
        try database.run(SQL.upsertClaim, caseID, reviewer, expiry)
    }

    func deleteClaim(caseID: Int64, reviewer: String) throws {
        try database.run(SQL.deleteClaim, caseID, reviewer)
    }
}

extension SQL {
    /// A case the reviewer claimed, still open and still theirs.
    static let ownClaim = """
        SELECT k.case_id FROM claims k JOIN cases c ON c.id = k.case_id
        WHERE k.reviewer = ?1 AND k.expires_at > ?2 AND c.status = 'pending' AND c.disputed = 0
        ORDER BY k.expires_at DESC LIMIT 1
        """

    /// The first open case, in `order`, that still needs an answer this reviewer has
    /// not given and that other reviewers' live claims do not fill.
    static func nextCase(_ order: CaseOrder) -> String {
        let sorting =
            switch order {
            case .uncertainty: "c.skips, c.confidence, c.id"
            case .fifo: "c.skips, c.id"
            case .priority: "c.skips, c.priority DESC, c.confidence, c.id"
            case .random: "random()"
            }
        return """
            SELECT c.id FROM cases c
            WHERE c.status = 'pending' AND c.disputed = 0 AND (?3 IS NULL OR c.model = ?3)
                AND NOT EXISTS (
                    SELECT 1 FROM answers a WHERE a.case_id = c.id AND a.reviewer = ?1)
                AND c.required_answers > (
                    SELECT count(*) FROM answers a
                    WHERE a.case_id = c.id AND a.source != 'adjudication')
                    + (SELECT count(*) FROM claims k
                       WHERE k.case_id = c.id AND k.reviewer != ?1 AND k.expires_at > ?2)
            ORDER BY \(sorting) LIMIT 1
            """
    }

    static let upsertClaim = """
        INSERT INTO claims (case_id, reviewer, expires_at) VALUES (?1, ?2, ?3)
        ON CONFLICT (case_id, reviewer) DO UPDATE SET expires_at = excluded.expires_at
        """

    static let deleteClaim = "DELETE FROM claims WHERE case_id = ?1 AND reviewer = ?2"

    static let deleteClaims = "DELETE FROM claims WHERE case_id = ?1"

    static let deleteLiveClaim = """
        DELETE FROM claims WHERE case_id = ?1 AND reviewer = ?2 AND expires_at > ?3
        """

    static let openState = """
        SELECT c.required_answers, c.disputed,
            (SELECT count(*) FROM answers a WHERE a.case_id = c.id AND a.source != 'adjudication'),
            (SELECT count(*) FROM answers a
             WHERE a.case_id = c.id AND a.reviewer = ?2 AND a.source != 'adjudication'),
            (SELECT count(*) FROM claims k
             WHERE k.case_id = c.id AND k.reviewer = ?2 AND k.expires_at > ?3),
            (SELECT count(*) FROM claims k
             WHERE k.case_id = c.id AND k.reviewer != ?2 AND k.expires_at > ?3),
            (SELECT k.reviewer FROM claims k
             WHERE k.case_id = c.id AND k.reviewer != ?2 AND k.expires_at > ?3 LIMIT 1)
        FROM cases c WHERE c.id = ?1
        """

    static let insertAnswer = """
        INSERT INTO answers (case_id, reviewer, label, at, source) VALUES (?1, ?2, ?3, ?4, ?5)
        """

    static let answerLabels = """
        SELECT label FROM answers WHERE case_id = ?1 AND source != 'adjudication' ORDER BY id
        """

    static let closeCase = """
        UPDATE cases SET status = 'answered', answer = ?2, reviewer = ?3, disputed = 0,
            answered_at = ?4, updated_at = ?4
        WHERE id = ?1
        """

    static let disputeCase = "UPDATE cases SET disputed = 1, updated_at = ?2 WHERE id = ?1"

    static let latestAnswer = """
        SELECT a.id, a.case_id, a.label FROM answers a
        WHERE a.reviewer = ?1 AND a.source = 'review' ORDER BY a.at DESC, a.id DESC LIMIT 1
        """

    static let adjudications = """
        SELECT count(*) FROM answers WHERE case_id = ?1 AND source = 'adjudication'
        """

    static let deleteAnswer = "DELETE FROM answers WHERE id = ?1"

    static let reopenCase = """
        UPDATE cases SET status = 'pending', answer = NULL, reviewer = NULL, disputed = 0,
            answered_at = NULL, updated_at = ?2
        WHERE id = ?1
        """

    static let setGold = "UPDATE cases SET gold = ?2 WHERE id = ?1"

    static let answers = """
        SELECT a.case_id, c.model, c.text, a.label, a.reviewer, a.at, a.source, c.predicted,
            c.reason, c.gold, c.required_answers, c.model_version
        FROM answers a JOIN cases c ON c.id = a.case_id
        WHERE ?1 IS NULL OR c.model = ?1
        ORDER BY a.at, a.id
        """

    static let caseEvents = """
        SELECT kind, reviewer, value, previous, at FROM events WHERE case_id = ?1 ORDER BY id
        """
}

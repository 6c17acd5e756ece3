/// How reviewers work and how far their answers can be trusted.
public struct ReviewStatistics: Sendable, Codable, Equatable {
    public struct Reviewer: Sendable, Codable, Equatable {
        public var name: String
        public var answers: Int
        /// Answers per hour of active time: gaps between answers count up to five
        /// minutes each, so breaks do not dilute the rate.
        public var perHour: Double?
        /// Share of answers agreeing with the model's prediction, and Cohen's kappa
        /// against it.
        public var agreementWithModel: Double?
        public var kappaWithModel: Double?
        /// Accuracy on gold cases, and how many it answered.
        public var goldAccuracy: Double?
        public var goldAnswers: Int
    }

    public struct Pair: Sendable, Codable, Equatable {
        public var first: String
        public var second: String
        /// Cases both answered.
        public var shared: Int
        public var agreement: Double
        /// Cohen's kappa, `nil` when chance agreement is already perfect.
        public var kappa: Double?
    }

    public var reviewers: [Reviewer]
    public var pairs: [Pair]

    /// Statistics over every answer; adjudications and imports count as answers of
    /// the reviewer who gave them.
    public static func from(_ answers: [AnswerRecord]) -> ReviewStatistics {
        let byReviewer = Dictionary(grouping: answers, by: \.reviewer)
        let reviewers = byReviewer.keys.sorted().map { name -> Reviewer in
            let own = (byReviewer[name] ?? []).sorted { $0.answeredAt < $1.answeredAt }
            var active = 0.0
            for (earlier, later) in zip(own, own.dropFirst()) {
                active += min(later.answeredAt - earlier.answeredAt, 300)
            }
            let gold = own.filter { $0.gold != nil }
            let withModel = own.map { ($0.label, $0.predicted) }
            return Reviewer(
                name: name, answers: own.count,
                perHour: own.count > 1 && active > 0 ? Double(own.count - 1) / active * 3600 : nil,
                agreementWithModel: own.isEmpty
                    ? nil : Double(own.filter { $0.label == $0.predicted }.count) / Double(own.count),
                kappaWithModel: cohensKappa(withModel),
                goldAccuracy: gold.isEmpty
                    ? nil : Double(gold.filter { $0.label == $0.gold }.count) / Double(gold.count),
                goldAnswers: gold.count)
        }

        // Pairs over the cases both answered.
        var pairs: [Pair] = []
        let names = byReviewer.keys.sorted()
        for (i, first) in names.enumerated() {
            let firstAnswers = Dictionary(
                (byReviewer[first] ?? []).map { ($0.caseID, $0.label) }, uniquingKeysWith: { $1 })
            for second in names[(i + 1)...] {
                var shared: [(String, String)] = []
                for answer in byReviewer[second] ?? [] {
                    if let label = firstAnswers[answer.caseID] { shared.append((label, answer.label)) }
                }
                guard !shared.isEmpty else { continue }
                pairs.append(
                    Pair(
                        first: first, second: second, shared: shared.count,
                        agreement: Double(shared.filter { $0.0 == $0.1 }.count) / Double(shared.count),
                        kappa: cohensKappa(shared)))
            }
        }
        return ReviewStatistics(reviewers: reviewers, pairs: pairs)
    }

    /// Cohen's kappa of paired labels: (observed − chance agreement) / (1 − chance),
    /// chance from each side's label frequencies. `nil` for no pairs, or when chance
    /// agreement is 1 (both sides always give the same single label).
    public static func cohensKappa(_ pairs: [(String, String)]) -> Double? {
        guard !pairs.isEmpty else { return nil }
        let n = Double(pairs.count)
        let observed = Double(pairs.filter { $0.0 == $0.1 }.count) / n
        var left: [String: Double] = [:]
        var right: [String: Double] = [:]
        for (a, b) in pairs {
            left[a, default: 0] += 1
            right[b, default: 0] += 1
        }
        let chance = left.reduce(0.0) { total, entry in
            total + entry.value / n * (right[entry.key] ?? 0) / n
        }
        guard chance < 1 else { return nil }
        return (observed - chance) / (1 - chance)
    }
}

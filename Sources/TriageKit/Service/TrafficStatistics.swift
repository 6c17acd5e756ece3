import FoundationEssentials

/// A model's life in production, per day and per version: how much it classified,
/// how much it deferred, how much people reviewed, how accurate its automated
/// decisions were by the audits, and whether its confidence drifted from the
/// calibration split's.
public struct TrafficStatistics: Sendable, Encodable {
    /// One version on one day, or on all days when `day` is `nil`.
    public struct Period: Sendable, Encodable {
        /// `YYYY-MM-DD`, UTC; `nil` for all of a version's days.
        public var day: String?
        public var version: Int
        public var inputs = 0
        /// Inputs deferred to people.
        public var deferred = 0
        /// `deferred / inputs`; `nil` with no input.
        public var deferralRate: Double?
        /// Automated decisions sampled for review.
        public var audited = 0
        /// Answers people gave to the version's cases, counted on the day given.
        public var reviewed = 0
        /// Share of those answers that agreed with the version's suggestion: how
        /// good it is on the cases it was unsure of.
        public var reviewedAgreement: Double?
        /// Automated accuracy estimated from the audits of the version's decisions
        /// made that day, answered since.
        public var audits: AuditEstimate
        /// The period's confidences against the version's calibration split; `nil`
        /// with no traffic or no reference.
        public var drift: ConfidenceDrift.Comparison?
    }

    /// Day by day, oldest first, versions in order within a day.
    public var days: [Period]
    /// Each version over all its days.
    public var versions: [Period]

    /// Builds the statistics of one model.
    ///
    /// - Parameters:
    ///   - cases: the model's cases, for its audits.
    ///   - answers: the model's answers, for reviewed volume and agreement.
    ///   - references: each version's confidence histogram on its calibration split.
    public init(
        traffic: [TrafficRecord], cases: [ReviewCase], answers: [AnswerRecord],
        references: [Int: [Int]], targetAccuracy: Double
    ) {
        struct Key: Hashable, Comparable {
            var day: String?
            var version: Int
            static func < (a: Key, b: Key) -> Bool {
                (a.day ?? "", a.version) < (b.day ?? "", b.version)
            }
        }
        var histograms: [Key: [Int]] = [:]
        var periods: [Key: Period] = [:]
        func update(_ key: Key, _ change: (inout Period) -> Void) {
            for key in [key, Key(day: nil, version: key.version)] {
                var period =
                    periods[key]
                    ?? Period(
                        day: key.day, version: key.version,
                        audits: AuditEstimate.from(cases: [], targetAccuracy: targetAccuracy))
                change(&period)
                periods[key] = period
            }
        }

        // Traffic, with its confidence histograms.
        for record in traffic {
            let key = Key(day: record.day, version: record.modelVersion)
            update(key) {
                $0.inputs += record.inputs
                $0.deferred += record.deferred
                $0.audited += record.audited
            }
            for key in [key, Key(day: nil, version: record.modelVersion)] {
                let sum = zip(
                    histograms[key] ?? Array(repeating: 0, count: record.confidenceHistogram.count),
                    record.confidenceHistogram
                ).map(+)
                histograms[key] = sum
            }
        }

        // Reviews: volume on the day they were given, agreement with the model.
        var agreed: [Key: Int] = [:]
        for answer in answers where answer.source != .adjudication {
            let key = Key(day: Self.day(answer.answeredAt), version: answer.modelVersion)
            update(key) { $0.reviewed += 1 }
            if answer.label == answer.predicted {
                agreed[key, default: 0] += 1
                agreed[Key(day: nil, version: key.version), default: 0] += 1
            }
        }

        // Audits, by the day the audited decision was made.
        var audits: [Key: [ReviewCase]] = [:]
        for reviewCase in cases where reviewCase.reason == .audit {
            let key = Key(day: Self.day(reviewCase.createdAt), version: reviewCase.modelVersion)
            audits[key, default: []].append(reviewCase)
            audits[Key(day: nil, version: key.version), default: []].append(reviewCase)
            update(key) { _ in }
        }

        // Rates, estimates and drift for each period.
        for (key, var period) in periods {
            period.deferralRate =
                period.inputs > 0 ? Double(period.deferred) / Double(period.inputs) : nil
            period.reviewedAgreement =
                period.reviewed > 0
                ? Double(agreed[key] ?? 0) / Double(period.reviewed) : nil
            period.audits = AuditEstimate.from(
                cases: audits[key] ?? [], targetAccuracy: targetAccuracy)
            if let observed = histograms[key], let reference = references[key.version] {
                period.drift = ConfidenceDrift.compare(reference: reference, observed: observed)
            }
            periods[key] = period
        }
        let keys = periods.keys.sorted()
        days = keys.filter { $0.day != nil }.compactMap { periods[$0] }
        versions = keys.filter { $0.day == nil }.compactMap { periods[$0] }
    }

    /// The UTC day of a time in seconds since 1970, as SQLite's `date()` writes it.
    public static func day(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(
            .iso8601.year().month().day().dateSeparator(.dash))
    }
}

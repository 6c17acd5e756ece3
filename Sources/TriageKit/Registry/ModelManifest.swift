import FoundationEssentials

/// Everything about a model version except its weights: what it was trained on, with
/// which settings, how it calibrates and defers, and how well it did.
///
/// Stored as `manifest.json` beside `weights.bin`, readable by people and scripts.
public struct ModelManifest: Codable, Sendable, Equatable {
    /// The manifest layout; a newer one is refused.
    public static let currentFormat = 1

    public var format: Int
    public var name: String
    public var version: Int
    /// ISO 8601, UTC.
    public var createdAt: String
    /// The version this one was retrained from, if any.
    public var parentVersion: Int?
    public var triageVersion: String
    /// A checksum of the `triage` executable that wrote the version; `nil` in
    /// versions written before Triage recorded it.
    public var triageBuild: String? = nil

    public var labels: [String]
    /// The input columns, their kinds and what training learned about them.
    public var inputs: [InputColumn]
    public var features: TextFeatureSettings
    public var learner: LogisticRegressionSettings
    public var calibration: Calibration
    public var deferral: DeferralRule
    public var training: Training
    /// Measured on the calibration split.
    public var metrics: Metrics
    /// How a retrained version was judged against the version it was meant to
    /// replace; `nil` for a version trained from files.
    public var promotion: Promotion? = nil

    /// The fitted calibration map; only the method's own parameters are present.
    public struct Calibration: Codable, Sendable, Equatable {
        public var method: CalibrationMethod
        public var temperature: Double?
        public var platt: PlattScaling?
        public var isotonic: [IsotonicRegression]?

        public init(_ calibrator: Calibrator) {
            method = calibrator.method
            switch calibrator {
            case .temperature(let value): temperature = value
            case .platt(let value): platt = value
            case .isotonic(let value): isotonic = value
            }
        }

        /// The map in a few words: "temperature 0.590", "Platt scaling, slope …".
        public var summary: String {
            func three(_ value: Double?) -> String {
                guard let value else { return "?" }
                return String(rounded(value, places: 3))
            }
            switch method {
            case .temperature: return "temperature \(three(temperature))"
            case .platt:
                return
                    "Platt scaling, slope \(three(platt?.slope)), intercept \(three(platt?.intercept))"
            case .isotonic: return "isotonic regression"
            }
        }

        /// The calibrator these parameters describe.
        public func calibrator() throws -> Calibrator {
            switch method {
            case .temperature:
                if let temperature, temperature > 0 { return .temperature(temperature) }
            case .platt:
                if let platt { return .platt(platt) }
            case .isotonic:
                if let isotonic { return .isotonic(isotonic) }
            }
            throw TriageError(
                .modelCorrupt, "the manifest's \(method.rawValue) calibration has no parameters")
        }
    }

    public struct Training: Codable, Sendable, Equatable {
        /// The files the examples came from, as given.
        public var sources: [DataSource]
        /// Where the calibration split came from.
        public var calibrationSource: String
        /// The column that held the labels, the default for evaluating this model.
        public var labelColumn: String
        public var examples: Int
        public var calibrationExamples: Int
        /// Reviewed cases added to the training data, with the answers used.
        public var reviewedCases: [ReviewedCase]
        public var seed: UInt64
        public var iterations: Int
        public var optimizerStop: OptimizerStop
        public var finalLoss: Double
        public var seconds: Double
    }

    public struct DataSource: Codable, Sendable, Equatable {
        public var path: String
        public var rows: Int
        /// FNV-1a over the file's bytes, hexadecimal.
        public var contentHash: String
    }

    public struct ReviewedCase: Codable, Sendable, Equatable {
        public var id: Int64
        public var label: String
    }

    /// A challenger judged against its champion on the same held-out examples.
    public struct Promotion: Codable, Sendable, Equatable {
        /// The version that was current when this one was trained.
        public var champion: Int
        /// `always`, `if-better` or `never`.
        public var rule: String
        /// The metric compared, and how much worse the challenger may be on it.
        public var metric: String
        public var tolerance: Double
        public var championScore: Double?
        public var challengerScore: Double?
        /// Where the held-out examples came from: evaluation files, and reviewed
        /// cases held back from this version's training.
        public var evaluationSources: [String]
        public var evaluationExamples: Int
        public var heldBackCases: [Int64]
        public var promoted: Bool
        public var reason: String

        public init(
            champion: Int, rule: String, metric: String, tolerance: Double,
            championScore: Double?, challengerScore: Double?, evaluationSources: [String],
            evaluationExamples: Int, heldBackCases: [Int64], promoted: Bool, reason: String
        ) {
            self.champion = champion
            self.rule = rule
            self.metric = metric
            self.tolerance = tolerance
            self.championScore = championScore
            self.challengerScore = challengerScore
            self.evaluationSources = evaluationSources
            self.evaluationExamples = evaluationExamples
            self.heldBackCases = heldBackCases
            self.promoted = promoted
            self.reason = reason
        }
    }

    public struct Metrics: Codable, Sendable, Equatable {
        public var accuracy: Double
        /// Expected calibration error, 15 equal-width bins, before and after scaling.
        public var calibrationErrorBefore: Double
        public var calibrationError: Double
        public var negativeLogLikelihoodBefore: Double
        public var negativeLogLikelihood: Double
        public var brierScore: Double
        /// Share of the calibration split decided automatically at the threshold.
        public var coverage: Double
        /// Accuracy of those decisions; `nil` when there are none.
        public var automatedAccuracy: Double?
        /// Calibrated confidences of the calibration split in ``ConfidenceDrift``'s
        /// bins, the reference traffic is compared with; `nil` in versions written
        /// before Triage kept it.
        public var confidenceHistogram: [Int]? = nil

        /// The figures of calibrated probabilities against the calibration split's
        /// targets (-1 for a label the model does not know), beside the raw ones.
        public static func measure(
            raw: [Double], calibrated: [Double], classCount: Int, targets: [Int32],
            deferral report: DeferralReport
        ) -> Metrics {
            let before = ScoredPredictions(
                probabilities: raw, classCount: classCount, targets: targets)
            let after = ScoredPredictions(
                probabilities: calibrated, classCount: classCount, targets: targets)
            return Metrics(
                accuracy: after.accuracy,
                calibrationErrorBefore: CalibrationMetrics.expectedCalibrationError(
                    confidences: before.confidences, correct: before.correct),
                calibrationError: CalibrationMetrics.expectedCalibrationError(
                    confidences: after.confidences, correct: after.correct),
                negativeLogLikelihoodBefore: CalibrationMetrics.negativeLogLikelihood(
                    probabilities: raw, classCount: classCount, targets: targets),
                negativeLogLikelihood: CalibrationMetrics.negativeLogLikelihood(
                    probabilities: calibrated, classCount: classCount, targets: targets),
                brierScore: CalibrationMetrics.brierScore(
                    probabilities: calibrated, classCount: classCount, targets: targets),
                coverage: report.coverage, automatedAccuracy: report.automatedAccuracy,
                confidenceHistogram: ConfidenceDrift.histogram(after.confidences))
        }
    }
}

extension ModelManifest {
    /// The manifest as pretty-printed JSON with snake_case keys, sorted, ending in a
    /// newline: the form stored beside the weights.
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0a]
    }
}

import FoundationEssentials

/// What changed from one version of a model to another: the data it learned from, the
/// settings it was trained, calibrated and made to defer with, and its figures.
///
/// Built from the two manifests alone by `ModelManifest.diff(to:)`. `a` is the version
/// compared from and `b` the one compared to; either may be the older.
public struct ManifestDiff: Codable, Sendable, Equatable {
    public var model: String
    public var a: Version
    public var b: Version
    public var data: DataChanges
    public var settings: SettingChanges
    /// Every metric either manifest has, in name order, changed or not.
    public var metrics: [MetricChange]

    /// Which version a side of the comparison is.
    public struct Version: Codable, Sendable, Equatable {
        public var version: Int
        /// ISO 8601, UTC.
        public var createdAt: String
        /// The version it was retrained from, if any.
        public var parentVersion: Int?
        /// The Triage that trained it: version number, and build where recorded.
        public var code: String = ""
    }

    /// A figure in version A and in version B.
    public struct Pair<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
        public var a: Value
        public var b: Value

        public var changed: Bool { a != b }
    }

    /// What each version learned from. Sources pair up by path; reviewed cases by id.
    public struct DataChanges: Codable, Sendable, Equatable {
        /// Training examples, reviewed answers included.
        public var examples: Pair<Int>
        public var calibrationExamples: Pair<Int>
        /// Where the calibration split came from.
        public var calibrationSource: Pair<String>
        /// Files only B read.
        public var sourcesAdded: [ModelManifest.DataSource]
        /// Files only A read.
        public var sourcesRemoved: [ModelManifest.DataSource]
        /// Files both read, whose content hash or row count differs.
        public var sourcesChanged: [SourceChange]
        /// How many reviewed cases each version learned from.
        public var reviewedCases: Pair<Int>
        /// Reviewed cases only B learned from, with B's answers.
        public var reviewedCasesAdded: [ModelManifest.ReviewedCase]
        /// Reviewed cases only A learned from, with A's answers.
        public var reviewedCasesRemoved: [ModelManifest.ReviewedCase]
        /// Reviewed cases both learned from, with a different answer.
        public var answersChanged: [AnswerChange]

        /// Whether both versions learned from the same data.
        public var isUnchanged: Bool {
            !examples.changed && !calibrationExamples.changed && !calibrationSource.changed
                && sourcesAdded.isEmpty && sourcesRemoved.isEmpty && sourcesChanged.isEmpty
                && reviewedCasesAdded.isEmpty && reviewedCasesRemoved.isEmpty
                && answersChanged.isEmpty
        }
    }

    /// A file both versions read, as each recorded it.
    public struct SourceChange: Codable, Sendable, Equatable {
        public var path: String
        public var a: ModelManifest.DataSource
        public var b: ModelManifest.DataSource
    }

    /// A reviewed case both versions learned from, with the answer each used.
    public struct AnswerChange: Codable, Sendable, Equatable {
        public var id: Int64
        public var a: String
        public var b: String
    }

    /// How the versions were set up: labels, and every other manifest field that is
    /// neither data, a figure, nor bookkeeping.
    public struct SettingChanges: Codable, Sendable, Equatable {
        public var labelsAdded: [String]
        public var labelsRemoved: [String]
        /// Fields that differ, by dotted path, in path order.
        public var changed: [SettingChange]

        public var isUnchanged: Bool {
            labelsAdded.isEmpty && labelsRemoved.isEmpty && changed.isEmpty
        }
    }

    /// One manifest field that differs: `features.word_ngrams`, `deferral.threshold`,
    /// `inputs.text.kind`. `nil` is a field the version does not have.
    public struct SettingChange: Codable, Sendable, Equatable {
        public var path: String
        public var a: ManifestValue?
        public var b: ManifestValue?

        private enum CodingKeys: String, CodingKey { case path, a, b }

        public func encode(to encoder: any Encoder) throws {
            // A missing side is written as null, not left out.
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encode(a, forKey: .a)
            try container.encode(b, forKey: .b)
        }
    }

    /// One metric in both versions and the change, B minus A. `nil` where a version
    /// has no value (automated accuracy when nothing was automated).
    public struct MetricChange: Codable, Sendable, Equatable {
        /// The manifest's name for it: `accuracy`, `calibration_error`, ….
        public var name: String
        public var a: Double?
        public var b: Double?

        public var change: Double? {
            guard let a, let b else { return nil }
            return b - a
        }

        private enum CodingKeys: String, CodingKey { case name, a, b, change }

        public init(name: String, a: Double?, b: Double?) {
            self.name = name
            self.a = a
            self.b = b
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            a = try container.decodeIfPresent(Double.self, forKey: .a)
            b = try container.decodeIfPresent(Double.self, forKey: .b)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(a, forKey: .a)
            try container.encode(b, forKey: .b)
            try container.encode(change, forKey: .change)
        }
    }

    /// Whether the versions differ in no data, setting or metric.
    public var isUnchanged: Bool {
        data.isUnchanged && settings.isUnchanged && metrics.allSatisfy { $0.a == $0.b }
    }

    /// The comparison as one line of JSON with snake_case keys, sorted, ending in a
    /// newline, like the other JSON a command prints.
    public func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0a]
    }
}

extension ModelManifest {
    /// Top-level manifest fields that are not settings: bookkeeping, the labels (compared
    /// as sets), the figures, and the promotion verdict.
    private static let notSettings: Set<String> = [
        "format", "name", "version", "created_at", "parent_version", "triage_version",
        "triage_build",
        "labels", "metrics", "promotion",
    ]

    /// The fields under `training` that are settings; the others are data or results
    /// of the optimiser.
    private static let trainingSettings: Set<String> = ["seed", "label_column"]

    /// "triage 0.1.0, build 5e1f…", or without the build where none was recorded.
    var code: String {
        "triage \(triageVersion)" + (triageBuild.map { ", build \($0)" } ?? "")
    }

    /// What changed from this version to `other`.
    ///
    /// Settings are compared field by field over the manifests' JSON form, so a field
    /// added to the manifest later is compared without a change here; data and metrics
    /// are summarised.
    ///
    /// - Throws: when a manifest cannot be encoded (a non-finite number).
    /// - Complexity: O(*n* log *n*) in the number of sources, reviewed cases, labels
    ///   and fields.
    public func diff(to other: ModelManifest) throws -> ManifestDiff {
        ManifestDiff(
            model: name,
            a: ManifestDiff.Version(
                version: version, createdAt: createdAt, parentVersion: parentVersion,
                code: code),
            b: ManifestDiff.Version(
                version: other.version, createdAt: other.createdAt,
                parentVersion: other.parentVersion, code: other.code),
            data: dataChanges(to: other),
            settings: try settingChanges(to: other),
            metrics: try metricChanges(to: other))
    }

    private func dataChanges(to other: ModelManifest) -> ManifestDiff.DataChanges {
        // Sources pair up by path, in order, so a file given twice pairs twice.
        var unmatched = other.training.sources
        var removed: [DataSource] = []
        var changed: [ManifestDiff.SourceChange] = []
        for source in training.sources {
            guard let index = unmatched.firstIndex(where: { $0.path == source.path }) else {
                removed.append(source)
                continue
            }
            let counterpart = unmatched.remove(at: index)
            if counterpart != source {
                changed.append(
                    ManifestDiff.SourceChange(path: source.path, a: source, b: counterpart))
            }
        }

        // Reviewed cases by id; the last answer recorded for an id is the one used.
        var answersA: [Int64: String] = [:]
        for reviewed in training.reviewedCases { answersA[reviewed.id] = reviewed.label }
        var answersB: [Int64: String] = [:]
        for reviewed in other.training.reviewedCases { answersB[reviewed.id] = reviewed.label }
        let added = answersB.filter { answersA[$0.key] == nil }
            .map { ReviewedCase(id: $0.key, label: $0.value) }.sorted { $0.id < $1.id }
        let dropped = answersA.filter { answersB[$0.key] == nil }
            .map { ReviewedCase(id: $0.key, label: $0.value) }.sorted { $0.id < $1.id }
        let relabelled = answersA.compactMap { id, label -> ManifestDiff.AnswerChange? in
            guard let answer = answersB[id], answer != label else { return nil }
            return ManifestDiff.AnswerChange(id: id, a: label, b: answer)
        }.sorted { $0.id < $1.id }

        return ManifestDiff.DataChanges(
            examples: .init(a: training.examples, b: other.training.examples),
            calibrationExamples: .init(
                a: training.calibrationExamples, b: other.training.calibrationExamples),
            calibrationSource: .init(
                a: training.calibrationSource, b: other.training.calibrationSource),
            sourcesAdded: unmatched, sourcesRemoved: removed, sourcesChanged: changed,
            reviewedCases: .init(a: answersA.count, b: answersB.count),
            reviewedCasesAdded: added, reviewedCasesRemoved: dropped, answersChanged: relabelled)
    }

    private func settingChanges(to other: ModelManifest) throws -> ManifestDiff.SettingChanges {
        let leavesA = try settingLeaves()
        let leavesB = try other.settingLeaves()
        let changed = Set(leavesA.keys).union(leavesB.keys).sorted().compactMap {
            path -> ManifestDiff.SettingChange? in
            guard leavesA[path] != leavesB[path] else { return nil }
            return ManifestDiff.SettingChange(path: path, a: leavesA[path], b: leavesB[path])
        }
        let labelsA = Set(labels)
        let labelsB = Set(other.labels)
        return ManifestDiff.SettingChanges(
            labelsAdded: other.labels.filter { !labelsA.contains($0) },
            labelsRemoved: labels.filter { !labelsB.contains($0) },
            changed: changed)
    }

    /// The manifest's settings by dotted path.
    private func settingLeaves() throws -> [String: ManifestValue] {
        guard case .object(var fields) = try ManifestValue(encoding: self) else { return [:] }
        if case .object(let trainingFields)? = fields["training"] {
            fields["training"] = .object(
                trainingFields.filter { Self.trainingSettings.contains($0.key) })
        }
        for key in Self.notSettings { fields[key] = nil }
        return ManifestValue.object(fields).leaves()
    }

    private func metricChanges(to other: ModelManifest) throws -> [ManifestDiff.MetricChange] {
        // Figures only: the confidence histogram is a reference for drift, not a
        // figure to compare.
        func figures(_ metrics: Metrics) throws -> [String: ManifestValue] {
            try ManifestValue(encoding: metrics).leaves().filter {
                switch $0.value {
                case .number, .null: true
                default: false
                }
            }
        }
        let metricsA = try figures(metrics)
        let metricsB = try figures(other.metrics)
        return Set(metricsA.keys).union(metricsB.keys).sorted().map {
            ManifestDiff.MetricChange(name: $0, a: metricsA[$0]?.double, b: metricsB[$0]?.double)
        }
    }
}

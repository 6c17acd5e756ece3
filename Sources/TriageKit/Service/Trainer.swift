import FoundationEssentials

/// Settings of a training run.
public struct TrainingSettings: Sendable {
    public var features: TextFeatureSettings
    public var learner: LogisticRegressionSettings
    /// How the model defers: policy, target, guarantee, budget, costs, audits.
    public var deferral: DeferralSettings
    /// Share of the training data held out for calibration when no calibration file
    /// is given.
    public var calibrationShare: Double
    public var seed: UInt64
    /// Column kinds chosen by the user; the others are typed from the data.
    public var columnKinds: [String: ColumnKind]
    /// `nil` picks by the number of labels: Platt for two, temperature for more.
    public var calibrationMethod: CalibrationMethod?

    public init(
        features: TextFeatureSettings = .standard,
        learner: LogisticRegressionSettings = LogisticRegressionSettings(),
        deferral: DeferralSettings = DeferralSettings(), calibrationShare: Double = 0.2,
        seed: UInt64 = 0,
        columnKinds: [String: ColumnKind] = [:], calibrationMethod: CalibrationMethod? = nil
    ) {
        self.features = features
        self.learner = learner
        self.deferral = deferral
        self.calibrationShare = calibrationShare
        self.seed = seed
        self.columnKinds = columnKinds
        self.calibrationMethod = calibrationMethod
    }

    /// Checks every setting before any data is read.
    public func validate() throws {
        try features.validate()
        try learner.validate()
        try deferral.validate()
        guard calibrationShare > 0, calibrationShare < 1 else {
            throw TriageError.invalidArgument(
                "the calibration share must be in (0, 1), got \(calibrationShare)")
        }
    }
}

extension TextFeatureSettings {
    /// Word unigrams and bigrams plus character 2- to 5-grams inside words, TF-IDF
    /// weighted, buckets seen in at least two training documents.
    public static let standard = TextFeatureSettings(
        hashBits: 22, wordNgrams: 2, charNgramMin: 2, charNgramMax: 5, sublinearFrequency: true,
        idf: true, minDocumentFrequency: 2)
}

/// The examples a training run learns from and calibrates on, with their provenance.
public struct TrainingInput: Sendable {
    public var training: LabelledExamples
    public var calibration: LabelledExamples
    public var sources: [ModelManifest.DataSource]
    /// A file path, or a description of how the split was held out.
    public var calibrationSource: String
    /// The column the labels were read from.
    public var labelColumn: String
    /// Things about the data the user should hear before training starts.
    public var notes: [String] = []
    public var parentVersion: Int?

    public init(
        training: LabelledExamples, calibration: LabelledExamples,
        sources: [ModelManifest.DataSource], calibrationSource: String,
        labelColumn: String = "label", parentVersion: Int? = nil
    ) {
        self.training = training
        self.calibration = calibration
        self.sources = sources
        self.calibrationSource = calibrationSource
        self.labelColumn = labelColumn
        self.parentVersion = parentVersion
    }

    /// Reads training files and either a calibration file or a stratified share held
    /// out of the training data.
    ///
    /// The result's notes say when a training file is given twice (the same content,
    /// under one name or two), since its examples then count twice, and when a
    /// calibration file is also training data.
    ///
    /// - Parameters:
    ///   - inputColumns: the input columns, or `nil` for every column of the first
    ///     file but the label and `ignoring`; later files and the calibration file must
    ///     have them too.
    public static func fromFiles(
        data paths: [String], calibration calibrationPaths: [String], labelColumn: String,
        inputColumns: [String]? = nil, ignoring: Set<String> = [], weightColumn: String? = nil,
        settings: TrainingSettings
    ) throws -> TrainingInput {
        var examples: LabelledExamples?
        var sources: [ModelManifest.DataSource] = []
        var notes: [String] = []
        for path in paths {
            let part = try LabelledExamples.read(
                path: path, labelColumn: labelColumn,
                inputColumns: inputColumns ?? examples?.columns, ignoring: ignoring,
                weightColumn: weightColumn, inputColumnsOption: "--columns")
            if examples == nil { examples = part } else { examples?.append(contentsOf: part) }
            let source = try dataSource(path: path, rows: part.count)

            // A file given twice, under its name or another, is read twice.
            if let earlier = sources.first(where: { $0.contentHash == source.contentHash }) {
                notes.append(
                    (earlier.path == path
                        ? "\(path) is given twice as training data"
                        : "\(path) holds the same data as \(earlier.path)")
                        + ", so each of its examples counts twice in training")
            }
            sources.append(source)
        }
        guard let examples else {
            throw TriageError.invalidArgument("there is no training data file")
        }

        if !calibrationPaths.isEmpty {
            var calibration = LabelledExamples(columns: examples.columns)
            let trainingHashes = Set(sources.map(\.contentHash))
            for path in calibrationPaths {
                let part = try LabelledExamples.read(
                    path: path, labelColumn: labelColumn, inputColumns: examples.columns,
                    inputColumnsOption: "--columns")
                calibration.append(contentsOf: part)
                let source = try dataSource(path: path, rows: part.count)
                if trainingHashes.contains(source.contentHash) {
                    notes.append(
                        "\(path) is also training data, so the calibration figures and the "
                            + "threshold will be optimistic")
                }
                sources.append(source)
            }
            var input = TrainingInput(
                training: examples, calibration: calibration, sources: sources,
                calibrationSource: calibrationPaths.joined(separator: ", "),
                labelColumn: labelColumn)
            input.notes = notes
            return input
        }

        let (heldOut, rest) = StratifiedSplit.holdOut(
            labels: examples.labels, share: settings.calibrationShare, seed: settings.seed)
        let percent = Int((settings.calibrationShare * 100).rounded())
        var input = TrainingInput(
            training: examples.subset(rest), calibration: examples.subset(heldOut),
            sources: sources,
            calibrationSource: "stratified \(percent)% of the training data, seed \(settings.seed)",
            labelColumn: labelColumn)
        input.notes = notes
        return input
    }

    static func dataSource(path: String, rows: Int) throws -> ModelManifest.DataSource {
        let bytes = try FileIO.read(path)
        let hash = FeatureHash.fnv1a(bytes)
        return ModelManifest.DataSource(
            path: path, rows: rows, contentHash: String(hash, radix: 16))
    }
}

/// Progress of a training run, for a terminal or a log.
public enum TrainingEvent: Sendable {
    /// A named step starts: reading, features, optimising, calibrating.
    case stage(String)
    case optimizer(OptimizerProgress)
    /// Something the user should know about the data, though training goes on.
    case note(String)
}

/// Trains, calibrates and sets the deferral threshold of a classifier.
public enum Trainer {
    /// Runs the whole training and returns the artifacts to publish.
    ///
    /// - Throws: `TriageError` when the data cannot make a classifier (fewer than two
    ///   labels, no calibration examples) or training diverges.
    public static func train(
        _ input: TrainingInput, settings: TrainingSettings,
        observe: (TrainingEvent) -> Void = { _ in }
    ) throws -> ModelArtifacts {
        try settings.validate()
        let started = ContinuousClock.now

        for note in input.notes { observe(.note(note)) }

        // A guarantee the calibration split is too small for fails before training.
        if let confidence = settings.deferral.confidence {
            let needed = GuaranteedThreshold.minimumExamples(
                targetAccuracy: settings.deferral.targetAccuracy, confidence: confidence)
            guard input.calibration.count >= needed else {
                throw DeferralRule.tooSmall(
                    input.calibration.count, needed: needed, settings: settings.deferral)
            }
        }

        // Rows with nothing to learn from are mistakes in the data.
        try requireInputValues(input.training)
        try requireInputValues(input.calibration)

        // Labels, sorted, and each training example's class.
        let labels = Array(Set(input.training.labels)).sorted()
        guard labels.count >= 2 else {
            throw TriageError(
                .training,
                "the training data has \(labels.count) label; a classifier needs at least two",
                remedy: "add examples of other labels")
        }
        guard input.calibration.count > 0 else {
            throw TriageError(
                .training, "there are no calibration examples",
                remedy: "give a calibration file with --calibration, or more training data")
        }
        let classOf = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, Int32($0)) })
        let targets = input.training.labels.map { classOf[$0] ?? -1 }

        // Column kinds, then features.
        observe(.stage("features"))
        let inputs = try ColumnTyping.infer(input.training, forced: settings.columnKinds)
        let (featurizer, rows) = try Featurizer.fit(
            rows: input.training.rows, inputs: inputs, text: settings.features)
        guard featurizer.vocabulary.count > 0 else {
            throw TriageError(
                .training, "the training data yields no features",
                remedy: settings.features.minDocumentFrequency > 1
                    ? "lower --min-df (now \(settings.features.minDocumentFrequency))"
                    : "check that the input columns hold data")
        }

        // The linear model.
        observe(.stage("optimising"))
        let uniform = input.training.weights.allSatisfy { $0 == 1 }
        let (model, optimizer) = try LogisticRegression.fit(
            rows: rows, targets: targets, classCount: labels.count,
            sampleWeights: uniform ? nil : input.training.weights, settings: settings.learner
        ) { observe(.optimizer($0)) }

        // Calibration on the held-out split, then the threshold.
        observe(.stage("calibrating"))
        let calibrationTargets = input.calibration.labels.map { classOf[$0] ?? -1 }
        let unseen = calibrationTargets.filter { $0 < 0 }.count
        if unseen > 0 {
            let names = Set(
                zip(input.calibration.labels, calibrationTargets).filter { $0.1 < 0 }.map(\.0))
            observe(
                .note(
                    "\(unseen) calibration examples have \(names.count) label(s) the training data lacks "
                        + "(such as \"\(names.sorted()[0])\"); they count as errors"))
        }
        let (calibrationRows, familiarity) = featurizer.transformMeasuringFamiliarity(
            input.calibration.rows(for: inputs.map(\.name)))
        let logits = model.logits(calibrationRows)
        let calibrator = try Calibrator.fit(
            settings.calibrationMethod ?? .standard(labels: labels.count), logits: logits,
            targets: calibrationTargets, classCount: labels.count)
        let raw = Softmax.probabilities(logits, classCount: labels.count, temperature: 1)
        let calibrated = calibrator.probabilities(logits, classCount: labels.count)
        let (rule, report) = try DeferralRule.fit(
            settings.deferral, probabilities: calibrated, classCount: labels.count,
            targets: calibrationTargets, familiarity: familiarity, labels: labels)
        for note in report.notes { observe(.note(note)) }
        let metrics = ModelManifest.Metrics.measure(
            raw: raw, calibrated: calibrated, classCount: labels.count,
            targets: calibrationTargets, deferral: report)

        let elapsed = started.duration(to: .now)
        let seconds =
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let reviewed = zip(input.training.cases, input.training.labels).compactMap { id, label in
            id.map { ModelManifest.ReviewedCase(id: $0, label: label) }
        }
        let manifest = ModelManifest(
            format: ModelManifest.currentFormat, name: "", version: 0,
            createdAt: Date.now.formatted(.iso8601), parentVersion: input.parentVersion,
            triageVersion: TriageVersion.current, triageBuild: TriageVersion.build,
            labels: labels,
            inputs: inputs, features: settings.features, learner: settings.learner,
            calibration: .init(calibrator),
            deferral: rule,
            training: .init(
                sources: input.sources, calibrationSource: input.calibrationSource,
                labelColumn: input.labelColumn,
                examples: input.training.count, calibrationExamples: input.calibration.count,
                reviewedCases: reviewed, seed: settings.seed, iterations: optimizer.iterations,
                optimizerStop: optimizer.stop, finalLoss: optimizer.loss, seconds: seconds),
            metrics: metrics)

        let classifier = Classifier(
            labels: labels, featurizer: featurizer, model: model, calibrator: calibrator,
            deferral: rule)
        return ModelArtifacts(
            manifest: manifest, classifier: classifier, trainingData: input.training.jsonLines(),
            calibrationData: input.calibration.jsonLines())
    }
}

extension Trainer {
    /// Refuses rows whose every input cell is missing or blank: a label with nothing
    /// to learn it from is a mistake in the data, not an example.
    static func requireInputValues(_ examples: LabelledExamples) throws {
        for (index, row) in examples.rows.enumerated() where row.allSatisfy(InputColumn.isMissing) {
            throw TriageError.invalidData(
                examples.columns.count == 1
                    ? "row has no value in column \"\(examples.columns[0])\""
                    : "row has no value in any input column",
                at: examples.locations[index], remedy: "fill it in, or remove the row")
        }
    }
}

/// The version of Triage, recorded in every model it writes.
public enum TriageVersion {
    public static let current = "0.1.0"

    /// The running program's build: a checksum of its executable, so that two
    /// versions' manifests tell whether the same code trained them even when the
    /// version number stayed the same. `nil` where the executable cannot be read.
    public static let build: String? = {
        guard let bytes = try? FileIO.read("/proc/self/exe") else { return nil }
        return String(WeightsFile.checksum(bytes[...]), radix: 16)
    }()
}

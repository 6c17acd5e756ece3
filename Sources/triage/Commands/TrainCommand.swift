import TriageKit

/// Options shared by the commands that train: the model's features and learner.
let learningOptions: [OptionSpec] = [
    .value("seed", "N", "Seed for every random step", default: "0"),
    .value(
        "inverse-regularization", "C",
        "Inverse L2 strength, as scikit-learn's C; larger fits closer", default: "100"),
    .value(
        "calibration-method", "M",
        "temperature, platt (two labels) or isotonic; default by label count"),
    .value("class-weight", "W", "none, or balanced to weigh rare labels up", default: "none"),
    .value("max-iterations", "N", "L-BFGS iteration limit", default: "300"),
    .value(
        "tolerance", "T", "Stop when the largest gradient component is below T", default: "1e-5"),
    .value("word-ngrams", "N", "Longest word n-gram", default: "2"),
    .value("char-ngrams", "MIN-MAX", "Character n-grams inside words, or 'off'", default: "2-5"),
    .value("min-df", "N", "Drop features seen in fewer training texts", default: "2"),
    .value("hash-bits", "B", "Features hash into 2^B buckets", default: "22"),
]

let trainCommand = CommandSpec(
    path: ["train"],
    summary: "Train, calibrate and publish a new model version",
    discussion: """
        Reads labelled examples (CSV, TSV or JSON Lines with a header), trains a logistic
        regression on word and character n-grams, fits a temperature on the calibration
        split, and picks the confidence threshold at which automated decisions reach the
        target accuracy. The new version becomes the model's current one.
        """,
    options: [
        .repeated("data", "FILE", "Labelled training data; repeat for several files"),
        .repeated(
            "calibration", "FILE", "Labelled calibration data; repeat (default: hold out a share)"),
        .value("calibration-share", "S", "Share held out for calibration", default: "0.2"),
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .value("label", "COL", "Column holding the label", default: "label"),
        .value("columns", "COLS", "Input columns, comma-separated (default: all but the label)"),
        .value("ignore", "COLS", "Columns to leave out, comma-separated"),
        .value("weight", "COL", "Column of positive numbers weighting each training example"),
        .value("text", "COLS", "Columns to treat as text (default: typed from the data)"),
        .value("numeric", "COLS", "Columns to treat as numbers"),
        .value("categorical", "COLS", "Columns to treat as categories"),
        .flag("json", "Print the new version's manifest as JSON"),
    ] + learningOptions + deferralOptions,
    run: { arguments, context in
        let data = arguments.values("data")
        guard !data.isEmpty else {
            throw UsageError("'triage train' needs --data FILE", command: arguments.command)
        }
        let name = try context.modelName(arguments)
        if !arguments.values("calibration").isEmpty && arguments.value("calibration-share") != nil {
            throw UsageError(
                "options '--calibration' and '--calibration-share' exclude each other",
                command: arguments.command)
        }
        var settings = try trainingSettings(arguments)
        let labelColumn = arguments.value("label") ?? "label"
        settings.columnKinds = try columnKinds(arguments)
        let chosen = arguments.value("columns").map(list)
        let ignored = Set(arguments.value("ignore").map(list) ?? [])
        let weightColumn = arguments.value("weight")
        for column in settings.columnKinds.keys
        where ignored.contains(column) || column == labelColumn || column == weightColumn {
            let role =
                column == labelColumn
                ? "the label" : column == weightColumn ? "the weight" : "ignored"
            throw UsageError(
                "column '\(column)' cannot be both an input and \(role)", command: arguments.command
            )
        }

        let progress = ProgressLine(enabled: !context.quiet)
        progress.update("reading data", force: true)
        let input = try TrainingInput.fromFiles(
            data: data, calibration: arguments.values("calibration"), labelColumn: labelColumn,
            inputColumns: chosen, ignoring: ignored, weightColumn: weightColumn,
            settings: settings)
        let artifacts = try train(input, settings: settings, progress: progress, context: context)
        try publishAndReport(artifacts, name: name, arguments: arguments, context: context)
    })

/// Publishes a new version and prints its report (or manifest, with `--json`).
func publishAndReport(
    _ artifacts: ModelArtifacts, name: String, arguments: ParsedArguments, context: Context,
    comparedWith previous: ModelManifest? = nil
) throws {
    let registry = context.registry
    let version = try registry.publish(name, artifacts)
    let manifest = try registry.manifest(name, version: version)
    if arguments.flag("json") {
        try printJSON(manifest, to: context.out)
    } else {
        printTrainingReport(manifest, path: registry.versionPath(name, version), to: context.out)
        if let previous { printComparison(old: previous, new: manifest, to: context.out) }
    }
    context.out.flush()
    warnIfNoThreshold(manifest, context)
    rescoreAfterPromotion(name: name, context: context)
}

/// Splits a comma-separated list of column names.
func list(_ text: String) -> [String] {
    text.split(separator: ",").map { String($0) }.filter { !$0.isEmpty }
}

/// Column kinds forced with --text, --numeric and --categorical.
func columnKinds(_ arguments: ParsedArguments) throws -> [String: ColumnKind] {
    var kinds: [String: ColumnKind] = [:]
    for kind in ColumnKind.allCases {
        for column in arguments.value(kind.rawValue).map(list) ?? [] {
            if let other = kinds[column], other != kind {
                throw UsageError(
                    "column '\(column)' is given as both \(other.rawValue) and \(kind.rawValue)",
                    command: arguments.command)
            }
            kinds[column] = kind
        }
    }
    return kinds
}

/// Builds training settings from the learning options.
func trainingSettings(_ arguments: ParsedArguments, base: TrainingSettings = TrainingSettings())
    throws
    -> TrainingSettings
{
    var settings = base
    settings.deferral = try deferralSettings(arguments, base: settings.deferral)
    if let value = try arguments.double("calibration-share") { settings.calibrationShare = value }
    if let value = try arguments.integer("seed") {
        guard value >= 0 else {
            throw UsageError("option '--seed' must not be negative", command: arguments.command)
        }
        settings.seed = UInt64(value)
    }
    if let value = try arguments.double("inverse-regularization") {
        settings.learner.inverseRegularization = value
    }
    if let value = try arguments.choice(
        "calibration-method", CalibrationMethod.allCases.map(\.rawValue))
    {
        settings.calibrationMethod = CalibrationMethod(rawValue: value)
    }
    if let value = try arguments.choice("class-weight", ClassWeighting.allCases.map(\.rawValue)) {
        settings.learner.classWeighting = ClassWeighting(rawValue: value) ?? .none
    }
    if let value = try arguments.integer("max-iterations") {
        settings.learner.maxIterations = value
    }
    if let value = try arguments.double("tolerance") { settings.learner.tolerance = value }
    if let value = try arguments.integer("word-ngrams") { settings.features.wordNgrams = value }
    if let value = try arguments.integer("min-df") {
        settings.features.minDocumentFrequency = value
    }
    if let value = try arguments.integer("hash-bits") { settings.features.hashBits = value }
    if let text = arguments.value("char-ngrams") {
        if text == "off" {
            settings.features.charNgramMin = 0
            settings.features.charNgramMax = 0
        } else {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2 || (parts.count == 1 && !text.contains("-")) else {
                throw UsageError(
                    "option '--char-ngrams' needs MIN-MAX (like 2-5) or 'off', got '\(text)'",
                    command: arguments.command)
            }
            settings.features.charNgramMin = parts[0]
            settings.features.charNgramMax = parts.count == 2 ? parts[1] : parts[0]
        }
    }
    do {
        try settings.validate()
    } catch let error as TriageError {
        throw UsageError(error.description, command: arguments.command)
    }
    return settings
}

/// Trains with a progress line for the optimiser on a terminal, and debug logs of
/// the same elsewhere.
func train(
    _ input: TrainingInput, settings: TrainingSettings, progress: ProgressLine, context: Context
) throws -> ModelArtifacts {
    defer { progress.clear() }
    return try Trainer.train(input, settings: settings) { event in
        switch event {
        case .stage(let name):
            progress.update("\(name): \(input.training.count) examples", force: true)
            context.logger.debug(
                "training stage", ["stage": name, "examples": String(input.training.count)])
        case .optimizer(let step):
            progress.update(
                "optimising: iteration \(step.iteration)  loss \(fixed(step.loss, 5))  "
                    + "gradient \(scientific(step.gradientNorm))")
            context.logger.debug(
                "optimiser iteration",
                [
                    "iteration": String(step.iteration), "loss": fixed(step.loss, 6),
                    "gradient": scientific(step.gradientNorm),
                ])
        case .note(let text):
            progress.clear()
            context.note("triage: note: \(text)")
        }
    }
}

func printTrainingReport(_ manifest: ModelManifest, path: String, to out: Output) {
    let metrics = manifest.metrics
    let training = manifest.training
    out.line("model \(manifest.name) version \(manifest.version)  (\(path))")
    out.line(
        "  trained on \(training.examples) examples, \(manifest.labels.count) labels, "
            + "in \(fixed(training.seconds, 1)) s (\(training.iterations) iterations, \(training.optimizerStop.rawValue))"
    )
    out.line(
        "  calibrated on \(training.calibrationExamples) examples: \(training.calibrationSource)")
    out.line(
        "  inputs: "
            + manifest.inputs.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: ", "))
    out.line("  accuracy                 \(fixed(metrics.accuracy, 4))")
    out.line(
        "  calibration error (ECE)  \(fixed(metrics.calibrationError, 4))  "
            + "(before calibration \(fixed(metrics.calibrationErrorBefore, 4)), "
            + "\(manifest.calibration.summary))")
    printDeferral(manifest.deferral, metrics: metrics, to: out)
}

func warnIfNoThreshold(_ manifest: ModelManifest, _ context: Context) {
    guard manifest.deferral.policy == .threshold, manifest.deferral.threshold == nil else { return }
    context.note(
        "triage: note: no confidence threshold reaches accuracy \(fixed(manifest.deferral.targetAccuracy, 3)) "
            + "on the calibration split, so this version defers every input; label deferred cases "
            + "and retrain, or lower --target-accuracy")
}

func scientific(_ value: Double) -> String {
    guard value > 0, value.isFinite else { return fixed(value, 2) }
    var exponent = 0
    var mantissa = value
    while mantissa >= 10 {
        mantissa /= 10
        exponent += 1
    }
    while mantissa < 1 {
        mantissa *= 10
        exponent -= 1
    }
    return "\(fixed(mantissa, 2))e\(exponent)"
}

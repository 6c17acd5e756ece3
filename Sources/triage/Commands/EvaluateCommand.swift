import FoundationEssentials
import TriageKit

let evaluateCommand = CommandSpec(
    path: ["evaluate"],
    summary: "Measure a model on labelled data: accuracy, calibration, coverage",
    discussion: """
        Classifies labelled examples without touching the review queue and reports
        accuracy, macro precision, recall and F1, calibration error before and after
        calibration, and the coverage and accuracy of automated decisions at the model's
        threshold. Labels the model has never seen count as errors.
        """,
    options: [
        .repeated("data", "FILE", "Labelled data; repeat for several files"),
        .value("model", "NAME", "Model name in the registry", default: "default"),
        .value("version", "N", "Model version (default: the current one)"),
        .value("text", "COL", "Column holding the text, for a model with one text column"),
        .value(
            "label", "COL", "Column holding the label (default: the one the model was trained with)"
        ),
        .value(
            "out-of-scope", "LABEL", "Label of out-of-scope examples, for the threshold protocol"),
        .repeated("tune-on", "FILE", "Labelled data to tune the out-of-scope threshold on; repeat"),
        .flag("json", "Print the figures as one JSON object"),
        .value("report", "PATH", "Also write the figures and charts as an HTML page to PATH"),
    ],
    run: { arguments, context in
        let data = arguments.values("data")
        guard !data.isEmpty else {
            throw UsageError("'triage evaluate' needs --data FILE", command: arguments.command)
        }
        let version = try arguments.integer("version")
        if let version, version < 1 {
            throw UsageError(
                "option '--version' must be a version number, got \(version)",
                command: arguments.command)
        }
        let model = try context.registry.load(try context.modelName(arguments), version: version)
        let inputs = model.classifier.inputs
        let sources = try inputSources(
            inputs: inputs, textOverride: arguments.value("text"), format: .csv,
            command: arguments.command)
        // Files read with the model's columns, whatever the files call them.
        func read(_ paths: [String]) throws -> LabelledExamples {
            var examples = LabelledExamples(columns: inputs.map(\.name))
            for path in paths {
                let part = try LabelledExamples.read(
                    path: path,
                    labelColumn: arguments.value("label") ?? model.manifest.training.labelColumn,
                    inputColumns: sources)
                examples.append(contentsOf: part.renamed(to: inputs.map(\.name)))
            }
            return examples
        }
        let examples = try read(data)
        var evaluation = Evaluation.run(model.classifier, on: examples)

        // The out-of-scope protocol, when asked for.
        let tuneOn = arguments.values("tune-on")
        if let label = arguments.value("out-of-scope") {
            guard !tuneOn.isEmpty else {
                throw UsageError(
                    "option '--out-of-scope' needs --tune-on FILE", command: arguments.command)
            }
            evaluation.outOfScope = OutOfScopeEvaluation.run(
                model.classifier, tuning: try read(tuneOn), test: examples, label: label)
        } else if !tuneOn.isEmpty {
            throw UsageError(
                "option '--tune-on' needs --out-of-scope LABEL", command: arguments.command)
        }

        if arguments.flag("json") {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            context.out.write(Array(try encoder.encode(evaluation)) + [0x0a])
        } else {
            printEvaluation(evaluation, model: model.manifest, to: context.out)
        }
        context.out.flush()

        if let path = arguments.value("report") {
            let page = HTMLReport.render(
                evaluation, model: model.manifest, dataDescription: data.joined(separator: ", "),
                generatedAt: Date.now.formatted(.iso8601))
            try HTMLReport.write(page, to: path)
            context.note("triage: wrote the report to \(path)")
        }
    })

func printEvaluation(_ evaluation: Evaluation, model: ModelManifest, to out: Output) {
    out.line(
        "model \(model.name) version \(model.version) on \(evaluation.examples) examples"
            + (evaluation.unknownLabels > 0
                ? " (\(evaluation.unknownLabels) with labels it does not know)" : ""))
    out.line("  accuracy                 \(fixed(evaluation.accuracy, 4))")
    out.line(
        "  macro precision/recall/F1  \(fixed(evaluation.macroPrecision, 4)) / "
            + "\(fixed(evaluation.macroRecall, 4)) / \(fixed(evaluation.macroF1, 4))")
    out.line(
        "  calibration error (ECE)  \(fixed(evaluation.calibrationError, 4))  "
            + "(before calibration \(fixed(evaluation.calibrationErrorBefore, 4)))")
    out.line(
        "  log-loss, Brier score    "
            + (evaluation.negativeLogLikelihood.map { fixed($0, 4) } ?? "— (no known labels)")
            + ", \(fixed(evaluation.brierScore, 4))")
    if let threshold = evaluation.threshold {
        out.line(
            "  at threshold \(probabilityText(threshold)): coverage \(percent(evaluation.coverage)), "
                + "deferred \(percent(1 - evaluation.coverage)), automated accuracy "
                + (evaluation.automatedAccuracy.map { fixed($0, 4) } ?? "—")
                + " (target \(fixed(model.deferral.targetAccuracy, 4)))")
    } else {
        out.line("  no threshold: every input is deferred")
    }
    if let scope = evaluation.outOfScope {
        out.line(
            "  out of scope (\"\(scope.label)\"): threshold \(probabilityText(scope.threshold)) "
                + "tuned to accuracy \(fixed(scope.tuningAccuracy, 4))")
        out.line(
            "    in-scope accuracy \(fixed(scope.inScopeAccuracy, 4)) on \(scope.inScopeExamples), "
                + "out-of-scope recall \(fixed(scope.outOfScopeRecall, 4)) on \(scope.outOfScopeExamples), "
                + "accuracy \(fixed(scope.accuracy, 4))")
    }
    if evaluation.perLabel.count <= 10 {
        out.line("  per label (precision / recall / F1, support):")
        for figures in evaluation.perLabel {
            out.line(
                "    \(column(figures.label, 24)) \(fixed(figures.precision, 4)) / "
                    + "\(fixed(figures.recall, 4)) / \(fixed(figures.f1, 4)), \(figures.support)")
        }
    }
    if !evaluation.confusions.isEmpty {
        out.line("  most frequent mistakes (true → predicted):")
        for confusion in evaluation.confusions.prefix(5) {
            out.line(
                "    \(column(String(confusion.count), 4, right: true))  \(confusion.truth) → \(confusion.predicted)"
            )
        }
    }
}

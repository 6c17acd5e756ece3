import Testing

@testable import TriageKit

/// `ModelManifest.diff(to:)` on two hand-made manifests.
@Suite struct ManifestDiffTests {
    /// Version 1: two text and numeric inputs, three labels, three reviewed cases.
    private func versionOne() -> ModelManifest {
        var deferral = DeferralRule(targetAccuracy: 0.95, threshold: 0.875)
        deferral.familiarityFloor = 0.25
        return ModelManifest(
            format: 1, name: "tickets", version: 1, createdAt: "2026-12-01T10:00:00Z",
            parentVersion: nil, triageVersion: "0.1.0",
            labels: ["alarm", "timer", "translate"],
            inputs: [
                InputColumn(name: "text", kind: .text),
                InputColumn(name: "amount", kind: .numeric, mean: 12.5, deviation: 2),
            ],
            features: TextFeatureSettings(charNgramMin: 2, charNgramMax: 5),
            learner: LogisticRegressionSettings(),
            calibration: ModelManifest.Calibration(.temperature(0.75)),
            deferral: deferral,
            training: ModelManifest.Training(
                sources: [
                    ModelManifest.DataSource(path: "train.csv", rows: 100, contentHash: "aaaa"),
                    ModelManifest.DataSource(path: "extra.csv", rows: 10, contentHash: "cccc"),
                    ModelManifest.DataSource(path: "val.csv", rows: 30, contentHash: "eeee"),
                ],
                calibrationSource: "val.csv", labelColumn: "label", examples: 113,
                calibrationExamples: 30,
                reviewedCases: [
                    ModelManifest.ReviewedCase(id: 1, label: "alarm"),
                    ModelManifest.ReviewedCase(id: 2, label: "timer"),
                    ModelManifest.ReviewedCase(id: 3, label: "alarm"),
                ],
                seed: 0, iterations: 40, optimizerStop: .gradientTolerance, finalLoss: 0.25,
                seconds: 1.5),
            metrics: ModelManifest.Metrics(
                accuracy: 0.875, calibrationErrorBefore: 0.0625, calibrationError: 0.03125,
                negativeLogLikelihoodBefore: 0.5, negativeLogLikelihood: 0.375,
                brierScore: 0.125, coverage: 0.75, automatedAccuracy: 0.96875))
    }

    /// Version 2, retrained from 1 with a file changed, one added and one dropped,
    /// reviewed cases added, dropped and relabelled, and several settings changed.
    private func versionTwo() -> ModelManifest {
        var manifest = versionOne()
        manifest.version = 2
        manifest.parentVersion = 1
        manifest.createdAt = "2026-12-02T10:00:00Z"
        manifest.labels = ["alarm", "oos", "timer"]
        manifest.inputs[0].kind = .categorical
        manifest.features.wordNgrams = 1
        manifest.learner.inverseRegularization = 10
        manifest.calibration = ModelManifest.Calibration(.temperature(0.5))
        manifest.deferral.threshold = 0.8125
        manifest.deferral.confidence = 0.9
        manifest.training.sources = [
            ModelManifest.DataSource(path: "train.csv", rows: 104, contentHash: "bbbb"),
            ModelManifest.DataSource(path: "val.csv", rows: 30, contentHash: "eeee"),
            ModelManifest.DataSource(path: "new.csv", rows: 7, contentHash: "dddd"),
        ]
        manifest.training.examples = 114
        manifest.training.reviewedCases = [
            ModelManifest.ReviewedCase(id: 2, label: "timer"),
            ModelManifest.ReviewedCase(id: 3, label: "oos"),
            ModelManifest.ReviewedCase(id: 5, label: "oos"),
            ModelManifest.ReviewedCase(id: 4, label: "oos"),
        ]
        manifest.training.seed = 7
        // Results of the optimiser and the verdict are neither data nor settings.
        manifest.training.iterations = 55
        manifest.training.seconds = 2.25
        manifest.training.finalLoss = 0.125
        manifest.promotion = ModelManifest.Promotion(
            champion: 1, rule: "if-better", metric: "accuracy", tolerance: 0.005,
            championScore: 0.875, challengerScore: 0.90625, evaluationSources: ["val.csv"],
            evaluationExamples: 30, heldBackCases: [], promoted: true, reason: "better")
        manifest.metrics.accuracy = 0.90625
        manifest.metrics.coverage = 0.5
        manifest.metrics.automatedAccuracy = nil
        return manifest
    }

    @Test func dataChangesPairFilesByPathAndCasesById() throws {
        let diff = try versionOne().diff(to: versionTwo())
        let data = diff.data
        #expect(data.examples == .init(a: 113, b: 114))
        #expect(!data.calibrationExamples.changed)
        #expect(!data.calibrationSource.changed)
        #expect(
            data.sourcesAdded == [
                ModelManifest.DataSource(path: "new.csv", rows: 7, contentHash: "dddd")
            ])
        #expect(
            data.sourcesRemoved == [
                ModelManifest.DataSource(path: "extra.csv", rows: 10, contentHash: "cccc")
            ])
        #expect(
            data.sourcesChanged == [
                ManifestDiff.SourceChange(
                    path: "train.csv",
                    a: ModelManifest.DataSource(path: "train.csv", rows: 100, contentHash: "aaaa"),
                    b: ModelManifest.DataSource(path: "train.csv", rows: 104, contentHash: "bbbb"))
            ])
        #expect(data.reviewedCases == .init(a: 3, b: 4))
        #expect(
            data.reviewedCasesAdded == [
                ModelManifest.ReviewedCase(id: 4, label: "oos"),
                ModelManifest.ReviewedCase(id: 5, label: "oos"),
            ])
        #expect(data.reviewedCasesRemoved == [ModelManifest.ReviewedCase(id: 1, label: "alarm")])
        #expect(data.answersChanged == [ManifestDiff.AnswerChange(id: 3, a: "alarm", b: "oos")])
        #expect(!data.isUnchanged)
        #expect(
            diff.a
                == ManifestDiff.Version(
                    version: 1, createdAt: "2026-12-01T10:00:00Z", code: "triage 0.1.0"))
        #expect(
            diff.b
                == ManifestDiff.Version(
                    version: 2, createdAt: "2026-12-02T10:00:00Z", parentVersion: 1,
                    code: "triage 0.1.0"))
    }

    @Test func settingsAreComparedFieldByFieldAndLabelsAsSets() throws {
        let settings = try versionOne().diff(to: versionTwo()).settings
        #expect(settings.labelsAdded == ["oos"])
        #expect(settings.labelsRemoved == ["translate"])
        #expect(
            settings.changed.map {
                "\($0.path): \($0.a?.description ?? "none") → \($0.b?.description ?? "none")"
            }
                == [
                    "calibration.temperature: 0.75 → 0.5",
                    "deferral.confidence: none → 0.9",
                    "deferral.threshold: 0.875 → 0.8125",
                    "features.word_ngrams: 2 → 1",
                    "inputs.text.kind: text → categorical",
                    "learner.inverse_regularization: 100 → 10",
                    "training.seed: 0 → 7",
                ])
        #expect(settings.changed[1].a == nil)
        #expect(settings.changed[1].b == .number("0.9"))
        #expect(settings.changed[4].b == .string("categorical"))
    }

    @Test func everyMetricIsListedWithItsChange() throws {
        let metrics = try versionOne().diff(to: versionTwo()).metrics
        #expect(
            metrics.map(\.name) == [
                "accuracy", "automated_accuracy", "brier_score", "calibration_error",
                "calibration_error_before", "coverage", "negative_log_likelihood",
                "negative_log_likelihood_before",
            ])
        #expect(metrics[0] == ManifestDiff.MetricChange(name: "accuracy", a: 0.875, b: 0.90625))
        #expect(metrics[0].change == 0.03125)
        #expect(metrics[1].a == 0.96875)
        #expect(metrics[1].b == nil)
        #expect(metrics[1].change == nil)
        #expect(metrics[5].change == -0.25)
        #expect(metrics[2].change == 0)
    }

    @Test func aVersionAgainstItselfHasNoChange() throws {
        var manifest = versionTwo()
        manifest.training.seed = UInt64.max
        let diff = try manifest.diff(to: manifest)
        #expect(diff.isUnchanged)
        #expect(diff.data.isUnchanged && diff.settings.isUnchanged)
        #expect(diff.metrics.count == 7)  // automated accuracy is absent from both.

        // Seeds beyond what a Double holds exactly still compare exactly.
        var other = manifest
        other.training.seed = UInt64.max - 1
        #expect(
            try manifest.diff(to: other).settings.changed == [
                ManifestDiff.SettingChange(
                    path: "training.seed", a: .number("18446744073709551615"),
                    b: .number("18446744073709551614"))
            ])
    }

    @Test func theJSONFormWritesMissingSidesAsNull() throws {
        let json = String(
            decoding: try versionOne().diff(to: versionTwo()).jsonBytes(), as: UTF8.self)
        #expect(json.contains(#"{"a":null,"b":0.9,"path":"deferral.confidence"}"#))
        #expect(
            json.contains(#"{"a":0.96875,"b":null,"change":null,"name":"automated_accuracy"}"#))
        #expect(json.contains(#""labels_added":["oos"]"#))

        // One line, as every JSON output of the command line.
        #expect(json.hasSuffix("}\n"))
        #expect(json.filter { $0 == "\n" }.count == 1)
    }
}

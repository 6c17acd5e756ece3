import Testing

@testable import TriageKit

/// A manifest with everything the report reads.
private func manifest(labels: [String], threshold: Double?) -> ModelManifest {
    ModelManifest(
        format: ModelManifest.currentFormat, name: "support <desk>", version: 3,
        createdAt: "2025-01-02T03:04:05Z", parentVersion: nil, triageVersion: "0.1.0",
        labels: labels, inputs: [InputColumn(name: "text", kind: .text)],
        features: TextFeatureSettings(),
        learner: LogisticRegressionSettings(),
        calibration: .init(.temperature(1.5)),
        deferral: .init(targetAccuracy: 0.95, threshold: threshold),
        training: .init(
            sources: [], calibrationSource: "test", labelColumn: "label", examples: 10,
            calibrationExamples: 10,
            reviewedCases: [], seed: 0, iterations: 1, optimizerStop: .gradientTolerance,
            finalLoss: 0, seconds: 0),
        metrics: .init(
            accuracy: 1, calibrationErrorBefore: 0, calibrationError: 0,
            negativeLogLikelihoodBefore: 0, negativeLogLikelihood: 0, brierScore: 0,
            coverage: 1, automatedAccuracy: 1))
}

/// An evaluation built around a confusion matrix: per-label figures and mistakes
/// follow from it, the curves are plausible stand-ins.
private func evaluation(_ matrix: ConfusionMatrix, threshold: Double? = 0.6) -> Evaluation {
    let columnOf = Dictionary(
        uniqueKeysWithValues: matrix.predictions.enumerated().map { ($1, $0) })
    var perLabel: [Evaluation.LabelFigures] = []
    for (column, label) in matrix.predictions.enumerated() {
        let row = matrix.truths.firstIndex(of: label)
        let support = row.map { matrix.counts[$0].reduce(0, +) } ?? 0
        let right = row.map { matrix.counts[$0][column] } ?? 0
        let predicted = matrix.counts.reduce(0) { $0 + $1[column] }
        let precision = predicted == 0 ? 0 : Double(right) / Double(predicted)
        let recall = support == 0 ? 0 : Double(right) / Double(support)
        let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        perLabel.append(
            .init(
                label: label, precision: precision, recall: recall, f1: f1, support: support))
    }
    var confusions: [Evaluation.Confusion] = []
    var examples = 0
    var correct = 0
    var unknown = 0
    for (row, truth) in matrix.truths.enumerated() {
        for (column, count) in matrix.counts[row].enumerated() {
            examples += count
            if columnOf[truth] == nil { unknown += count }
            if matrix.predictions[column] == truth {
                correct += count
            } else if count > 0 {
                confusions.append(
                    .init(
                        truth: truth, predicted: matrix.predictions[column], count: count))
            }
        }
    }
    confusions.sort { $0.count > $1.count }
    let bins = (0..<15).map { (bin: Int) -> ReliabilityBin in
        let lower = Double(bin) / 15
        return ReliabilityBin(
            lower: lower, upper: lower + 1.0 / 15, count: bin * 3,
            meanConfidence: lower + 0.5 / 15, accuracy: lower)
    }
    let curve = (1...20).map { (step: Int) -> RiskCoveragePoint in
        let coverage = Double(step) / 20
        return RiskCoveragePoint(
            coverage: coverage, risk: 0.2 * coverage * coverage, threshold: 1 - coverage)
    }
    let accuracy = Double(correct) / Double(max(1, examples))
    return Evaluation(
        examples: examples, unknownLabels: unknown, accuracy: accuracy,
        macroPrecision: 0.8, macroRecall: 0.7, macroF1: 0.75,
        calibrationErrorBefore: 0.08, calibrationError: 0.02,
        adaptiveCalibrationErrorBefore: 0.09, adaptiveCalibrationError: 0.03,
        negativeLogLikelihoodBefore: 0.9, negativeLogLikelihood: 0.7,
        brierScoreBefore: 0.3, brierScore: 0.25, riskCoverageArea: 0.05,
        policy: .threshold, threshold: threshold, coverage: threshold == nil ? 0 : 0.7,
        automatedAccuracy: threshold == nil ? nil : 0.96, deferredByReason: [:],
        perLabel: perLabel,
        confusions: Array(confusions.prefix(20)), reliabilityBefore: bins,
        reliability: bins, riskCoverage: curve, confusionMatrix: matrix)
}

/// `labelCount` labels with 20 examples each, all right, plus the given mistakes, and
/// optionally 30 examples of the unknown label `oos` spread over the first labels.
private func matrix(
    labelCount: Int, mistakes: [(Int, Int, Int)], unknown: Bool
) -> ConfusionMatrix {
    let labels = (0..<labelCount).map { "label_\($0)" }
    var counts = (0..<labelCount).map { row in
        (0..<labelCount).map { $0 == row ? 20 : 0 }
    }
    for (truth, predicted, count) in mistakes {
        counts[truth][predicted] += count
        counts[truth][truth] -= count
    }
    var truths = labels
    if unknown {
        truths.append("oos")
        counts.append((0..<labelCount).map { $0 < 10 ? 3 : 0 })
    }
    return ConfusionMatrix(truths: truths, predictions: labels, counts: counts)
}

private func occurrences(of needle: String, in text: String) -> Int {
    text.split(separator: needle, omittingEmptySubsequences: false).count - 1
}

/// The text between `start` and the next `end` after it.
private func slice(_ text: String, from start: String, to end: String) -> Substring? {
    guard let lower = text.range(of: start)?.upperBound,
        let upper = text[lower...].range(of: end)?.lowerBound
    else { return nil }
    return text[lower..<upper]
}

@Suite struct HTMLReportTests {
    /// A small model trained on labels full of markup characters, evaluated on its
    /// own data plus a label it has never seen.
    static func trainedPage() throws -> (page: String, evaluation: Evaluation) {
        let examples: [(String, String)] = [
            ("make the text bold", "<b>bold</b>"), ("bold font please", "<b>bold</b>"),
            ("heavier bold letters", "<b>bold</b>"), ("bold the title", "<b>bold</b>"),
            ("research budget review", "R&D"), ("laboratory experiment results", "R&D"),
            ("research lab funding", "R&D"), ("new experiment in the lab", "R&D"),
            ("greet the team", "say \"hi\""), ("say hello to everyone", "say \"hi\""),
            ("hello and welcome", "say \"hi\""), ("greet the new people", "say \"hi\""),
        ]
        let data = LabelledExamples(texts: examples.map(\.0), labels: examples.map(\.1))
        let artifacts = try Trainer.train(
            TrainingInput(
                training: data, calibration: data, sources: [],
                calibrationSource: "the training data"),
            settings: TrainingSettings(
                features: TextFeatureSettings(hashBits: 12, wordNgrams: 1),
                deferral: DeferralSettings(targetAccuracy: 0.9)))
        var test = data
        test.append(
            contentsOf: LabelledExamples(
                texts: ["bold research greeting", "what is the weather"],
                labels: ["it's new", "it's new"]))
        let evaluation = Evaluation.run(artifacts.classifier, on: test)
        var model = artifacts.manifest
        model.name = "tiny"
        model.version = 1
        let page = HTMLReport.render(
            evaluation, model: model, dataDescription: "a & b <test>.csv",
            generatedAt: "2025-01-02T03:04:05Z")
        return (page, evaluation)
    }

    @Test func thePageIsOneSelfContainedDocumentWithThreeCharts() throws {
        let (page, _) = try Self.trainedPage()
        #expect(page.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(page.hasSuffix("</html>\n"))
        #expect(occurrences(of: "<html", in: page) == 1)
        #expect(occurrences(of: "<body>", in: page) == 1)
        #expect(occurrences(of: "<svg ", in: page) == 3)
        #expect(occurrences(of: "</svg>", in: page) == 3)
        #expect(occurrences(of: "<style>", in: page) == 1)
        for outside in ["<script", "<link", "<img", "src=", "href=", "@import", "url("] {
            #expect(!page.contains(outside), "\(outside) reaches outside the page")
        }
        for heading in [
            "Reliability diagram", "Risk–coverage curve", "Confusion heat map",
            "Most frequent mistakes", "Per label, worst F1 first",
        ] {
            #expect(page.contains("<h2>\(heading)</h2>"))
        }
    }

    @Test func labelsNamesAndPathsAreEscaped() throws {
        let (page, evaluation) = try Self.trainedPage()
        #expect(evaluation.unknownLabels == 2)
        #expect(page.contains("&lt;b&gt;bold&lt;/b&gt;"))
        #expect(page.contains("R&amp;D"))
        #expect(page.contains("say &quot;hi&quot;"))
        #expect(page.contains("it&#39;s new"))
        #expect(page.contains("a &amp; b &lt;test&gt;.csv"))
        #expect(!page.contains("<b>"))
        #expect(!page.contains("R&D"))
        #expect(!page.contains("\"hi\""))
        #expect(!page.contains("<test>"))
        #expect(HTMLReport.escape("a\u{0}b\tc") == "a\u{FFFD}b\tc")
    }

    @Test func theOperatingPointIsMarkedAtTheThreshold() throws {
        let labels = ["a", "b", "c"]
        let page = HTMLReport.render(
            evaluation(matrix(labelCount: 3, mistakes: [(0, 1, 4)], unknown: false)),
            model: manifest(labels: labels, threshold: 0.6), dataDescription: "test",
            generatedAt: "now")
        #expect(
            page.contains(
                "<title>operating point: threshold 0.6000: coverage 70.0%, "
                    + "risk 0.0400</title><circle"))
        #expect(page.contains("target: risk 0.0500 (accuracy 0.9500)"))

        let deferring = HTMLReport.render(
            evaluation(matrix(labelCount: 3, mistakes: [], unknown: false), threshold: nil),
            model: manifest(labels: labels, threshold: nil), dataDescription: "test",
            generatedAt: "now")
        #expect(!deferring.contains("operating point:"))
        #expect(deferring.contains("no operating point is marked"))
        #expect(deferring.contains("none: every input is deferred"))
    }

    @Test func thePerLabelTableIsSortedByF1Ascending() throws {
        // Label i loses i of its 20 examples to the next label, so F1 differs.
        let mistakes = [(1, 2, 6), (2, 3, 1), (3, 4, 9), (4, 0, 3), (5, 0, 12)]
        let shown = evaluation(matrix(labelCount: 8, mistakes: mistakes, unknown: false))
        let page = HTMLReport.render(
            shown, model: manifest(labels: [], threshold: 0.6), dataDescription: "test",
            generatedAt: "now")
        let table = try #require(slice(page, from: "<table class=\"labels\">", to: "</table>"))
        let rows = table.split(separator: "<tr><td>").dropFirst()
        #expect(rows.count == 8)
        let f1s = rows.map { row -> Double in
            let cells = row.split(separator: "</td><td>")
            return Double(cells[3]) ?? -1
        }
        #expect(f1s == f1s.sorted(), "\(f1s)")
        let expected = shown.perLabel.sorted { ($0.f1, $0.label) < ($1.f1, $1.label) }
        #expect(rows.map { String($0.prefix { $0 != "<" }) } == expected.map(\.label))
    }

    @Test func theHeatMapKeepsTheMostConfusedLabelsWhenThereAreMany() throws {
        // 60 labels; 40 of them are involved in mistakes, more than fit.
        let mistakes = (0..<20).map { (2 * $0 + 20, 2 * $0 + 21, 1 + $0 % 5) }
        let confusion = matrix(labelCount: 60, mistakes: mistakes, unknown: true)
        let focus = ConfusionFocus(confusion, limit: HTMLReport.heatMapLabelLimit)
        #expect(focus.isPartial)
        #expect(focus.rows.count <= 30)
        #expect(focus.columns.count == focus.rows.count - 1)
        #expect(focus.labelCount == 61)
        #expect(focus.rows.last?.label == "oos")
        #expect(focus.rows.last?.known == false)
        let shown = Set(focus.rows.map(\.label))
        // Labels without mistakes between known labels stay out, even those that
        // examples of oos were taken for.
        for index in 0..<20 { #expect(!shown.contains("label_\(index)")) }
        // The heaviest confusion is in, its pair side by side.
        let order = focus.columns.map { confusion.predictions[$0] }
        let truth = try #require(order.firstIndex(of: "label_28"))
        #expect(order[truth + 1] == "label_29" || order[truth - 1] == "label_29")

        let page = HTMLReport.render(
            evaluation(confusion),
            model: manifest(
                labels: confusion.predictions,
                threshold: 0.6),
            dataDescription: "test", generatedAt: "now")
        let svg = try #require(slice(page, from: "<h2>Confusion heat map</h2>", to: "</svg>"))
        #expect(occurrences(of: "rotate(-60)", in: String(svg)) == focus.columns.count)
        #expect(svg.contains("font-style=\"italic\">oos</text>"))
        #expect(svg.contains("<title>label_28 → label_29: 5 (25.0% of label_28)</title>"))
        #expect(
            page.contains(
                "Only the \(focus.rows.count) labels involved in the most "
                    + "mistakes are shown, out of 61"))
    }

    @Test func theHeatMapShowsEveryLabelWhenTheyFit() {
        let confusion = matrix(labelCount: 4, mistakes: [(0, 1, 2)], unknown: true)
        let focus = ConfusionFocus(confusion, limit: 30)
        #expect(!focus.isPartial)
        #expect(focus.columns == [0, 1, 2, 3])
        #expect(focus.rows.map(\.label) == ["label_0", "label_1", "label_2", "label_3", "oos"])
        #expect(focus.totalMistakes == 2 + 4 * 3)
        #expect(focus.shownMistakes == focus.totalMistakes)
    }

    @Test func aReportFor150LabelsStaysLight() {
        // Every label confuses a little with its two neighbours.
        var mistakes: [(Int, Int, Int)] = []
        for label in 0..<150 {
            mistakes.append((label, (label + 1) % 150, 1 + label % 3))
            mistakes.append((label, (label + 7) % 150, 1))
        }
        let confusion = matrix(labelCount: 150, mistakes: mistakes, unknown: true)
        let page = HTMLReport.render(
            evaluation(confusion),
            model: manifest(
                labels: confusion.predictions,
                threshold: 0.6),
            dataDescription: "test", generatedAt: "now")
        #expect(page.utf8.count < 300_000, "\(page.utf8.count) bytes")
    }

    @Test func numbersAreFormattedForReading() {
        #expect(HTMLReport.fixed(0.91234, 3) == "0.912")
        #expect(HTMLReport.fixed(-0.00001, 4) == "0.0000")
        #expect(HTMLReport.fixed(2.5, 0) == "3")
        #expect(HTMLReport.fixed(.nan, 4) == "n/a")
        #expect(HTMLReport.percent(0.8234) == "82.3%")
        #expect(HTMLReport.grouped(999) == "999")
        #expect(HTMLReport.grouped(15_000) == "15,000")
        #expect(HTMLReport.grouped(1_234_567) == "1,234,567")
        #expect(HTMLReport.number(12.0) == "12")
        #expect(HTMLReport.number(12.34) == "12.3")
        for (value, top, step) in [(0.27, 0.3, 0.1), (0.054, 0.06, 0.02), (3.0, 3.0, 1.0)] {
            let axis = HTMLReport.niceAxis(value)
            #expect(abs(axis.top - top) < 1e-9 && abs(axis.step - step) < 1e-9, "\(axis)")
        }
        #expect(HTMLReport.shortCount(3674) == "3674")
        #expect(HTMLReport.shortCount(12_500) == "12k")
    }

    @Test func writeReplacesTheFileInPlace() throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/report.html"
        try HTMLReport.write("<!DOCTYPE html>\nfirst\n", to: path)
        try HTMLReport.write("<!DOCTYPE html>\nsecond é\n", to: path)
        #expect(try FileIO.read(path) == Array("<!DOCTYPE html>\nsecond é\n".utf8))
        #expect(FileIO.contents(of: folder.path) == ["report.html"])
        let missing = folder.path + "/missing/report.html"
        let error = #expect(throws: TriageError.self) {
            try HTMLReport.write("x", to: missing)
        }
        #expect(error?.code == .io)
        #expect(error?.location?.file == missing)
    }
}

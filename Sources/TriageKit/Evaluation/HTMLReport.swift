/// An evaluation as one self-contained HTML page, to read in a browser or print.
///
/// The page needs nothing beside itself: the styles sit in an inline `<style>`, the
/// charts are inline `<svg>`, and there is no script, font or image to fetch. It
/// shows the model and data, the headline figures, a reliability diagram before and
/// after calibration, the risk–coverage curve with the model's operating point, a
/// confusion heat map of the most confused labels, the most frequent mistakes and
/// every label's precision, recall and F1, worst first.
///
/// ```swift
/// let evaluation = Evaluation.run(classifier, on: examples)
/// let page = HTMLReport.render(
///     evaluation, model: manifest, dataDescription: "test.csv",
///     generatedAt: "2025-01-01T00:00:00Z")
/// try HTMLReport.write(page, to: "report.html")
/// ```
///
/// Every piece of text that comes from data or from the model (labels, names,
/// paths) is escaped, so labels such as `<b>` or `R&D` show as written.
public enum HTMLReport {
    /// The most labels the confusion heat map shows; the rest are left out.
    static let heatMapLabelLimit = 30

    /// Renders the page.
    ///
    /// - Parameters:
    ///   - evaluation: the figures and curves to show.
    ///   - model: the evaluated model's manifest, for its name, version, target
    ///     accuracy and calibration.
    ///   - dataDescription: where the examples came from, shown as given.
    ///   - generatedAt: when the report was made, shown as given.
    /// - Returns: the page, a complete HTML5 document.
    /// - Complexity: O(labels² + examples shown in the curves); a few hundred
    ///   kilobytes for 150 labels.
    public static func render(
        _ evaluation: Evaluation, model: ModelManifest, dataDescription: String,
        generatedAt: String
    ) -> String {
        let title = "Evaluation of \(model.name) version \(model.version)"
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>\(styleSheet)</style>
            </head>
            <body>
            <main>

            """

        page += header(
            evaluation, model: model, title: title,
            dataDescription: dataDescription, generatedAt: generatedAt)
        page += headlineFigures(evaluation, model: model)
        page += reliabilitySection(evaluation, model: model)
        page += riskCoverageSection(evaluation, model: model)
        page += confusionSection(evaluation)
        page += mistakesSection(evaluation)
        page += perLabelSection(evaluation)

        page += """
            <footer>Made by Triage \(escape(TriageVersion.current)). \
            Rates are shares between 0 and 1; percentages are of all evaluated \
            examples unless said otherwise.</footer>
            </main>
            </body>
            </html>

            """
        return page
    }

    /// Writes a rendered page to `path`, replacing any file there atomically: a
    /// temporary sibling is written, flushed and renamed into place, so readers see
    /// the old page or the new one, never half of one.
    ///
    /// - Throws: `TriageError` with code `.io`, naming `path`, when the folder cannot
    ///   be written.
    public static func write(_ page: String, to path: String) throws {
        do {
            try FileIO.replace(path, with: Array(page.utf8))
        } catch var error as TriageError where error.code == .io {
            // The failure may name the temporary sibling; the user knows the path.
            error.location = SourceLocation(file: path)
            error.remedy = error.remedy ?? "check that the folder exists and is writable"
            throw error
        }
    }

    // MARK: - Sections

    /// The title and what was evaluated: model, data, target, threshold, calibration.
    static func header(
        _ evaluation: Evaluation, model: ModelManifest, title: String,
        dataDescription: String, generatedAt: String
    ) -> String {
        var examples = "\(grouped(evaluation.examples))"
        if evaluation.unknownLabels > 0 {
            examples +=
                ", of which \(grouped(evaluation.unknownLabels)) "
                + "(\(percent(share(evaluation.unknownLabels, of: evaluation.examples)))) "
                + "have labels the model does not know; they count as errors"
        }
        let threshold =
            evaluation.threshold.map { fixed($0, 4) }
            ?? "none: every input is deferred"
        let rows: [(String, String)] = [
            (
                "Model",
                "\(escape(model.name)) version \(model.version), "
                    + "\(model.labels.count) labels, trained \(escape(model.createdAt))"
            ),
            ("Data", escape(dataDescription)),
            ("Examples", examples),
            ("Target accuracy", fixed(model.deferral.targetAccuracy, 4)),
            ("Confidence threshold", threshold),
            ("Calibration", escape(model.calibration.summary)),
            ("Generated", escape(generatedAt)),
        ]
        var html = "<header>\n<h1>\(escape(title))</h1>\n<dl class=\"meta\">\n"
        for (name, value) in rows {
            html += "<dt>\(name)</dt><dd>\(value)</dd>\n"
        }
        return html + "</dl>\n</header>\n"
    }

    /// Cards for accuracy, macro F1, coverage, automated accuracy and AURC, then a
    /// table of the calibration figures before and after.
    static func headlineFigures(_ evaluation: Evaluation, model: ModelManifest) -> String {
        let target = model.deferral.targetAccuracy
        var html = "<section>\n<h2>Headline figures</h2>\n<div class=\"cards\">\n"

        // Accuracy and the macro averages.
        html += card(
            "Accuracy", fixed(evaluation.accuracy, 4),
            "\(percent(evaluation.accuracy)) of \(grouped(evaluation.examples)) examples")
        let labelsWithExamples = evaluation.perLabel.filter { $0.support > 0 }.count
        html += card(
            "Macro F1", fixed(evaluation.macroF1, 4),
            "precision \(fixed(evaluation.macroPrecision, 4)), "
                + "recall \(fixed(evaluation.macroRecall, 4)); mean over "
                + "\(labelsWithExamples) labels with examples")

        // Deferral at the threshold.
        if let threshold = evaluation.threshold {
            html += card(
                "Coverage at threshold", percent(evaluation.coverage),
                "decided automatically at confidence ≥ \(fixed(threshold, 4)); "
                    + "\(percent(1 - evaluation.coverage)) go to people")
            if let automated = evaluation.automatedAccuracy {
                let met = automated >= target
                html += card(
                    "Automated accuracy", fixed(automated, 4),
                    (met ? "meets" : "misses") + " the target \(fixed(target, 4))",
                    status: met ? "good" : "bad")
            } else {
                html += card("Automated accuracy", "—", "no decision was automated")
            }
        } else {
            html += card(
                "Coverage", percent(0), "no threshold: every input is deferred",
                status: "bad")
        }
        html += card(
            "Risk–coverage area", fixed(evaluation.riskCoverageArea, 4),
            "AURC: mean error rate over every coverage level; lower is better")
        html += "</div>\n"

        // Calibration, before and after.
        var calibration: [(String, Double, Double)] = [
            (
                "Expected calibration error (15 equal-width bins)",
                evaluation.calibrationErrorBefore, evaluation.calibrationError
            ),
            (
                "Adaptive calibration error (15 equal-count bins)",
                evaluation.adaptiveCalibrationErrorBefore, evaluation.adaptiveCalibrationError
            ),
        ]
        if let before = evaluation.negativeLogLikelihoodBefore,
            let after = evaluation.negativeLogLikelihood
        {
            calibration.append(("Log-loss of the true label", before, after))
        }
        calibration.append(("Brier score", evaluation.brierScoreBefore, evaluation.brierScore))
        html += """
            <table class="calibration">
            <caption>Calibration, lower is better. Log-loss leaves out examples whose \
            label the model does not know; the Brier score counts them as wrong.</caption>
            <thead><tr><th>Figure</th><th>Before calibration</th><th></th>\
            <th>After calibration</th><th>Change</th></tr></thead>
            <tbody>

            """
        for (name, before, after) in calibration {
            let change = after - before
            let status = change < 0 ? "good" : (change > 0 ? "bad" : "")
            html +=
                "<tr><td>\(name)</td><td>\(fixed(before, 4))</td><td>→</td>"
                + "<td>\(fixed(after, 4))</td>"
                + "<td class=\"\(status)\">\(change > 0 ? "+" : "")\(fixed(change, 4))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n</section>\n"
    }

    /// A headline figure: its name, its value large, a note, and an optional status
    /// class (`good` or `bad`) colouring the value.
    static func card(
        _ name: String, _ value: String, _ note: String, status: String = ""
    ) -> String {
        "<div class=\"card\"><div class=\"name\">\(name)</div>"
            + "<div class=\"value \(status)\">\(value)</div>"
            + "<div class=\"note\">\(note)</div></div>\n"
    }

    /// The most frequent mistakes, those between known labels apart from those of
    /// labels the model does not know.
    static func mistakesSection(_ evaluation: Evaluation) -> String {
        let matrix = evaluation.confusionMatrix
        var html = "<section>\n<h2>Most frequent mistakes</h2>\n"

        // Every mistake, from the matrix, most frequent first.
        let known = Set(matrix.predictions)
        var support: [String: Int] = [:]
        var mistakes: [Evaluation.Confusion] = []
        for (row, truth) in matrix.truths.enumerated() {
            support[truth] = matrix.counts[row].reduce(0, +)
            for (column, count) in matrix.counts[row].enumerated()
            where count > 0 && matrix.predictions[column] != truth {
                mistakes.append(
                    Evaluation.Confusion(
                        truth: truth, predicted: matrix.predictions[column], count: count))
            }
        }
        guard !mistakes.isEmpty else {
            return html + "<p>No mistakes.</p>\n</section>\n"
        }
        mistakes.sort {
            ($0.count, $1.truth, $1.predicted) > ($1.count, $0.truth, $0.predicted)
        }

        // Mistakes between known labels apart from those of unknown ones, which
        // would otherwise crowd them out.
        let betweenKnown = mistakes.filter { known.contains($0.truth) }
        let ofUnknown = mistakes.filter { !known.contains($0.truth) }
        html += "<div class=\"side-by-side\">\n"
        if !betweenKnown.isEmpty {
            html += mistakesTable(
                "Between labels the model knows", betweenKnown.prefix(20), support: support)
        }
        if !ofUnknown.isEmpty {
            html += mistakesTable(
                "Labels the model does not know, as predicted", ofUnknown.prefix(20),
                support: support)
        }
        html +=
            "</div>\n<p class=\"note\">Share is of the true label's examples; "
            + "\(grouped(mistakes.reduce(0) { $0 + $1.count })) mistakes in all.</p>\n"
        return html + "</section>\n"
    }

    static func mistakesTable(
        _ caption: String, _ mistakes: ArraySlice<Evaluation.Confusion>,
        support: [String: Int]
    ) -> String {
        var html = """
            <table class="mistakes">
            <caption>\(caption)</caption>
            <thead><tr><th>True label</th><th class="left">Predicted as</th>\
            <th>Count</th><th title="Share of the true label's examples">Share</th>\
            </tr></thead>
            <tbody>

            """
        for mistake in mistakes {
            let rowTotal = support[mistake.truth] ?? 0
            html +=
                "<tr><td>\(escape(mistake.truth))</td>"
                + "<td class=\"left\">→ \(escape(mistake.predicted))</td>"
                + "<td>\(grouped(mistake.count))</td>"
                + "<td>\(percent(share(mistake.count, of: rowTotal)))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    /// Every label's precision, recall, F1 and support, worst F1 first.
    static func perLabelSection(_ evaluation: Evaluation) -> String {
        var html = """
            <section>
            <h2>Per label, worst F1 first</h2>
            <table class="labels">
            <thead><tr><th>Label</th><th>Precision</th><th>Recall</th><th>F1</th>\
            <th></th><th>Support</th></tr></thead>
            <tbody>

            """
        for figures in sortedByF1(evaluation.perLabel) {
            let width = fixed(max(0, min(1, figures.f1)) * 100, 1)
            html +=
                "<tr><td>\(escape(figures.label))</td>"
                + "<td>\(fixed(figures.precision, 4))</td>"
                + "<td>\(fixed(figures.recall, 4))</td>"
                + "<td>\(fixed(figures.f1, 4))</td>"
                + "<td class=\"bar\"><div><div style=\"width:\(width)%\"></div></div></td>"
                + "<td>\(grouped(figures.support))</td></tr>\n"
        }
        html += "</tbody>\n</table>\n"
        html +=
            "<p class=\"note\">Support counts the examples whose true label this is; "
            + "a label with support 0 was only predicted. Labels the model does not know "
            + "have no row here: they appear in the heat map and the mistakes.</p>\n"
        return html + "</section>\n"
    }

    /// Labels by F1 ascending; ties go to the label with more examples, then by name.
    static func sortedByF1(_ labels: [Evaluation.LabelFigures]) -> [Evaluation.LabelFigures] {
        labels.sorted {
            if $0.f1 != $1.f1 { return $0.f1 < $1.f1 }
            if $0.support != $1.support { return $0.support > $1.support }
            return $0.label < $1.label
        }
    }

    // MARK: - Text and numbers

    /// `text` safe to place in HTML or SVG text and in quoted attributes: `&`, `<`,
    /// `>`, `"` and `'` become character references, and control characters other
    /// than tab and line breaks, which HTML does not allow, become U+FFFD.
    static func escape(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            case "\t", "\n", "\r": escaped.append(scalar)
            case _ where scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value):
                escaped.append("\u{FFFD}")
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    /// `value` with `places` decimals: `fixed(0.91234, 3)` is "0.912".
    static func fixed(_ value: Double, _ places: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "n/a" : (value > 0 ? "∞" : "−∞") }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = (scaled / scale).rounded(.towardZero)
        var fraction = String(Int(scaled - whole * scale))
        while fraction.count < places { fraction = "0" + fraction }
        let sign = value < 0 && scaled != 0 ? "-" : ""
        let wholeText = String(Int(whole))
        return places == 0 ? "\(sign)\(wholeText)" : "\(sign)\(wholeText).\(fraction)"
    }

    /// A share as a percentage with one decimal: "82.3%".
    static func percent(_ share: Double) -> String {
        fixed(share * 100, 1) + "%"
    }

    /// `count / total`, 0 when the total is 0.
    static func share(_ count: Int, of total: Int) -> Double {
        total == 0 ? 0 : Double(count) / Double(total)
    }

    /// A count with thousands separated by commas: "15,000".
    static func grouped(_ count: Int) -> String {
        let digits = String(count.magnitude)
        var text = ""
        for (position, digit) in digits.enumerated() {
            if position > 0 && (digits.count - position) % 3 == 0 { text += "," }
            text.append(digit)
        }
        return (count < 0 ? "-" : "") + text
    }

    // MARK: - Style

    static let styleSheet = """

        :root { --ink: #1f2328; --muted: #59636e; --rule: #d1d9e0; --faint: #eff2f5;
          --good: #1a7f37; --bad: #c2410c; --accent: #2563eb; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--ink); background: #fff;
          font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans",
            "Liberation Sans", sans-serif; }
        main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 40px; }
        h1 { font-size: 22px; margin: 0 0 10px; }
        h2 { font-size: 17px; margin: 30px 0 10px; padding-bottom: 4px;
          border-bottom: 1px solid var(--rule); break-after: avoid; }
        .meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px;
          margin: 0; }
        .meta dt { color: var(--muted); }
        .meta dd { margin: 0; overflow-wrap: anywhere; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr));
          gap: 10px; margin-bottom: 14px; }
        .card { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px;
          break-inside: avoid; }
        .card .name { color: var(--muted); font-size: 12.5px; }
        .card .value { font-size: 24px; font-weight: 600; }
        .card .note { color: var(--muted); font-size: 12.5px; }
        .good { color: var(--good); }
        .bad { color: var(--bad); }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
        caption { text-align: left; color: var(--muted); font-size: 12.5px;
          padding-bottom: 4px; }
        th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid var(--faint); }
        th { font-weight: 600; border-bottom: 1px solid var(--rule); }
        th:first-child, td:first-child, th.left, td.left { text-align: left; }
        td:first-child { overflow-wrap: anywhere; }
        tr { break-inside: avoid; }
        .labels td, .mistakes td { padding-top: 2px; padding-bottom: 2px; }
        .labels td.bar { width: 130px; padding-left: 0; }
        .labels td.bar > div { height: 10px; background: var(--faint); }
        .labels td.bar > div > div { height: 100%; background: #93b4f5; }
        .side-by-side { display: flex; flex-wrap: wrap; gap: 12px 36px;
          align-items: flex-start; }
        figure { margin: 10px 0 0; break-inside: avoid; }
        figcaption, .note { color: var(--muted); font-size: 12.5px; max-width: 760px; }
        svg { display: block; max-width: 100%; height: auto; }
        svg text { font-size: 11px; fill: var(--ink); }
        svg .axis { stroke: #59636e; stroke-width: 1; }
        svg .grid { stroke: #e4e8ec; stroke-width: 1; }
        svg .muted { fill: var(--muted); }
        svg text.cell { font-size: 9.5px; }
        svg text.count { font-size: 9px; fill: var(--muted); }
        svg text.on-dark { fill: #fff; }
        footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
        @media print {
          body { font-size: 11.5px; }
          main { max-width: none; padding: 0; }
          h2 { margin-top: 18px; }
          figcaption, .note, caption, .card .name, .card .note { font-size: 10.5px; }
          * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        }
        @page { margin: 14mm; }

        """
}

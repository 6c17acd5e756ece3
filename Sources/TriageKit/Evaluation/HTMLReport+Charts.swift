/// The reliability diagram and the risk–coverage curve, drawn as inline SVG.
///
/// Charts are laid out in SVG user units (pixels at 100 %) and scale with the page
/// through `viewBox`; text sizes come from the style sheet.
extension HTMLReport {
    // MARK: - Reliability diagram

    /// Two panels, before and after calibration, with a shared legend.
    static func reliabilitySection(_ evaluation: Evaluation, model: ModelManifest) -> String {
        let method = escape(model.calibration.summary)
        let panels = [
            (
                "Before calibration (raw softmax)", evaluation.reliabilityBefore,
                evaluation.calibrationErrorBefore
            ),
            (
                "After calibration (\(method))", evaluation.reliability,
                evaluation.calibrationError
            ),
        ]
        let panelWidth = 400.0
        let gap = 40.0
        let width = 2 * panelWidth + gap
        let height = 470.0
        let largestBin = max(
            1,
            (evaluation.reliabilityBefore + evaluation.reliability)
                .map(\.count).max() ?? 1)

        var svg = svgOpen(
            width: width, height: height,
            label: "Reliability diagram: "
                + "accuracy against confidence in 15 bins, before and after calibration")
        for (index, (title, bins, error)) in panels.enumerated() {
            svg += "<g transform=\"translate(\(number(Double(index) * (panelWidth + gap))),0)\">\n"
            svg += reliabilityPanel(
                title: title, bins: bins, calibrationError: error, largestBin: largestBin)
            svg += "</g>\n"
        }

        // The legend, under both panels.
        let y = height - 14
        svg +=
            "<g transform=\"translate(52,\(number(y)))\">"
            + "<rect x=\"0\" y=\"-9\" width=\"14\" height=\"10\" fill=\"#2563eb\" "
            + "fill-opacity=\"0.8\"/><text x=\"20\" y=\"0\">accuracy of the bin</text>"
            + "<line x1=\"150\" y1=\"-4\" x2=\"164\" y2=\"-4\" stroke=\"#b91c1c\" "
            + "stroke-width=\"2.5\"/><text x=\"170\" y=\"0\">mean confidence of the bin</text>"
            + "<line x1=\"360\" y1=\"-4\" x2=\"374\" y2=\"-4\" stroke=\"#59636e\" "
            + "stroke-dasharray=\"4 3\"/><text x=\"380\" y=\"0\">perfect calibration</text>"
            + "<rect x=\"520\" y=\"-9\" width=\"14\" height=\"10\" fill=\"#8c959f\"/>"
            + "<text x=\"540\" y=\"0\">examples in the bin</text></g>\n"
        svg += "</svg>\n"

        return """
            <section>
            <h2>Reliability diagram</h2>
            <figure>
            \(svg)<figcaption>Examples grouped into 15 equal-width bins by the \
            confidence of their predicted label. A calibrated model's bars reach the \
            diagonal: among predictions made with confidence 0.8, 80% are right. Bars \
            below it mean over-confidence, above it under-confidence. The grey strip \
            counts the examples in each bin on one scale for both panels; hover a bar \
            for its figures.</figcaption>
            </figure>
            </section>

            """
    }

    /// One panel: bars of accuracy per bin over the diagonal, a strip of counts under
    /// it, in a 400 × 450 box.
    static func reliabilityPanel(
        title: String, bins: [ReliabilityBin], calibrationError: Double, largestBin: Int
    ) -> String {
        let left = 46.0
        let top = 44.0
        let size = 300.0
        let stripTop = top + size + 8
        let stripHeight = 56.0
        let x = { (value: Double) in left + value * size }
        let y = { (value: Double) in top + (1 - value) * size }

        var svg =
            "<text x=\"\(number(left))\" y=\"16\" font-weight=\"600\">"
            + "\(escape(title))</text>\n"
            + "<text x=\"\(number(left))\" y=\"32\" class=\"muted\">ECE "
            + "\(fixed(calibrationError, 4))</text>\n"

        // Grid, ticks and the diagonal.
        for tick in stride(from: 0.0, through: 1.0001, by: 0.2) {
            svg += line(x(tick), top, x(tick), top + size, class: "grid")
            svg += line(left, y(tick), left + size, y(tick), class: "grid")
            svg += text(fixed(tick, 1), x: left - 6, y: y(tick) + 4, anchor: "end")
            svg += text(
                fixed(tick, 1), x: x(tick), y: stripTop + stripHeight + 15,
                anchor: "middle")
        }
        svg +=
            "<line x1=\"\(number(x(0)))\" y1=\"\(number(y(0)))\" "
            + "x2=\"\(number(x(1)))\" y2=\"\(number(y(1)))\" stroke=\"#59636e\" "
            + "stroke-dasharray=\"4 3\"/>\n"

        // Bars of accuracy, a tick at each bin's mean confidence, and the counts.
        for bin in bins where bin.count > 0 {
            let barLeft = x(bin.lower) + 1
            let barWidth = max(1, (bin.upper - bin.lower) * size - 2)
            let figures =
                "confidence \(fixed(bin.lower, 3))–\(fixed(bin.upper, 3)): "
                + "\(grouped(bin.count)) examples, accuracy \(fixed(bin.accuracy, 4)), "
                + "mean confidence \(fixed(bin.meanConfidence, 4))"
            svg +=
                "<g><title>\(figures)</title>"
                + "<rect x=\"\(number(barLeft))\" y=\"\(number(y(bin.accuracy)))\" "
                + "width=\"\(number(barWidth))\" "
                + "height=\"\(number(bin.accuracy * size))\" fill=\"#2563eb\" "
                + "fill-opacity=\"0.8\"/>"
                + "<line x1=\"\(number(barLeft))\" y1=\"\(number(y(bin.meanConfidence)))\" "
                + "x2=\"\(number(barLeft + barWidth))\" "
                + "y2=\"\(number(y(bin.meanConfidence)))\" stroke=\"#b91c1c\" "
                + "stroke-width=\"2.5\"/>"
            // Bars leave room above them for the count.
            let countHeight = max(1, Double(bin.count) / Double(largestBin) * (stripHeight - 12))
            svg +=
                "<rect x=\"\(number(barLeft))\" "
                + "y=\"\(number(stripTop + stripHeight - countHeight))\" "
                + "width=\"\(number(barWidth))\" height=\"\(number(countHeight))\" "
                + "fill=\"#8c959f\"/></g>\n"
            svg += text(
                shortCount(bin.count), x: barLeft + barWidth / 2,
                y: stripTop + stripHeight - countHeight - 3,
                anchor: "middle", class: "count")
        }

        // Axes and their titles.
        svg += line(left, top, left, top + size, class: "axis")
        svg += line(left, top + size, left + size, top + size, class: "axis")
        svg += line(
            left, stripTop + stripHeight, left + size, stripTop + stripHeight,
            class: "axis")
        svg +=
            "<text transform=\"translate(26,\(number(stripTop + stripHeight / 2))) "
            + "rotate(-90)\" text-anchor=\"middle\" class=\"muted\">count</text>\n"
        svg += text(
            "confidence", x: left + size / 2, y: stripTop + stripHeight + 31,
            anchor: "middle")
        svg +=
            "<text transform=\"translate(12,\(number(top + size / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\">accuracy</text>\n"
        return svg
    }

    // MARK: - Risk–coverage curve

    /// The curve over its area, the target's risk as a dashed line and the operating
    /// point at the model's threshold.
    static func riskCoverageSection(_ evaluation: Evaluation, model: ModelManifest) -> String {
        let width = 860.0
        let height = 370.0
        let left = 62.0
        let top = 16.0
        let plotWidth = 770.0
        let plotHeight = 290.0
        let targetRisk = 1 - model.deferral.targetAccuracy
        let operatingRisk = evaluation.automatedAccuracy.map { 1 - $0 }
        let highest = max(
            evaluation.riskCoverage.map(\.risk).max() ?? 0, targetRisk, operatingRisk ?? 0)
        let (yMax, yStep) = niceAxis(highest * 1.08)
        let x = { (value: Double) in left + value * plotWidth }
        let y = { (value: Double) in top + (1 - value / yMax) * plotHeight }

        var svg = svgOpen(
            width: width, height: height,
            label: "Risk–coverage curve: "
                + "error rate among automated decisions against the share automated")

        // Grid and ticks.
        for tick in stride(from: 0.0, through: 1.0001, by: 0.1) {
            svg += line(x(tick), top, x(tick), top + plotHeight, class: "grid")
            svg += text(
                fixed(tick * 100, 0) + "%", x: x(tick), y: top + plotHeight + 16,
                anchor: "middle")
        }
        let places = yStep < 0.01 ? 3 : 2
        for tick in stride(from: 0.0, through: yMax + yStep / 2, by: yStep) {
            svg += line(left, y(tick), left + plotWidth, y(tick), class: "grid")
            svg += text(fixed(tick, places), x: left - 6, y: y(tick) + 4, anchor: "end")
        }

        // The curve and the area under it.
        if let first = evaluation.riskCoverage.first, let last = evaluation.riskCoverage.last {
            var points = ""
            for point in evaluation.riskCoverage {
                points += "\(number(x(point.coverage))),\(number(y(point.risk))) "
            }
            svg +=
                "<path d=\"M\(number(x(first.coverage))),\(number(y(0))) L\(points)"
                + "L\(number(x(last.coverage))),\(number(y(0))) Z\" fill=\"#2563eb\" "
                + "fill-opacity=\"0.1\"/>\n"
            svg +=
                "<polyline points=\"\(points.dropLast())\" fill=\"none\" stroke=\"#2563eb\" "
                + "stroke-width=\"2\" stroke-linejoin=\"round\"><title>AURC "
                + "\(fixed(evaluation.riskCoverageArea, 4))</title></polyline>\n"
        }

        // The target's risk.
        svg +=
            "<line x1=\"\(number(left))\" y1=\"\(number(y(targetRisk)))\" "
            + "x2=\"\(number(left + plotWidth))\" y2=\"\(number(y(targetRisk)))\" "
            + "stroke=\"#c2410c\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"
        svg += text(
            "target: risk \(fixed(targetRisk, 4)) "
                + "(accuracy \(fixed(1 - targetRisk, 4)))",
            x: left + 8, y: y(targetRisk) - 6, fill: "#c2410c")

        // The operating point at the model's threshold.
        if let threshold = evaluation.threshold, let risk = operatingRisk {
            let px = x(evaluation.coverage)
            let py = y(risk)
            let label =
                "threshold \(fixed(threshold, 4)): coverage "
                + "\(percent(evaluation.coverage)), risk \(fixed(risk, 4))"
            let onRight = evaluation.coverage < 0.55
            svg += line(px, py, px, top + plotHeight, class: "axis", dashed: true)
            svg +=
                "<g><title>operating point: \(label)</title>"
                + "<circle cx=\"\(number(px))\" cy=\"\(number(py))\" r=\"5.5\" "
                + "fill=\"#1f2328\" stroke=\"#fff\" stroke-width=\"1.5\"/></g>\n"
            svg += text(
                label, x: px + (onRight ? 10 : -10), y: py - 10,
                anchor: onRight ? "start" : "end", weight: "600")
        }

        // Axes and their titles.
        svg += line(left, top, left, top + plotHeight, class: "axis")
        svg += line(left, top + plotHeight, left + plotWidth, top + plotHeight, class: "axis")
        svg += text(
            "coverage: share decided automatically, most confident first",
            x: left + plotWidth / 2, y: top + plotHeight + 36, anchor: "middle")
        svg +=
            "<text transform=\"translate(14,\(number(top + plotHeight / 2))) "
            + "rotate(-90)\" text-anchor=\"middle\">risk: error rate of those "
            + "decisions</text>\n"
        svg += "</svg>\n"

        let point: String
        if let threshold = evaluation.threshold {
            point =
                "The dot marks the model's threshold, \(fixed(threshold, 4)): it "
                + "automates \(percent(evaluation.coverage)) of these examples."
        } else {
            point =
                "The model has no threshold and defers every input, so no operating "
                + "point is marked."
        }
        return """
            <section>
            <h2>Risk–coverage curve</h2>
            <figure>
            \(svg)<figcaption>Automating the most confident examples first, the \
            curve gives the error rate among those automated (risk) for each share \
            automated (coverage), using calibrated confidences. The dashed line is the \
            highest risk the target accuracy allows. \(point) The shaded area, the \
            AURC, is \(fixed(evaluation.riskCoverageArea, 4)).</figcaption>
            </figure>
            </section>

            """
    }

    /// A count in at most four characters: "950", "3674", "12k", "2.1M".
    static func shortCount(_ count: Int) -> String {
        switch count {
        case ..<10_000: return String(count)
        case ..<1_000_000: return String(count / 1000) + "k"
        default: return fixed(Double(count) / 1e6, 1) + "M"
        }
    }

    /// The top of an axis from 0 that holds `value`, and its tick step: 1, 2, 2.5 or
    /// 5 times a power of ten, about five ticks.
    static func niceAxis(_ value: Double) -> (top: Double, step: Double) {
        guard value.isFinite, value > 0 else { return (0.1, 0.02) }
        let rough = value / 5
        var magnitude = 1.0
        while magnitude > rough { magnitude /= 10 }
        while magnitude * 10 <= rough { magnitude *= 10 }
        let step =
            [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough }
            ?? 10 * magnitude
        return ((value / step).rounded(.up) * step, step)
    }

    // MARK: - SVG pieces

    /// The opening tag of a chart `width` × `height` units that scales down with the
    /// page, labelled for assistive technology.
    static func svgOpen(width: Double, height: Double, label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
            + "viewBox=\"0 0 \(number(width)) \(number(height))\" width=\"\(number(width))\" "
            + "height=\"\(number(height))\" aria-label=\"\(escape(label))\">\n"
    }

    /// A line styled by a class of the style sheet.
    static func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, class name: String,
        dashed: Bool = false
    ) -> String {
        "<line x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" "
            + "y2=\"\(number(y2))\" class=\"\(name)\""
            + (dashed ? " stroke-dasharray=\"3 3\"" : "") + "/>\n"
    }

    /// A text element; `content` is escaped.
    static func text(
        _ content: String, x: Double, y: Double, anchor: String = "start",
        class name: String? = nil, fill: String? = nil, weight: String? = nil
    ) -> String {
        var tag = "<text x=\"\(number(x))\" y=\"\(number(y))\""
        if anchor != "start" { tag += " text-anchor=\"\(anchor)\"" }
        if let name { tag += " class=\"\(name)\"" }
        if let fill { tag += " style=\"fill:\(fill)\"" }
        if let weight { tag += " font-weight=\"\(weight)\"" }
        return tag + ">\(escape(content))</text>\n"
    }

    /// A coordinate with at most one decimal, without a trailing ".0".
    static func number(_ value: Double) -> String {
        let text = fixed(value, 1)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}

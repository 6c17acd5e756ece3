/// The labels of a confusion matrix worth drawing.
///
/// When every label fits, all are shown in the model's order. Otherwise only the
/// labels involved in the most mistakes are, counting each mistake for both its true
/// and its predicted label, and they are ordered so that labels often confused with
/// each other sit side by side. Rows of true labels the model does not know come
/// last; they have no column and every example in them is a mistake.
///
/// Known labels are ranked by their mistakes with other known labels first: examples
/// of unknown labels land on nearly every column and would otherwise choose the
/// columns, hiding which known labels the model mixes up.
struct ConfusionFocus {
    struct Row {
        var label: String
        /// The row in the matrix; `nil` for a shown label without examples.
        var truth: Int?
        /// Whether the model knows the label, so it has a column.
        var known: Bool
    }

    /// Shown columns, as indices into the matrix's predictions.
    var columns: [Int]
    /// Shown rows: one per shown column, in the same order, then unknown labels.
    var rows: [Row]
    /// Labels the matrix has, known or not.
    var labelCount: Int
    /// Whether labels were left out.
    var isPartial: Bool
    /// Mistakes in the shown cells, and in the whole matrix.
    var shownMistakes: Int
    var totalMistakes: Int

    /// Chooses at most `limit` labels of `matrix`; unknown labels take at most a third
    /// of the places, and at least one when there is any.
    init(_ matrix: ConfusionMatrix, limit: Int) {
        let columnOf = Dictionary(
            matrix.predictions.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let truthOf = Dictionary(
            matrix.truths.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })

        // Each label's mistakes, as the true label and as the prediction: all of
        // them, and those between known labels.
        var mass: [String: Int] = [:]
        var knownMass: [String: Int] = [:]
        var total = 0
        for (row, truth) in matrix.truths.enumerated() {
            let isKnown = columnOf[truth] != nil
            for (column, count) in matrix.counts[row].enumerated()
            where count > 0 && matrix.predictions[column] != truth {
                let predicted = matrix.predictions[column]
                mass[truth, default: 0] += count
                mass[predicted, default: 0] += count
                if isKnown {
                    knownMass[truth, default: 0] += count
                    knownMass[predicted, default: 0] += count
                }
                total += count
            }
        }
        func byMass(_ a: String, _ b: String) -> Bool {
            let rankA = (knownMass[a] ?? 0, mass[a] ?? 0)
            let rankB = (knownMass[b] ?? 0, mass[b] ?? 0)
            return rankA != rankB ? rankA > rankB : a < b
        }
        let unknown = matrix.truths.filter { columnOf[$0] == nil }
        labelCount = matrix.predictions.count + unknown.count
        totalMistakes = total

        // Everything when it fits; otherwise the labels with the most mistakes.
        let shownUnknown: [String]
        let shownKnown: [String]
        if labelCount <= limit {
            isPartial = false
            shownUnknown = unknown.sorted(by: byMass)
            shownKnown = matrix.predictions
        } else {
            isPartial = true
            shownUnknown = Array(
                unknown.filter { (mass[$0] ?? 0) > 0 }.sorted(by: byMass)
                    .prefix(max(1, limit / 3)))
            let candidates = matrix.predictions.filter { (mass[$0] ?? 0) > 0 }.sorted(by: byMass)
            shownKnown = ConfusionFocus.chain(
                Array(candidates.prefix(max(0, limit - shownUnknown.count))),
                matrix: matrix, truthOf: truthOf, columnOf: columnOf)
        }

        columns = shownKnown.compactMap { columnOf[$0] }
        rows =
            shownKnown.map { Row(label: $0, truth: truthOf[$0], known: true) }
            + shownUnknown.map { Row(label: $0, truth: truthOf[$0], known: false) }
        var shown = 0
        for row in rows {
            guard let truth = row.truth else { continue }
            for column in columns where matrix.predictions[column] != row.label {
                shown += matrix.counts[truth][column]
            }
        }
        shownMistakes = shown
    }

    /// Orders labels, given by decreasing mistakes, so that each is followed by the
    /// remaining label it is most confused with: a greedy chain from the most
    /// confused label, which keeps confused pairs next to the diagonal.
    ///
    /// - Complexity: O(labels³), for the few dozen labels shown.
    static func chain(
        _ labels: [String], matrix: ConfusionMatrix, truthOf: [String: Int],
        columnOf: [String: Int]
    ) -> [String] {
        func count(_ truth: String, _ predicted: String) -> Int {
            guard let row = truthOf[truth], let column = columnOf[predicted] else { return 0 }
            return matrix.counts[row][column]
        }
        func link(_ a: String, _ b: String) -> Int { count(a, b) + count(b, a) }

        var remaining = labels
        var ordered: [String] = []
        while !remaining.isEmpty {
            // The strongest link to the last label, then to any placed label, then
            // the label with the most mistakes (the first remaining).
            var best = 0
            var bestScore = (-1, -1)
            for (index, label) in remaining.enumerated() {
                let toLast = ordered.last.map { link($0, label) } ?? 0
                let toAny = ordered.reduce(0) { $0 + link($1, label) }
                if (toLast, toAny) > bestScore {
                    bestScore = (toLast, toAny)
                    best = index
                }
            }
            ordered.append(remaining.remove(at: best))
        }
        return ordered
    }
}

extension HTMLReport {
    // MARK: - Confusion heat map

    /// The heat map of the focused labels and a note on what it leaves out.
    static func confusionSection(_ evaluation: Evaluation) -> String {
        let matrix = evaluation.confusionMatrix
        let focus = ConfusionFocus(matrix, limit: heatMapLabelLimit)
        var html = "<section>\n<h2>Confusion heat map</h2>\n"
        guard !focus.columns.isEmpty else {
            return html + "<p>No confusion to show.</p>\n</section>\n"
        }

        var note: String
        if focus.isPartial {
            note =
                "Only the \(focus.rows.count) labels involved in the most mistakes "
                + "are shown, out of \(focus.labelCount): each mistake counts for its "
                + "true and its predicted label, and known labels are chosen by their "
                + "mistakes with each other first. Labels often confused with each other "
                + "sit side by side. The cells shown hold \(grouped(focus.shownMistakes)) "
                + "of the \(grouped(focus.totalMistakes)) mistakes."
        } else {
            note = "All \(focus.labelCount) labels are shown."
        }
        note +=
            " Rows are true labels, columns predicted ones. Colours are "
            + "row-normalised: the share of the true label's examples that got each "
            + "prediction, blue on the diagonal (right) and red off it (wrong); the "
            + "number is the count. Hover a cell for its figures."
        if focus.rows.contains(where: { !$0.known }) {
            note +=
                " Rows in italics below the line are labels the model does not "
                + "know: every one of their examples is a mistake."
        }
        html += "<figure>\n" + heatMap(matrix, focus: focus)
        return html + "<figcaption>\(note)</figcaption>\n</figure>\n</section>\n"
    }

    /// The heat map of the focused labels, with rotated column labels above it and a
    /// legend of the colour scales under it.
    static func heatMap(_ matrix: ConfusionMatrix, focus: ConfusionFocus) -> String {
        let cell = 20.0
        let longest = min(labelLimit, focus.rows.map(\.label.count).max() ?? 1)
        let labelWidth = Double(longest) * 6.4 + 12
        let left = labelWidth + 8
        let top = labelWidth * 0.87 + 12
        let gridWidth = Double(focus.columns.count) * cell
        let gridHeight = Double(focus.rows.count) * cell
        let width = max(left + gridWidth + labelWidth * 0.5 + 10, left + 520)
        let height = top + gridHeight + 86

        var svg = svgOpen(
            width: width, height: height,
            label: "Confusion heat map of "
                + "\(focus.rows.count) labels, true labels as rows, predictions as columns")
        svg +=
            "<rect x=\"\(number(left))\" y=\"\(number(top))\" "
            + "width=\"\(number(gridWidth))\" height=\"\(number(gridHeight))\" "
            + "fill=\"#f6f8fa\" stroke=\"#d1d9e0\"/>\n"

        // Column labels, rotated.
        for (position, column) in focus.columns.enumerated() {
            let x = left + (Double(position) + 0.5) * cell + 3
            svg +=
                "<text transform=\"translate(\(number(x)),\(number(top - 5))) "
                + "rotate(-60)\">\(labelText(matrix.predictions[column]))</text>\n"
        }

        // Rows: the label, then a cell for every count above zero.
        for (position, row) in focus.rows.enumerated() {
            let y = top + Double(position) * cell
            let style = row.known ? "" : " font-style=\"italic\""
            svg +=
                "<text x=\"\(number(left - 6))\" y=\"\(number(y + cell / 2 + 4))\" "
                + "text-anchor=\"end\"\(style)>\(labelText(row.label))</text>\n"
            let counts = row.truth.map { matrix.counts[$0] } ?? []
            let rowTotal = counts.reduce(0, +)
            for (place, column) in focus.columns.enumerated() {
                let x = left + Double(place) * cell
                let isDiagonal = matrix.predictions[column] == row.label
                let count = counts.isEmpty ? 0 : counts[column]
                if isDiagonal {
                    svg +=
                        "<rect x=\"\(number(x + 0.5))\" y=\"\(number(y + 0.5))\" "
                        + "width=\"\(number(cell - 1))\" height=\"\(number(cell - 1))\" "
                        + "fill=\"none\" stroke=\"#1e3a8a\" stroke-width=\"0.8\"/>\n"
                }
                guard count > 0 else { continue }
                let rowShare = share(count, of: rowTotal)
                let (fill, dark) = cellColour(share: rowShare, correct: isDiagonal)
                let title =
                    "\(escape(row.label)) → \(escape(matrix.predictions[column])): "
                    + "\(grouped(count)) (\(percent(rowShare)) of \(escape(row.label)))"
                svg +=
                    "<g><title>\(title)</title><rect x=\"\(number(x + 1))\" "
                    + "y=\"\(number(y + 1))\" width=\"\(number(cell - 2))\" "
                    + "height=\"\(number(cell - 2))\" fill=\"\(fill)\"/>"
                if count < 10_000 {
                    svg +=
                        "<text x=\"\(number(x + cell / 2))\" "
                        + "y=\"\(number(y + cell / 2 + 3.5))\" text-anchor=\"middle\" "
                        + "class=\"cell\(dark ? " on-dark" : "")\">\(count)</text>"
                }
                svg += "</g>\n"
            }
        }
        if let firstUnknown = focus.rows.firstIndex(where: { !$0.known }) {
            let y = top + Double(firstUnknown) * cell
            svg +=
                "<line x1=\"\(number(8))\" y1=\"\(number(y))\" "
                + "x2=\"\(number(left + gridWidth))\" y2=\"\(number(y))\" "
                + "stroke=\"#1f2328\" stroke-width=\"1.2\"/>\n"
        }

        svg += heatMapLegend(x: left, y: top + gridHeight + 28)
        return svg + "</svg>\n"
    }

    /// Swatches of both colour scales, at `x`, `y`, about 500 × 60.
    static func heatMapLegend(x: Double, y: Double) -> String {
        var svg = "<g transform=\"translate(\(number(x)),\(number(y)))\">\n"
        svg += text("Colour: share of the true label's examples", x: 0, y: 0, class: "muted")
        let scales: [(String, Bool, [Double])] = [
            ("right (diagonal)", true, [0.25, 0.5, 0.75, 1]),
            ("wrong", false, [0.01, 0.05, 0.1, 0.25, 0.5]),
        ]
        var offset = 0.0
        for (name, correct, shares) in scales {
            svg += text(name, x: offset, y: 24)
            offset += correct ? 98 : 46
            for share in shares {
                let (fill, _) = cellColour(share: share, correct: correct)
                svg +=
                    "<rect x=\"\(number(offset))\" y=\"12\" width=\"34\" height=\"16\" "
                    + "fill=\"\(fill)\"/>"
                svg += text(
                    fixed(share * 100, 0) + "%", x: offset + 17, y: 42,
                    anchor: "middle", class: "muted")
                offset += 36
            }
            offset += 24
        }
        return svg + "</g>\n"
    }

    /// A cell's fill for a row share, and whether it is dark enough for white text.
    /// Mistakes use a square-root scale so that rare ones still show.
    static func cellColour(share: Double, correct: Bool) -> (fill: String, dark: Bool) {
        let clamped = max(0, min(1, share))
        let strength = correct ? 0.12 + 0.88 * clamped : 0.15 + 0.85 * clamped.squareRoot()
        let base: (Double, Double, Double) = correct ? (29, 78, 216) : (185, 28, 28)
        func channel(_ value: Double) -> String {
            let mixed = Int((255 + (value - 255) * strength).rounded())
            let hex = String(mixed, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }
        return ("#" + channel(base.0) + channel(base.1) + channel(base.2), strength > 0.58)
    }

    /// The longest label drawn in full in the heat map.
    static let labelLimit = 26

    /// A label for the heat map, escaped, cut to `labelLimit` characters with the full
    /// label in a tooltip when longer.
    static func labelText(_ label: String) -> String {
        guard label.count > labelLimit else { return escape(label) }
        return "<title>\(escape(label))</title>"
            + escape(String(label.prefix(labelLimit - 1))) + "…"
    }
}

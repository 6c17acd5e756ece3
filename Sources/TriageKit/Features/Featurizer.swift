/// Input rows to sparse feature rows over a fitted vocabulary.
///
/// Each text column contributes its word and character n-grams, TF-IDF weighted and
/// scaled to unit length on its own. A numeric column contributes one feature, its
/// value standardised by the training mean and deviation; a missing or unreadable
/// value becomes the mean (0 after standardising) and raises a missing-value
/// indicator. A categorical column contributes one indicator per value; a value never
/// seen in training contributes nothing, and a missing one raises the indicator.
/// Every feature is a hash bucket, so columns never need a fixed layout.
public struct Featurizer: Sendable {
    public let inputs: [InputColumn]
    public let text: TextFeatureSettings
    public let vocabulary: FeatureVocabulary
    private let plan: ColumnPlan

    public init(inputs: [InputColumn], text: TextFeatureSettings, vocabulary: FeatureVocabulary) {
        self.inputs = inputs
        self.text = text
        self.vocabulary = vocabulary
        self.plan = ColumnPlan(inputs: inputs, bits: text.hashBits)
    }

    /// Learns the vocabulary from training rows (aligned with `inputs`) and returns it
    /// with their feature rows.
    ///
    /// - Complexity: O(total text length + 2^hashBits); both cores hash.
    public static func fit(
        rows: [[String?]], inputs: [InputColumn], text settings: TextFeatureSettings
    ) throws -> (Featurizer, SparseMatrix) {
        try settings.validate()
        let plan = ColumnPlan(inputs: inputs, bits: settings.hashBits)

        // Hash every text cell: per row, per text column.
        let chunks = Parallel.chunks(count: rows.count, minimumChunk: 256)
        let pieces = Parallel.map(chunks) { range -> [[[UInt32]]] in
            var hasher = TextHasher(settings: settings)
            return range.map { row in
                plan.textColumns.map { column in
                    var buckets: [UInt32] = []
                    hasher.appendBuckets(
                        of: rows[row][column.index] ?? "", salt: column.salt, to: &buckets)
                    return buckets
                }
            }
        }
        let documents = Array(pieces.joined())

        // Text buckets by document frequency, plus every tabular bucket seen.
        var tabular = Set<UInt32>()
        for row in rows {
            plan.forEachTabularFeature(of: row) { bucket, _ in tabular.insert(bucket) }
        }
        let vocabulary = FeatureVocabulary.fit(
            documents: documents.joined(), documentCount: rows.count, settings: settings,
            alwaysKeep: tabular)

        let featurizer = Featurizer(inputs: inputs, text: settings, vocabulary: vocabulary)
        let (matrix, _) = featurizer.build(count: rows.count, rows: rows, familiarity: false) {
            row, ordinal, _, buckets in
            buckets.append(contentsOf: documents[row][ordinal])
        }
        return (featurizer, matrix)
    }

    /// The feature rows of input rows aligned with `inputs`.
    ///
    /// - Parameter parallel: split the rows across cores; `false` when the caller
    ///   already runs one chunk per core.
    public func transform(_ rows: [[String?]], parallel: Bool = true) -> SparseMatrix {
        transformMeasuringFamiliarity(rows, parallel: parallel).matrix
    }

    /// The feature rows, and for each row the share of its units the training data
    /// knew: words of its text columns, values of its categorical columns, and numbers
    /// within ten deviations of the training mean. A row with no units scores 0.
    public func transformMeasuringFamiliarity(
        _ rows: [[String?]], parallel: Bool = true
    ) -> (matrix: SparseMatrix, familiarity: [Double]) {
        let plan = plan
        return build(count: rows.count, rows: rows, parallel: parallel, familiarity: true) {
            row, ordinal, hasher, buckets in
            let column = plan.textColumns[ordinal]
            hasher.appendBuckets(of: rows[row][column.index] ?? "", salt: column.salt, to: &buckets)
        }
    }

    /// Builds feature rows in parallel; `fillText` puts the buckets of one text column
    /// of one row into the scratch array.
    private func build(
        count: Int, rows: [[String?]], parallel: Bool = true, familiarity measure: Bool,
        fillText: @Sendable (Int, Int, inout TextHasher, inout [UInt32]) -> Void
    ) -> (SparseMatrix, [Double]) {
        let vocabulary = vocabulary
        let settings = text
        let plan = plan
        let chunks = parallel ? Parallel.chunks(count: count, minimumChunk: 256) : [0..<count]
        let pieces = Parallel.map(chunks) { range -> (SparseMatrix, [Double]) in
            var hasher = TextHasher(settings: settings)
            var builder = SparseRowBuilder()
            var matrix = SparseMatrix(columnCount: vocabulary.count)
            var familiarity: [Double] = []
            for row in range {
                builder.reset()
                var known = 0
                var units = 0
                for ordinal in plan.textColumns.indices {
                    builder.buckets.removeAll(keepingCapacity: true)
                    fillText(row, ordinal, &hasher, &builder.buckets)
                    builder.appendTextBlock(
                        vocabulary: vocabulary, sublinear: settings.sublinearFrequency)
                    if measure {
                        units += hasher.wordBuckets.count
                        known += hasher.wordBuckets.filter { vocabulary.column(of: $0) >= 0 }.count
                    }
                }
                plan.forEachTabularFeature(of: rows[row]) { bucket, value in
                    let column = vocabulary.column(of: bucket)
                    if column >= 0 { builder.append(column: column, value: value) }
                }
                if measure {
                    let (tabularKnown, tabularUnits) = plan.familiarity(of: rows[row], vocabulary)
                    known += tabularKnown
                    units += tabularUnits
                    familiarity.append(units == 0 ? 0 : Double(known) / Double(units))
                }
                matrix.appendRow(columns: builder.columns, values: builder.values)
            }
            return (matrix, familiarity)
        }
        var result = SparseMatrix(columnCount: vocabulary.count)
        for piece in pieces { result.append(contentsOf: piece.0) }
        return (result, pieces.flatMap(\.1))
    }
}

/// The columns of a featurizer resolved into what each contributes.
struct ColumnPlan: Sendable {
    struct TextColumn: Sendable {
        let index: Int
        let salt: UInt64
    }

    struct NumericColumn: Sendable {
        let index: Int
        let valueBucket: UInt32
        let missingBucket: UInt32
        let mean: Double
        let deviation: Double
    }

    struct CategoricalColumn: Sendable {
        let index: Int
        let seed: UInt64
        let missingBucket: UInt32
    }

    let textColumns: [TextColumn]
    let numericColumns: [NumericColumn]
    let categoricalColumns: [CategoricalColumn]
    let bits: Int

    init(inputs: [InputColumn], bits: Int) {
        self.bits = bits
        let texts = inputs.enumerated().filter { $0.element.kind == .text }
        // One text column keeps the plain salt; several are told apart by name.
        textColumns = texts.map { index, column in
            TextColumn(
                index: index,
                salt: texts.count == 1
                    ? FeatureHash.fnvOffset : FeatureHash.fnv1a(Array(column.name.utf8)))
        }
        func bucket(_ tag: String, _ name: String) -> UInt32 {
            FeatureHash.bucket(
                FeatureHash.fnv1a(Array("\(tag)\u{0}\(name)".utf8)), .column, bits: bits)
        }
        numericColumns = inputs.enumerated().filter { $0.element.kind == .numeric }.map {
            index, column in
            NumericColumn(
                index: index, valueBucket: bucket("numeric", column.name),
                missingBucket: bucket("missing", column.name), mean: column.mean ?? 0,
                deviation: column.deviation ?? 1)
        }
        categoricalColumns = inputs.enumerated().filter { $0.element.kind == .categorical }.map {
            index, column in
            CategoricalColumn(
                index: index,
                seed: FeatureHash.fnv1a(Array("category\u{0}\(column.name)\u{0}".utf8)),
                missingBucket: bucket("missing", column.name))
        }
    }

    /// How many of a row's numeric and categorical values the training data knew,
    /// of how many present: a category seen in training, a number within ten
    /// deviations of the training mean.
    func familiarity(of row: [String?], _ vocabulary: FeatureVocabulary) -> (Int, Int) {
        var known = 0
        var units = 0
        for column in numericColumns {
            guard let value = InputColumn.number(row[column.index]) else { continue }
            units += 1
            if abs((value - column.mean) / column.deviation) <= 10 { known += 1 }
        }
        for column in categoricalColumns {
            guard let cell = row[column.index], !InputColumn.isMissing(cell) else { continue }
            units += 1
            let hash = FeatureHash.fnv1a(cell.utf8, seed: column.seed)
            if vocabulary.column(of: FeatureHash.bucket(hash, .column, bits: bits)) >= 0 {
                known += 1
            }
        }
        return (known, units)
    }

    /// Calls `body` with the bucket and value of each numeric and categorical
    /// feature of a row.
    @inline(__always)
    func forEachTabularFeature(of row: [String?], _ body: (UInt32, Float) -> Void) {
        for column in numericColumns {
            if let value = InputColumn.number(row[column.index]) {
                body(column.valueBucket, Float((value - column.mean) / column.deviation))
            } else {
                body(column.missingBucket, 1)
            }
        }
        for column in categoricalColumns {
            let cell = row[column.index]
            if InputColumn.isMissing(cell) {
                body(column.missingBucket, 1)
            } else if let cell {
                let hash = FeatureHash.fnv1a(cell.utf8, seed: column.seed)
                body(FeatureHash.bucket(hash, .column, bits: bits), 1)
            }
        }
    }
}

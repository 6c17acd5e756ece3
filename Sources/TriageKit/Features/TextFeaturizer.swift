/// Text to sparse, L2-normalised TF-IDF rows over a fitted vocabulary.
public struct TextFeaturizer: Sendable {
    public let settings: TextFeatureSettings
    public let vocabulary: FeatureVocabulary

    public init(settings: TextFeatureSettings, vocabulary: FeatureVocabulary) {
        self.settings = settings
        self.vocabulary = vocabulary
    }

    /// Learns the vocabulary from `texts` and returns it with their rows.
    ///
    /// - Complexity: O(total text length + 2^hashBits); both cores hash.
    public static func fit(
        texts: [String], settings: TextFeatureSettings
    ) throws -> (TextFeaturizer, SparseMatrix) {
        try settings.validate()
        let chunks = Parallel.chunks(count: texts.count, minimumChunk: 256)
        let pieces = Parallel.map(chunks) { range -> [[UInt32]] in
            var hasher = TextHasher(settings: settings)
            return range.map { row in
                var buckets: [UInt32] = []
                hasher.appendBuckets(of: texts[row], to: &buckets)
                return buckets
            }
        }
        let documents = Array(pieces.joined())
        let vocabulary = FeatureVocabulary.fit(documents: documents, settings: settings)
        let featurizer = TextFeaturizer(settings: settings, vocabulary: vocabulary)
        let rows = featurizer.rows(count: documents.count) { row, builder in
            builder.buckets.append(contentsOf: documents[row])
        }
        return (featurizer, rows)
    }

    /// The rows of `texts`.
    public func transform(_ texts: [String]) -> SparseMatrix {
        let settings = settings
        return rows(count: texts.count, hasher: { TextHasher(settings: settings) }) {
            row, builder, hasher in
            hasher.appendBuckets(of: texts[row], to: &builder.buckets)
        }
    }

    /// Builds `count` rows in parallel, `fill` putting each row's buckets into the
    /// builder.
    private func rows(
        count: Int, fill: @Sendable (Int, inout SparseRowBuilder) -> Void
    ) -> SparseMatrix {
        rows(count: count, hasher: { () }) { row, builder, _ in fill(row, &builder) }
    }

    private func rows<State>(
        count: Int,
        hasher makeState: @Sendable () -> State,
        fill: @Sendable (Int, inout SparseRowBuilder, inout State) -> Void
    ) -> SparseMatrix {
        let vocabulary = vocabulary
        let sublinear = settings.sublinearFrequency
        let chunks = Parallel.chunks(count: count, minimumChunk: 256)
        let pieces = Parallel.map(chunks) { range -> SparseMatrix in
            var state = makeState()
            var builder = SparseRowBuilder()
            var matrix = SparseMatrix(columnCount: vocabulary.count)
            for row in range {
                builder.buckets.removeAll(keepingCapacity: true)
                fill(row, &builder, &state)
                builder.finish(vocabulary: vocabulary, sublinear: sublinear)
                matrix.appendRow(columns: builder.columns, values: builder.values)
            }
            return matrix
        }
        var result = SparseMatrix(columnCount: vocabulary.count)
        for piece in pieces { result.append(contentsOf: piece) }
        return result
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// The buckets a model was trained on, numbered densely, with their IDF weights.
///
/// Weights exist only for these columns. A bucket outside the vocabulary has no
/// weight, and since an L2-regularised model gives a feature it never saw a weight of
/// exactly zero, dropping such buckets at prediction time changes nothing.
public struct FeatureVocabulary: Sendable {
    /// Bucket numbers in increasing order; column *i* is `buckets[i]`.
    public let buckets: [UInt32]
    /// Per-column multipliers: inverse document frequencies, or all ones.
    public let weights: [Float]
    private let table: BucketTable

    public init(buckets: [UInt32], weights: [Float]) {
        precondition(
            buckets.count == weights.count,
            "a vocabulary needs one weight per bucket, got \(weights.count) for \(buckets.count)")
        self.buckets = buckets
        self.weights = weights
        self.table = BucketTable(buckets: buckets)
    }

    public var count: Int { buckets.count }

    @inline(__always)
    func column(of bucket: UInt32) -> Int32 { table.column(of: bucket) }

    /// Builds the vocabulary from each training document's buckets.
    ///
    /// Text buckets must appear in at least `minDocumentFrequency` documents and are
    /// weighted by smoothed IDF, `ln((1 + n) / (1 + df)) + 1`, so a bucket in every
    /// document keeps weight 1 and none reaches 0. Buckets in `alwaysKeep` (numeric
    /// and categorical features) are kept whatever their frequency, with weight 1.
    ///
    /// - Parameter documentCount: n, the number of training rows.
    /// - Complexity: O(total buckets + 2^hashBits).
    static func fit<Documents: Sequence>(
        documents: Documents, documentCount: Int, settings: TextFeatureSettings,
        alwaysKeep: Set<UInt32> = []
    ) -> FeatureVocabulary where Documents.Element == [UInt32] {
        // Document frequency in a flat array indexed by bucket: one pass, no hashing.
        var frequency = [Int32](repeating: 0, count: 1 << settings.hashBits)
        var seen: [UInt32] = []
        for document in documents {
            seen.removeAll(keepingCapacity: true)
            seen.append(contentsOf: document)
            sortBuckets(&seen)
            var previous = UInt32.max
            for bucket in seen where bucket != previous {
                frequency[Int(bucket)] += 1
                previous = bucket
            }
        }

        // Keep buckets frequent enough, in increasing order.
        let n = Double(documentCount)
        var buckets: [UInt32] = []
        var weights: [Float] = []
        for (bucket, count) in frequency.enumerated() {
            if alwaysKeep.contains(UInt32(bucket)) {
                buckets.append(UInt32(bucket))
                weights.append(1)
            } else if count >= Int32(settings.minDocumentFrequency) {
                buckets.append(UInt32(bucket))
                weights.append(settings.idf ? Float(log((1 + n) / (1 + Double(count))) + 1) : 1)
            }
        }
        return FeatureVocabulary(buckets: buckets, weights: weights)
    }
}

/// Scratch space for assembling one sparse row from blocks of features.
///
/// Counting a text block's repeated features needs no sort: each column remembers,
/// in one packed word, the block that last counted it (high half) and where that
/// block put it (low half), so a repeat costs one array access. The marks take one
/// word per vocabulary column per builder, and a builder lives for a batch of rows.
struct SparseRowBuilder {
    /// One text column's buckets, filled by the caller before `appendTextBlock`.
    var buckets: [UInt32] = []
    /// The row so far.
    private(set) var columns: [Int32] = []
    private(set) var values: [Float] = []
    private var marks: [UInt64] = []
    private var block: UInt32 = 0

    mutating func reset() {
        columns.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    mutating func append(column: Int32, value: Float) {
        columns.append(column)
        values.append(value)
    }

    /// Counts the buckets in `buckets`, maps them to columns, weights them by TF-IDF
    /// and appends them scaled to unit length as a block.
    mutating func appendTextBlock(vocabulary: FeatureVocabulary, sublinear: Bool) {
        if marks.count != vocabulary.count || block == UInt32.max {
            marks = [UInt64](repeating: 0, count: vocabulary.count)
            block = 0
        }
        block += 1
        let stamp = UInt64(block) << 32
        let start = values.count

        // Count: each entry's value holds its count until it is weighted below.
        marks.withUnsafeMutableBufferPointer { marks in
            for bucket in buckets {
                let column = vocabulary.column(of: bucket)
                guard column >= 0 else { continue }
                let mark = marks[Int(column)]
                if mark & 0xffff_ffff_0000_0000 == stamp {
                    values[Int(mark & 0xffff_ffff)] += 1
                } else {
                    marks[Int(column)] = stamp | UInt64(values.count)
                    columns.append(column)
                    values.append(1)
                }
            }
        }

        // Weight by TF-IDF, then scale the block to unit length.
        var squaredNorm: Float = 0
        vocabulary.weights.withUnsafeBufferPointer { weights in
            for entry in start..<values.count {
                let count = values[entry]
                let frequency = sublinear ? 1 + log(count) : count
                let value = frequency * weights[Int(columns[entry])]
                values[entry] = value
                squaredNorm += value * value
            }
        }
        if squaredNorm > 0 {
            let scale = 1 / squaredNorm.squareRoot()
            for entry in start..<values.count { values[entry] *= scale }
        }
    }
}

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
        precondition(buckets.count == weights.count,
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
    /// IDF is smoothed as `ln((1 + n) / (1 + df)) + 1`, so a bucket in every document
    /// keeps weight 1 and none reaches 0.
    ///
    /// - Complexity: O(total buckets + 2^hashBits).
    static func fit(
        documents: [[UInt32]], settings: TextFeatureSettings
    ) -> FeatureVocabulary {
        // Document frequency in a flat array indexed by bucket: one pass, no hashing.
        var frequency = [Int32](repeating: 0, count: 1 << settings.hashBits)
        var seen: [UInt32] = []
        for document in documents {
            seen.removeAll(keepingCapacity: true)
            seen.append(contentsOf: document)
            seen.sort()
            var previous = UInt32.max
            for bucket in seen where bucket != previous {
                frequency[Int(bucket)] += 1
                previous = bucket
            }
        }

        // Keep buckets frequent enough, in increasing order.
        let documentCount = Double(documents.count)
        var buckets: [UInt32] = []
        var weights: [Float] = []
        for (bucket, count) in frequency.enumerated()
        where count >= Int32(settings.minDocumentFrequency) {
            buckets.append(UInt32(bucket))
            if settings.idf {
                weights.append(Float(log((1 + documentCount) / (1 + Double(count))) + 1))
            } else {
                weights.append(1)
            }
        }
        return FeatureVocabulary(buckets: buckets, weights: weights)
    }
}

/// Scratch space for turning one document's buckets into a sparse row.
struct SparseRowBuilder {
    var buckets: [UInt32] = []
    var columns: [Int32] = []
    var values: [Float] = []

    /// Counts the buckets collected in `buckets`, maps them to columns, weights them and
    /// scales the row to unit length. Leaves the result in `columns` and `values`.
    mutating func finish(
        vocabulary: FeatureVocabulary, sublinear: Bool, normalize: Bool = true
    ) {
        columns.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        buckets.sort()

        var index = 0
        var squaredNorm: Float = 0
        while index < buckets.count {
            let bucket = buckets[index]
            var end = index + 1
            while end < buckets.count && buckets[end] == bucket { end += 1 }
            let column = vocabulary.column(of: bucket)
            if column >= 0 {
                let count = Float(end - index)
                let frequency = sublinear ? 1 + log(count) : count
                let value = frequency * vocabulary.weights[Int(column)]
                columns.append(column)
                values.append(value)
                squaredNorm += value * value
            }
            index = end
        }

        if normalize && squaredNorm > 0 {
            let scale = 1 / squaredNorm.squareRoot()
            for entry in values.indices { values[entry] *= scale }
        }
    }
}

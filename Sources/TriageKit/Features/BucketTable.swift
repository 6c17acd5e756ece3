/// Maps hash buckets to dense column numbers with open addressing.
///
/// A model keeps weights only for the buckets its training data used, so a lookup
/// happens for every feature of every input; a `Dictionary` costs several times more
/// here. Keys are bucket numbers below 2³¹, so `UInt32.max` marks an empty slot.
struct BucketTable: Sendable {
    private static let empty = UInt32.max

    private var keys: [UInt32]
    private var values: [Int32]
    private let shift: UInt32
    private let mask: Int

    /// A table mapping `buckets[i]` to `i`. Buckets must be distinct.
    ///
    /// - Complexity: O(*n*) expected.
    init(buckets: [UInt32]) {
        var capacity = 16
        var bits: UInt32 = 4
        while capacity < buckets.count * 2 {
            capacity *= 2
            bits += 1
        }
        keys = [UInt32](repeating: Self.empty, count: capacity)
        values = [Int32](repeating: -1, count: capacity)
        shift = 32 - bits
        mask = capacity - 1
        for (column, bucket) in buckets.enumerated() {
            precondition(bucket != Self.empty, "bucket \(bucket) is reserved as the empty marker")
            var slot = slot(for: bucket)
            while keys[slot] != Self.empty {
                precondition(keys[slot] != bucket, "bucket \(bucket) appears twice")
                slot = (slot + 1) & mask
            }
            keys[slot] = bucket
            values[slot] = Int32(column)
        }
    }

    @inline(__always)
    private func slot(for bucket: UInt32) -> Int {
        Int((bucket &* 0x9e37_79b1) >> shift)
    }

    /// The column of `bucket`, or -1 when training never saw it.
    @inline(__always)
    func column(of bucket: UInt32) -> Int32 {
        var slot = slot(for: bucket)
        while true {
            let key = keys[slot]
            if key == bucket { return values[slot] }
            if key == Self.empty { return -1 }
            slot = (slot + 1) & mask
        }
    }
}

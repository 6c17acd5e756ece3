/// Maps hash buckets to dense column numbers with open addressing.
///
/// A model keeps weights only for the buckets its training data used, so a lookup
/// happens for every feature of every input; a `Dictionary` costs several times more
/// here. Each slot packs the bucket (high 32 bits) and its column (low 32 bits) into
/// one word, so a probe touches one cache line. Bucket numbers are below 2³¹, so an
/// all-ones word marks an empty slot.
struct BucketTable: Sendable {
    private static let empty = UInt64.max

    private var slots: [UInt64]
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
        slots = [UInt64](repeating: Self.empty, count: capacity)
        shift = 32 - bits
        mask = capacity - 1
        for (column, bucket) in buckets.enumerated() {
            precondition(bucket < 1 << 31, "bucket \(bucket) is out of range")
            var slot = slot(for: bucket)
            while slots[slot] != Self.empty {
                precondition(UInt32(slots[slot] >> 32) != bucket, "bucket \(bucket) appears twice")
                slot = (slot + 1) & mask
            }
            slots[slot] = UInt64(bucket) << 32 | UInt64(column)
        }
    }

    @inline(__always)
    private func slot(for bucket: UInt32) -> Int {
        Int((bucket &* 0x9e37_79b1) >> shift)
    }

    /// The column of `bucket`, or -1 when training never saw it.
    @inline(__always)
    func column(of bucket: UInt32) -> Int32 {
        slots.withUnsafeBufferPointer { slots in
            var slot = slot(for: bucket)
            while true {
                let entry = slots[slot]
                if entry == Self.empty { return -1 }
                if UInt32(truncatingIfNeeded: entry >> 32) == bucket {
                    return Int32(truncatingIfNeeded: entry & 0xffff_ffff)
                }
                slot = (slot + 1) & mask
            }
        }
    }
}

/// Dense vector operations for the optimiser: single-precision storage, sums carried
/// in double precision across blocks, long vectors split across cores.
///
/// Vectors here hold a model's every weight (millions for a large vocabulary), so
/// these loops are memory-bound; splitting them helps because each core brings its
/// own bandwidth from cache.
enum VectorMath {
    /// Below this length one thread is faster than waking a second.
    private static let parallelLength = 1 << 16
    /// Block length summed in single precision before adding into a double.
    private static let block = 4096

    private static func ranges(_ count: Int) -> [Range<Int>] {
        count < parallelLength
            ? [0..<count] : Parallel.chunks(count: count, minimumChunk: parallelLength)
    }

    /// Σ a[i]·b[i].
    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "dot product of lengths \(a.count) and \(b.count)")
        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let a = UnsafeSendable(a)
                let b = UnsafeSendable(b)
                return Parallel.map(ranges(a.value.count)) { range in
                    var total = 0.0
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let count = min(block, range.upperBound - start)
                        total += Double(
                            Kernels.dot(
                                a.value.baseAddress! + start, b.value.baseAddress! + start,
                                count: count))
                        start += count
                    }
                    return total
                }.reduce(0, +)
            }
        }
    }

    /// Σ a[i]².
    static func squaredNorm(_ a: [Float]) -> Double { dot(a, a) }

    /// max |a[i]|.
    static func maxAbs(_ a: [Float]) -> Float {
        a.withUnsafeBufferPointer { a in
            guard let base = a.baseAddress else { return 0 }
            return Kernels.maxAbs(base, count: a.count)
        }
    }

    /// y ← y + α·x.
    static func axpy(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
        precondition(x.count == y.count, "axpy of lengths \(x.count) and \(y.count)")
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                let x = UnsafeSendable(x)
                let y = UnsafeSendable(y)
                Parallel.run(ranges(x.value.count)) { range in
                    Kernels.axpy(
                        alpha, x.value.baseAddress! + range.lowerBound,
                        y.value.baseAddress! + range.lowerBound, count: range.count)
                }
            }
        }
    }

    /// z ← x + α·y, into an existing buffer.
    static func assign(_ z: inout [Float], _ x: [Float], plus alpha: Float, times y: [Float]) {
        precondition(x.count == y.count && z.count == x.count, "mismatched vector lengths")
        x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                z.withUnsafeMutableBufferPointer { z in
                    let x = UnsafeSendable(x)
                    let y = UnsafeSendable(y)
                    let z = UnsafeSendable(z)
                    Parallel.run(ranges(x.value.count)) { range in
                        let start = range.lowerBound
                        Kernels.sum(
                            x.value.baseAddress! + start, alpha, y.value.baseAddress! + start,
                            into: z.value.baseAddress! + start, count: range.count)
                    }
                }
            }
        }
    }

    /// z ← α·x, into an existing buffer.
    static func assign(_ z: inout [Float], scaling x: [Float], by alpha: Float) {
        precondition(z.count == x.count, "mismatched vector lengths")
        x.withUnsafeBufferPointer { x in
            z.withUnsafeMutableBufferPointer { z in
                let x = UnsafeSendable(x)
                let z = UnsafeSendable(z)
                Parallel.run(ranges(x.value.count)) { range in
                    let start = range.lowerBound
                    Kernels.scale(
                        x.value.baseAddress! + start, by: alpha,
                        into: z.value.baseAddress! + start, count: range.count)
                }
            }
        }
    }

    /// x ← α·x.
    static func scale(_ x: inout [Float], by alpha: Float) {
        x.withUnsafeMutableBufferPointer { x in
            let x = UnsafeSendable(x)
            Parallel.run(ranges(x.value.count)) { range in
                let start = x.value.baseAddress! + range.lowerBound
                Kernels.scale(start, by: alpha, into: start, count: range.count)
            }
        }
    }
}

import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// The `TRIAGE_THREADS` setting: how many cores the parallel loops use.
///
/// The library reads the variable itself and, since it does not print, ignores a
/// value it cannot use (every core is used then). A program should check the value
/// with ``count(from:)`` at start-up and tell its user.
public enum ThreadSetting {
    /// The environment variable's name.
    public static let variable = "TRIAGE_THREADS"

    /// The number of cores a value asks for: a whole number of 1 or more, or `nil`
    /// for anything else.
    public static func count(from text: String) -> Int? {
        guard let value = Int(text), value > 0 else { return nil }
        return value
    }
}

/// Splits loops across the machine's cores.
///
/// Work is cut into contiguous chunks, one or a few per core, so each worker touches
/// its own stretch of memory. Results come back through per-chunk slots rather than
/// shared state.
enum Parallel {
    /// Cores to use: `TRIAGE_THREADS` when it holds a valid count, else the
    /// processors online.
    static let workerCount: Int = {
        if let text = getenv(ThreadSetting.variable),
            let value = ThreadSetting.count(from: String(cString: text))
        {
            return value
        }
        return max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }()

    /// Cuts `0..<count` into at most `workerCount` contiguous ranges of at least
    /// `minimumChunk` items each.
    static func chunks(count: Int, minimumChunk: Int = 1) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let pieces = max(1, min(workerCount, count / max(1, minimumChunk)))
        return (0..<pieces).map { piece in
            (count * piece / pieces)..<(count * (piece + 1) / pieces)
        }
    }

    /// Cuts `0..<weights.count` into ranges of roughly equal total weight, for loops
    /// whose items cost unequal amounts (rows with many or few features).
    static func balancedChunks(cumulative offsets: [Int], pieces requested: Int? = nil) -> [Range<
        Int
    >] {
        let count = offsets.count - 1
        guard count > 0 else { return [] }
        let pieces = max(1, min(requested ?? workerCount, count))
        let total = offsets[count]
        var ranges: [Range<Int>] = []
        var start = 0
        for piece in 1...pieces {
            var end = count
            if piece < pieces {
                let goal = total * piece / pieces
                end = start
                while end < count && offsets[end] < goal { end += 1 }
            }
            if end > start { ranges.append(start..<end) }
            start = end
        }
        return ranges
    }

    /// Runs `body` once per range, concurrently, and returns when all are done.
    static func run(_ ranges: [Range<Int>], _ body: @Sendable (Range<Int>) -> Void) {
        if ranges.count <= 1 {
            ranges.forEach(body)
            return
        }
        DispatchQueue.concurrentPerform(iterations: ranges.count) { body(ranges[$0]) }
    }

    /// Maps each chunk to a value, concurrently, and returns the values in chunk order.
    static func map<T>(_ ranges: [Range<Int>], _ body: @Sendable (Range<Int>) -> T) -> [T] {
        var results = [T?](repeating: nil, count: ranges.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = UnsafeSendable(buffer)
            run(Array(0..<ranges.count).map { $0..<($0 + 1) }) { piece in
                slots.value[piece.lowerBound] = body(ranges[piece.lowerBound])
            }
        }
        return results.map { $0! }
    }
}

/// Carries a value that is not `Sendable` into concurrent code that is known to use
/// it safely: each worker reads shared input and writes only its own slots.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

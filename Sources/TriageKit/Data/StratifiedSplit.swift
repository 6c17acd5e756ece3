/// Splits labelled examples into parts with every label in the same proportions.
public enum StratifiedSplit {
    /// Indices of each part, each in increasing order.
    ///
    /// Each label's examples are shuffled by `seed` and cut by the shares, rounding so
    /// every label's part sizes add up to its count (largest remainders get the extra
    /// examples, earlier parts first on ties). Shares are relative and need not sum
    /// to 1.
    ///
    /// - Complexity: O(*n* log *n*).
    public static func split(labels: [String], shares: [Double], seed: UInt64) -> [[Int]] {
        precondition(
            !shares.isEmpty && shares.allSatisfy { $0 >= 0 } && shares.reduce(0, +) > 0,
            "shares must be non-negative and not all zero, got \(shares)")
        let total = shares.reduce(0, +)
        var byLabel: [String: [Int]] = [:]
        for (index, label) in labels.enumerated() { byLabel[label, default: []].append(index) }

        var generator = SeededGenerator(seed: seed)
        var parts = [[Int]](repeating: [], count: shares.count)
        for label in byLabel.keys.sorted() {
            var members = byLabel[label] ?? []
            members.shuffle(using: &generator)
            let sizes = apportion(members.count, shares: shares.map { $0 / total })
            var start = 0
            for (part, size) in sizes.enumerated() {
                parts[part].append(contentsOf: members[start..<(start + size)])
                start += size
            }
        }
        return parts.map { $0.sorted() }
    }

    /// Indices of the held-out share and of the rest. Unlike `split`, a label always
    /// keeps at least one example in the rest, so a label seen once is only ever in
    /// training.
    public static func holdOut(
        labels: [String], share: Double, seed: UInt64
    ) -> (heldOut: [Int], rest: [Int]) {
        var byLabel: [String: [Int]] = [:]
        for (index, label) in labels.enumerated() { byLabel[label, default: []].append(index) }

        var generator = SeededGenerator(seed: seed)
        var heldOut: [Int] = []
        for label in byLabel.keys.sorted() {
            var members = byLabel[label] ?? []
            members.shuffle(using: &generator)
            let take = min(members.count - 1, Int((share * Double(members.count)).rounded()))
            if take > 0 { heldOut.append(contentsOf: members[0..<take]) }
        }
        heldOut.sort()
        let held = Set(heldOut)
        return (heldOut, labels.indices.filter { !held.contains($0) })
    }

    /// Whole part sizes for `count` items by the largest-remainder method.
    static func apportion(_ count: Int, shares: [Double]) -> [Int] {
        let exact = shares.map { $0 * Double(count) }
        var sizes = exact.map { Int($0.rounded(.down)) }
        let order = exact.indices.sorted {
            (exact[$0] - Double(sizes[$0]), -$0) > (exact[$1] - Double(sizes[$1]), -$1)
        }
        var left = count - sizes.reduce(0, +)
        for index in order where left > 0 {
            sizes[index] += 1
            left -= 1
        }
        return sizes
    }
}

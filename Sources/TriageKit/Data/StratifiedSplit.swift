/// Splits labelled examples into two parts with every label in the same proportion.
public enum StratifiedSplit {
    /// Indices of the held-out share and of the rest, each in increasing order.
    ///
    /// Each label gives `round(share × count)` of its examples to the held-out part,
    /// chosen at random by `seed`, but always keeps at least one for the rest, so a
    /// label seen once is only ever in training.
    public static func split(
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
        let rest = labels.indices.filter { !held.contains($0) }
        return (heldOut, rest)
    }
}

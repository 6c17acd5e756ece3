#if canImport(Glibc)
    import Glibc
#endif

/// Upper confidence bounds on an error rate from a binomial sample.
public enum RiskBound {
    /// The Clopper–Pearson upper bound: the largest error rate `p` at which seeing
    /// at most `errors` errors in `trials` would still have probability `delta`.
    /// With probability at least 1 − `delta`, the true rate is below it.
    ///
    /// For no errors it is `1 − delta^(1/trials)`: 100 clean trials bound the rate
    /// by 2.95% at `delta` 0.05.
    ///
    /// - Complexity: O(errors) per bisection step, 60 steps.
    public static func upper(errors: Int, trials: Int, delta: Double) -> Double {
        precondition(
            errors >= 0 && errors <= trials && delta > 0 && delta < 1,
            "a bound needs 0 ≤ errors ≤ trials and 0 < delta < 1, got \(errors)/\(trials), \(delta)"
        )
        guard trials > 0 else { return 1 }
        if errors == trials { return 1 }
        if errors == 0 { return 1 - pow(delta, 1 / Double(trials)) }

        // P(X ≤ errors) falls as p rises: bisect for the p where it equals delta.
        var low = Double(errors) / Double(trials)
        var high = 1.0
        for _ in 0..<60 {
            let middle = (low + high) / 2
            if cumulative(errors: errors, trials: trials, rate: middle) > delta {
                low = middle
            } else {
                high = middle
            }
        }
        return high
    }

    /// P(X ≤ errors) for X ~ Binomial(trials, rate), summed in log space.
    static func cumulative(errors: Int, trials: Int, rate: Double) -> Double {
        let logRate = log(rate)
        let logMiss = log1p(-rate)
        let logTrials = logGamma(Double(trials) + 1)
        var terms: [Double] = []
        terms.reserveCapacity(errors + 1)
        for j in 0...errors {
            let logChoose = logTrials - logGamma(Double(j) + 1) - logGamma(Double(trials - j) + 1)
            terms.append(logChoose + Double(j) * logRate + Double(trials - j) * logMiss)
        }
        let largest = terms.max() ?? 0
        return exp(largest) * terms.reduce(0) { $0 + exp($1 - largest) }
    }
}

/// What the guaranteed threshold rule chose.
public struct GuaranteedChoice: Sendable, Equatable {
    /// The threshold, `nil` when no tested threshold met the bound.
    public var threshold: Double?
    /// The upper bound on the error rate of automated decisions at the threshold.
    public var bound: Double?
    /// Share of calibration examples at or above the threshold.
    public var coverage: Double
    public var accepted: Int
    /// Accuracy among them.
    public var automatedAccuracy: Double?
}

/// A threshold with a guarantee: with probability at least `confidence` over the
/// draw of the calibration split, the error rate of automated decisions on new data
/// from the same distribution is at most 1 − `targetAccuracy`.
///
/// In the spirit of selection with guaranteed risk (Geifman and El-Yaniv, 2017), each
/// candidate threshold is tested by bounding the error of the calibration cases at or
/// above it with Clopper–Pearson. The candidates form a fixed grid, 1 − 10^(−4 + 4i/99)
/// for i = 0…99 (fine near 1, coarse near 0), tested from the highest down, each at the
/// full level δ = 1 − confidence, stopping at the first that fails: fixed-sequence
/// testing, as in Learn then Test (Angelopoulos et al., 2021), which needs no
/// correction for the number of tests because the order is fixed before the data is
/// seen. Grid points that fewer than `minimumAccepted` calibration cases reach, or
/// too few for the test to have power (``powerFloor(targetAccuracy:confidence:)``,
/// at most a quarter of the split), are skipped, not failed; that choice looks at
/// confidences and counts only, never at correctness.
///
/// A binary search over the calibration confidences with a union bound, as the
/// original proposes, assumes the error rate falls as the threshold rises; on real
/// models it does not, and the search can miss every threshold that would pass.
public enum GuaranteedThreshold {
    /// The candidate thresholds, highest first.
    static let grid: [Double] = (0..<100).map { 1 - pow(10, -4 + 4 * Double($0) / 99) }

    /// Chooses the threshold.
    ///
    /// - Complexity: O(*n* log *n* + grid × log *n*).
    public static func choose(
        confidences: [Double], correct: [Bool], targetAccuracy: Double, confidence: Double,
        minimumAccepted: Int = 20
    ) -> GuaranteedChoice {
        let n = confidences.count
        var best = GuaranteedChoice(
            threshold: nil, bound: nil, coverage: 0, accepted: 0, automatedAccuracy: nil)
        guard n > 0 else { return best }
        let delta = 1 - confidence
        let allowed = 1 - targetAccuracy
        // A point too few cases reach could only fail, and a failure ends the search:
        // at 0.95 with confidence 0.95, 57 cases without an error bound it at 0.051.
        // Just above that, one confident mistake among the most confident cases
        // fails it too, so the search starts where the test has power, but never
        // past the most confident quarter of the split.
        let floor = max(
            minimumAccepted,
            minimumExamples(targetAccuracy: targetAccuracy, confidence: confidence),
            min(powerFloor(targetAccuracy: targetAccuracy, confidence: confidence), n / 4))

        // Descending confidences and running error counts, so each test is a lookup.
        let order = confidences.indices.sorted { confidences[$0] > confidences[$1] }
        var errorsAbove = [Int](repeating: 0, count: n + 1)
        for position in 0..<n {
            errorsAbove[position + 1] = errorsAbove[position] + (correct[order[position]] ? 0 : 1)
        }

        for threshold in grid {
            // How many cases reach the threshold: the first position below it.
            var low = 0
            var high = n
            while low < high {
                let middle = (low + high) / 2
                if confidences[order[middle]] >= threshold {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            let accepted = low
            guard accepted >= floor else { continue }
            let errors = errorsAbove[accepted]
            let bound = RiskBound.upper(errors: errors, trials: accepted, delta: delta)
            guard bound <= allowed else { break }
            best = GuaranteedChoice(
                threshold: threshold, bound: bound, coverage: Double(accepted) / Double(n),
                accepted: accepted, automatedAccuracy: 1 - Double(errors) / Double(accepted))
        }
        return best
    }

    /// The fewest cases at which the bound still meets the target when half the
    /// allowed share of them (rounded down) are errors: 153 at 0.95 with confidence
    /// 0.95 (3 errors), 773 at 0.99 (3 errors). Testing a threshold fewer cases
    /// reach risks failing it, and ending the search, on a chance mistake.
    static func powerFloor(targetAccuracy: Double, confidence: Double) -> Int {
        let allowed = 1 - targetAccuracy
        let delta = 1 - confidence
        var m = minimumExamples(targetAccuracy: targetAccuracy, confidence: confidence)
        while m < 10_000_000 {
            let errors = Int(Double(m) * allowed / 2)
            if RiskBound.upper(errors: errors, trials: m, delta: delta) <= allowed { return m }
            m += 1
        }
        return m
    }

    /// The fewest calibration examples with which the target could be promised at
    /// all, were every one of them decided correctly: the smallest m with
    /// 1 − δ^(1/m) ≤ 1 − target.
    public static func minimumExamples(targetAccuracy: Double, confidence: Double) -> Int {
        let allowed = 1 - targetAccuracy
        guard allowed > 0 else { return Int.max }
        return max(1, Int((log(1 - confidence) / log(1 - allowed)).rounded(.up)))
    }
}

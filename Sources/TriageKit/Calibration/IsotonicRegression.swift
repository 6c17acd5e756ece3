/// Isotonic regression: the non-decreasing step function closest to the data in
/// weighted least squares, found by pool-adjacent-violators (Ayer et al., 1955).
///
/// As a calibrator it maps a score to the observed frequency of success among
/// examples with similar scores, with no assumption about the shape of the mapping;
/// it needs more calibration data than a one-parameter method to be reliable.
public struct IsotonicRegression: Codable, Sendable, Equatable {
    /// Knots of the fitted function, increasing in `x`; between knots the function is
    /// linear, outside them it is constant.
    public let x: [Double]
    public let y: [Double]

    public init(x: [Double], y: [Double]) {
        precondition(
            x.count == y.count && !x.isEmpty, "isotonic knots need matching, non-empty x and y")
        self.x = x
        self.y = y
    }

    /// Pool-adjacent-violators on values already in order: the fitted value of each.
    ///
    /// - Complexity: O(*n*).
    public static func poolAdjacentViolators(_ values: [Double], weights: [Double]? = nil)
        -> [Double]
    {
        let weights = weights ?? [Double](repeating: 1, count: values.count)
        // A stack of blocks, each a weighted mean over a run of values.
        var means: [Double] = []
        var totals: [Double] = []
        var lengths: [Int] = []
        for (value, weight) in zip(values, weights) {
            means.append(value)
            totals.append(weight)
            lengths.append(1)
            // Merge while the last block is below the one before it.
            while means.count > 1 && means[means.count - 2] > means[means.count - 1] {
                let last = means.count - 1
                let total = totals[last - 1] + totals[last]
                means[last - 1] =
                    total > 0
                    ? (means[last - 1] * totals[last - 1] + means[last] * totals[last]) / total
                    : (means[last - 1] + means[last]) / 2
                totals[last - 1] = total
                lengths[last - 1] += lengths[last]
                means.removeLast()
                totals.removeLast()
                lengths.removeLast()
            }
        }
        var fitted: [Double] = []
        fitted.reserveCapacity(values.count)
        for (mean, length) in zip(means, lengths) {
            fitted.append(contentsOf: repeatElement(mean, count: length))
        }
        return fitted
    }

    /// Fits `y ≈ f(x)` with `f` non-decreasing.
    ///
    /// Equal `x` values are pooled first, so the function is well defined; each
    /// constant block then keeps its two end points as knots.
    public static func fit(x: [Double], y: [Double], weights: [Double]? = nil) -> IsotonicRegression
    {
        precondition(
            x.count == y.count && !x.isEmpty,
            "isotonic regression needs matching, non-empty x and y")
        let weights = weights ?? [Double](repeating: 1, count: x.count)
        let order = x.indices.sorted { x[$0] < x[$1] }

        // Pool ties in x into one weighted point.
        var uniqueX: [Double] = []
        var sums: [Double] = []
        var totals: [Double] = []
        for index in order {
            if let last = uniqueX.last, last == x[index] {
                sums[sums.count - 1] += y[index] * weights[index]
                totals[totals.count - 1] += weights[index]
            } else {
                uniqueX.append(x[index])
                sums.append(y[index] * weights[index])
                totals.append(weights[index])
            }
        }
        let means = zip(sums, totals).map { $1 > 0 ? $0 / $1 : 0 }
        let fitted = poolAdjacentViolators(means, weights: totals)

        // Keep only the ends of each constant run as knots.
        var knotsX: [Double] = []
        var knotsY: [Double] = []
        for index in uniqueX.indices {
            let startsRun = index == 0 || fitted[index] != fitted[index - 1]
            let endsRun = index == uniqueX.count - 1 || fitted[index] != fitted[index + 1]
            if startsRun || endsRun {
                knotsX.append(uniqueX[index])
                knotsY.append(fitted[index])
            }
        }
        return IsotonicRegression(x: knotsX, y: knotsY)
    }

    /// The fitted function at `value`.
    ///
    /// - Complexity: O(log knots).
    public func callAsFunction(_ value: Double) -> Double {
        if value <= x[0] { return y[0] }
        if value >= x[x.count - 1] { return y[y.count - 1] }
        var low = 0
        var high = x.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if x[middle] <= value { low = middle } else { high = middle }
        }
        let span = x[high] - x[low]
        guard span > 0 else { return y[high] }
        return y[low] + (y[high] - y[low]) * (value - x[low]) / span
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// Platt scaling (Platt, 1999) for two classes: the probability of the second class
/// is `σ(a·m + b)`, where `m` is the logit margin of the second class over the first.
///
/// `a` and `b` minimise the log-loss on the calibration split with Platt's smoothed
/// targets, `(N₊ + 1)/(N₊ + 2)` for positives and `1/(N₋ + 2)` for negatives, which
/// keep a small or separable split from driving the fit to infinity. Solved by
/// Newton's method with a backtracking line search (Lin, Lin and Weng, 2007).
public struct PlattScaling: Codable, Sendable, Equatable {
    public let slope: Double
    public let intercept: Double

    public init(slope: Double, intercept: Double) {
        self.slope = slope
        self.intercept = intercept
    }

    /// Fits on margins and outcomes (`true` for the second class).
    public static func fit(margins: [Double], positive: [Bool]) -> PlattScaling {
        let positives = Double(positive.filter { $0 }.count)
        let negatives = Double(positive.count) - positives
        let high = (positives + 1) / (positives + 2)
        let low = 1 / (negatives + 2)
        let targets = positive.map { $0 ? high : low }

        func loss(_ a: Double, _ b: Double) -> Double {
            var total = 0.0
            for (m, t) in zip(margins, targets) {
                let f = a * m + b
                // −[t log σ(f) + (1 − t) log(1 − σ(f))], written to avoid overflow.
                total +=
                    f >= 0
                    ? t * log1p(exp(-f)) + (1 - t) * (f + log1p(exp(-f)))
                    : t * (-f + log1p(exp(f))) + (1 - t) * log1p(exp(f))
            }
            return total
        }

        var a = 1.0
        var b = log((positives + 1) / (negatives + 1))
        var current = loss(a, b)
        for _ in 0..<100 {
            // Gradient and Hessian of the loss in (a, b), with a tiny ridge.
            var ga = 0.0
            var gb = 0.0
            var haa = 1e-12
            var hab = 0.0
            var hbb = 1e-12
            for (m, t) in zip(margins, targets) {
                let f = a * m + b
                let p = f >= 0 ? 1 / (1 + exp(-f)) : exp(f) / (1 + exp(f))
                let d = p - t
                let w = p * (1 - p)
                ga += d * m
                gb += d
                haa += w * m * m
                hab += w * m
                hbb += w
            }
            if abs(ga) < 1e-9 && abs(gb) < 1e-9 { break }
            let determinant = haa * hbb - hab * hab
            guard determinant > 0 else { break }
            let stepA = -(hbb * ga - hab * gb) / determinant
            let stepB = -(haa * gb - hab * ga) / determinant

            var scale = 1.0
            var improved = false
            while scale > 1e-10 {
                let candidate = loss(a + scale * stepA, b + scale * stepB)
                if candidate < current + 1e-4 * scale * (ga * stepA + gb * stepB) {
                    a += scale * stepA
                    b += scale * stepB
                    current = candidate
                    improved = true
                    break
                }
                scale /= 2
            }
            if !improved { break }
        }
        return PlattScaling(slope: a, intercept: b)
    }

    /// Probability of the second class for a margin.
    public func probability(margin: Double) -> Double {
        let f = slope * margin + intercept
        return f >= 0 ? 1 / (1 + exp(-f)) : exp(f) / (1 + exp(f))
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// Temperature scaling (Guo et al., "On Calibration of Modern Neural Networks", 2017):
/// one positive number `T` divides every logit before the softmax.
///
/// It leaves the ranking of classes, and so every prediction, unchanged; it only makes
/// the probabilities sharper (`T < 1`) or softer (`T > 1`) so that they match how
/// often the model is right. `T` minimises the negative log-likelihood of the
/// calibration split. That likelihood is convex in `β = 1/T`, so Newton's method on `β`
/// with a halving safeguard finds the optimum in a handful of steps.
///
/// Examples whose label the model does not know (traffic it was never trained for,
/// such as out-of-scope queries in audits) have no likelihood, yet they say the most
/// about overconfidence: whatever the model predicts for them is wrong. They add
/// `−log(1 − p_max)` to the loss, the log-loss of the event "the top label is wrong",
/// and the temperature is then refined by golden-section search over `log β` around
/// the Newton optimum.
public enum TemperatureScaling {
    /// Fits the temperature.
    ///
    /// - Parameters:
    ///   - logits: row-major, `classCount` per example.
    ///   - targets: each example's class, or -1 for a label the model does not know.
    /// - Returns: the temperature, 1 when no example has a known label.
    /// - Complexity: O(examples × classes) per Newton step, at most 100 steps.
    public static func fit(logits: [Float], targets: [Int32], classCount: Int) -> Double {
        let known = targets.indices.filter { targets[$0] >= 0 }
        guard !known.isEmpty else { return 1 }

        var beta = 1.0
        var loss = negativeLogLikelihood(logits, targets, known, classCount, beta: beta).loss
        for _ in 0..<100 {
            let (_, slope, curvature) = negativeLogLikelihood(
                logits, targets, known, classCount, beta: beta)
            guard abs(slope) > 1e-10 else { break }

            // A Newton step, or a gradient step when the curve is flat; halve it until
            // the loss decreases and β stays positive.
            var step = curvature > 1e-12 ? -slope / curvature : -slope
            var accepted = false
            for _ in 0..<50 {
                let candidate = beta + step
                if candidate > 1e-4 {
                    let candidateLoss = negativeLogLikelihood(
                        logits, targets, known, classCount, beta: candidate
                    ).loss
                    if candidateLoss <= loss {
                        beta = candidate
                        loss = candidateLoss
                        accepted = true
                        break
                    }
                }
                step /= 2
            }
            if !accepted || abs(step) < 1e-9 * beta { break }
        }

        // Unknown labels: refine with their top-label-wrong loss added.
        let unknown = targets.indices.filter { targets[$0] < 0 }
        guard !unknown.isEmpty else { return 1 / beta }
        func total(_ logBeta: Double) -> Double {
            let b = exp(logBeta)
            let knownLoss = negativeLogLikelihood(logits, targets, known, classCount, beta: b).loss
            return knownLoss * Double(known.count)
                + topLabelWrongLoss(logits, unknown, classCount, beta: b)
        }
        var low = log(beta) - 4
        var high = log(beta) + 4
        let ratio = (5.0.squareRoot() - 1) / 2
        var left = high - ratio * (high - low)
        var right = low + ratio * (high - low)
        var leftLoss = total(left)
        var rightLoss = total(right)
        for _ in 0..<60 {
            if leftLoss <= rightLoss {
                high = right
                right = left
                rightLoss = leftLoss
                left = high - ratio * (high - low)
                leftLoss = total(left)
            } else {
                low = left
                left = right
                leftLoss = rightLoss
                right = low + ratio * (high - low)
                rightLoss = total(right)
            }
        }
        return 1 / exp((low + high) / 2)
    }

    /// Σ −log(1 − p_max) over rows at inverse temperature β: the log-loss of saying
    /// "the top label is right" for rows where it cannot be.
    private static func topLabelWrongLoss(
        _ logits: [Float], _ rows: [Int], _ classCount: Int, beta: Double
    ) -> Double {
        var loss = 0.0
        for row in rows {
            let base = row * classCount
            var maximum = -Double.infinity
            for c in 0..<classCount { maximum = max(maximum, beta * Double(logits[base + c])) }
            var sum = 0.0
            for c in 0..<classCount { sum += exp(beta * Double(logits[base + c]) - maximum) }
            // p_max = 1 / sum; 1 − p_max = (sum − 1) / sum, floored against log(0).
            loss -= log(max((sum - 1) / sum, 1e-15))
        }
        return loss
    }

    /// Mean NLL at inverse temperature β, with its first and second derivatives in β.
    private static func negativeLogLikelihood(
        _ logits: [Float], _ targets: [Int32], _ rows: [Int], _ classCount: Int,
        beta: Double
    ) -> (loss: Double, slope: Double, curvature: Double) {
        var loss = 0.0
        var slope = 0.0
        var curvature = 0.0
        for row in rows {
            let base = row * classCount
            var maximum = -Double.infinity
            for c in 0..<classCount { maximum = max(maximum, beta * Double(logits[base + c])) }

            // Under p = softmax(βz): d/dβ NLL = E[z] − z_y, d²/dβ² = Var[z].
            var sum = 0.0
            var mean = 0.0
            var meanSquare = 0.0
            for c in 0..<classCount {
                let z = Double(logits[base + c])
                let e = exp(beta * z - maximum)
                sum += e
                mean += e * z
                meanSquare += e * z * z
            }
            mean /= sum
            meanSquare /= sum
            let target = Double(logits[base + Int(targets[row])])
            loss += maximum + log(sum) - beta * target
            slope += mean - target
            curvature += max(0, meanSquare - mean * mean)
        }
        let n = Double(rows.count)
        return (loss / n, slope / n, curvature / n)
    }
}

/// Softmax helpers shared by calibration, evaluation and prediction.
public enum Softmax {
    /// Probabilities of `logits / temperature`, written over `output`.
    @inline(__always)
    public static func probabilities(
        _ logits: UnsafeBufferPointer<Float>, temperature: Double,
        into output: UnsafeMutableBufferPointer<Double>
    ) {
        let inverse = 1 / temperature
        var maximum = -Double.infinity
        for value in logits { maximum = max(maximum, Double(value) * inverse) }
        var sum = 0.0
        for index in 0..<logits.count {
            let e = exp(Double(logits[index]) * inverse - maximum)
            output[index] = e
            sum += e
        }
        for index in 0..<logits.count { output[index] /= sum }
    }

    /// Row-major probabilities of every row of `logits`.
    public static func probabilities(
        _ logits: [Float], classCount: Int, temperature: Double
    ) -> [Double] {
        var result = [Double](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { logits in
            result.withUnsafeMutableBufferPointer { output in
                for row in 0..<(logits.count / max(1, classCount)) {
                    let range = (row * classCount)..<((row + 1) * classCount)
                    probabilities(
                        UnsafeBufferPointer(rebasing: logits[range]), temperature: temperature,
                        into: UnsafeMutableBufferPointer(rebasing: output[range]))
                }
            }
        }
        return result
    }
}

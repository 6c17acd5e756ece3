/// How far the confidence of live traffic has moved from the confidence on the
/// calibration split, measured on fixed histograms.
///
/// Confidence is the calibrated probability of the most probable label. Training
/// stores its histogram on the calibration split in the manifest; classifying adds
/// each batch's to the queue's traffic counts; the two compare by the population
/// stability index,
///
///     PSI = Σ (pᵢ − qᵢ) · ln(pᵢ / qᵢ)
///
/// over the bins, with p the traffic's shares and q the calibration split's. It is a
/// symmetric Kullback–Leibler divergence: 0 for the same distribution, growing as
/// mass moves between bins. The customary reading is below 0.1 stable, 0.1 to 0.25 a
/// moderate shift, above 0.25 a shift that calls for a look. Each bin gets half an
/// input more on both sides, so an empty bin gives a finite index.
///
/// Small samples differ by chance: for two samples of n and m inputs from the same
/// distribution, the index is about (1/n + 1/m) · χ² with one degree of freedom
/// fewer than bins, near 0.1 for 450 inputs against 300. A verdict therefore needs
/// the index above both its customary level and the 99th percentile of that chance
/// variation (``Comparison/noiseLimit``).
///
/// A shift says the traffic differs from what the threshold was fitted on, not that
/// the model got worse: audits say that. Inputs unlike the training data (new topics,
/// out-of-scope requests) are the usual cause, showing up as mass moving to low
/// confidence.
public enum ConfidenceDrift {
    /// Equal-width bins over [0, 1].
    public static let binCount = 20

    /// Above this index (and chance) the shift is one to look at.
    public static let shiftedIndex = 0.25
    /// Above this index (and chance) the shift is moderate.
    public static let moderateIndex = 0.1

    /// The bin of a confidence; 1 falls in the last bin.
    @inline(__always)
    public static func bin(_ confidence: Double) -> Int {
        guard confidence.isFinite else { return 0 }
        return min(binCount - 1, max(0, Int(confidence * Double(binCount))))
    }

    /// Counts confidences into the bins.
    public static func histogram(_ confidences: some Sequence<Double>) -> [Int] {
        var counts = [Int](repeating: 0, count: binCount)
        for confidence in confidences { counts[bin(confidence)] += 1 }
        return counts
    }

    /// An observed histogram against the reference.
    public struct Comparison: Sendable, Equatable, Codable {
        /// The population stability index.
        public var index: Double
        /// The index two samples of these sizes from one distribution stay below 99
        /// times in 100.
        public var noiseLimit: Double
        /// `stable`, `moderate` or `shifted`.
        public var verdict: String

        public var hasShifted: Bool { verdict == "shifted" }
    }

    /// Compares `observed` with `reference`; `nil` when either is empty or they have
    /// different bins.
    public static func compare(reference: [Int], observed: [Int]) -> Comparison? {
        guard let index = stabilityIndex(reference: reference, observed: observed) else {
            return nil
        }
        let n = Double(reference.reduce(0, +))
        let m = Double(observed.reduce(0, +))
        let noise = chiSquareQuantile99(degrees: Double(reference.count - 1)) * (1 / n + 1 / m)
        let verdict =
            index > max(shiftedIndex, noise)
            ? "shifted" : index > max(moderateIndex, noise) ? "moderate" : "stable"
        return Comparison(index: index, noiseLimit: noise, verdict: verdict)
    }

    /// The population stability index of `observed` against `reference`; `nil` when
    /// either is empty or they have different bins.
    public static func stabilityIndex(reference: [Int], observed: [Int]) -> Double? {
        guard reference.count == observed.count, !reference.isEmpty else { return nil }
        let referenceTotal = Double(reference.reduce(0, +))
        let observedTotal = Double(observed.reduce(0, +))
        guard referenceTotal > 0, observedTotal > 0 else { return nil }
        let bins = Double(reference.count)
        var index = 0.0
        for (r, o) in zip(reference, observed) {
            let q = (Double(r) + 0.5) / (referenceTotal + 0.5 * bins)
            let p = (Double(o) + 0.5) / (observedTotal + 0.5 * bins)
            index += (p - q) * logarithm(p / q)
        }
        return index
    }

    /// The 99th percentile of χ² with `degrees` degrees of freedom, by the
    /// Wilson–Hilferty cube approximation (36.2 for 19, against 36.19 exactly).
    static func chiSquareQuantile99(degrees k: Double) -> Double {
        guard k > 0 else { return 0 }
        let z = 2.326_348  // the standard normal's 99th percentile
        let a = 2 / (9 * k)
        let cube = 1 - a + z * a.squareRoot()
        return k * cube * cube * cube
    }
}

/// How raw scores become calibrated probabilities.
public enum CalibrationMethod: String, Codable, Sendable, CaseIterable {
    /// One temperature divides every logit (default for more than two labels).
    case temperature
    /// A sigmoid of the logit margin (default for two labels; two labels only).
    case platt
    /// Isotonic regression of each label's probability against whether it is the
    /// true one (one-vs-rest), then renormalised; needs the most calibration data.
    case isotonic

    /// The method used when none is asked for.
    public static func standard(labels: Int) -> CalibrationMethod {
        labels == 2 ? .platt : .temperature
    }
}

/// A fitted calibration map from logits to probabilities.
public enum Calibrator: Sendable, Equatable {
    case temperature(Double)
    case platt(PlattScaling)
    /// One map per label, applied to that label's softmax probability.
    case isotonic([IsotonicRegression])

    public var method: CalibrationMethod {
        switch self {
        case .temperature: .temperature
        case .platt: .platt
        case .isotonic: .isotonic
        }
    }

    /// The identity map: plain softmax.
    public static let identity = Calibrator.temperature(1)

    /// Fits a calibrator on logits (row-major) and targets (-1 for labels the model
    /// does not know: they inform isotonic maps as negatives and are skipped by the
    /// others).
    ///
    /// - Throws: `invalidArgument` for Platt scaling with other than two labels.
    public static func fit(
        _ method: CalibrationMethod, logits: [Float], targets: [Int32], classCount: Int
    ) throws -> Calibrator {
        switch method {
        case .temperature:
            return .temperature(
                TemperatureScaling.fit(
                    logits: logits, targets: targets, classCount: classCount))

        case .platt:
            guard classCount == 2 else {
                throw TriageError.invalidArgument(
                    "Platt scaling needs exactly two labels, the model has \(classCount)",
                    remedy: "use --calibration-method temperature or isotonic")
            }
            var margins: [Double] = []
            var positive: [Bool] = []
            for (row, target) in targets.enumerated() where target >= 0 {
                margins.append(Double(logits[2 * row + 1] - logits[2 * row]))
                positive.append(target == 1)
            }
            guard !margins.isEmpty else { return .platt(PlattScaling(slope: 1, intercept: 0)) }
            return .platt(PlattScaling.fit(margins: margins, positive: positive))

        case .isotonic:
            let probabilities = Softmax.probabilities(
                logits, classCount: classCount, temperature: 1)
            let rows = targets.count
            guard rows > 0 else { return .isotonic([]) }
            let maps = (0..<classCount).map { c in
                IsotonicRegression.fit(
                    x: (0..<rows).map { probabilities[$0 * classCount + c] },
                    y: targets.map { $0 == Int32(c) ? 1 : 0 })
            }
            return .isotonic(maps)
        }
    }

    /// Calibrated probabilities of one row of logits, written over `output`.
    @inline(__always)
    public func probabilities(
        _ logits: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Double>
    ) {
        switch self {
        case .temperature(let temperature):
            Softmax.probabilities(logits, temperature: temperature, into: output)

        case .platt(let platt):
            let second = platt.probability(margin: Double(logits[1] - logits[0]))
            output[0] = 1 - second
            output[1] = second

        case .isotonic(let maps):
            Softmax.probabilities(logits, temperature: 1, into: output)
            guard maps.count == logits.count else { return }
            var total = 0.0
            for c in 0..<logits.count {
                output[c] = maps[c](output[c])
                total += output[c]
            }
            // Renormalise; a row every map sends to 0 falls back to uniform.
            if total > 0 {
                for c in 0..<logits.count { output[c] /= total }
            } else {
                for c in 0..<logits.count { output[c] = 1 / Double(logits.count) }
            }
        }
    }

    /// Row-major calibrated probabilities of every row of `logits`.
    public func probabilities(_ logits: [Float], classCount: Int) -> [Double] {
        var result = [Double](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { logits in
            result.withUnsafeMutableBufferPointer { output in
                for row in 0..<(logits.count / max(1, classCount)) {
                    let range = (row * classCount)..<((row + 1) * classCount)
                    probabilities(
                        UnsafeBufferPointer(rebasing: logits[range]),
                        into: UnsafeMutableBufferPointer(rebasing: output[range]))
                }
            }
        }
        return result
    }
}

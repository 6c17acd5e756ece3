#if canImport(Glibc)
    import Glibc
#endif

/// The L2-regularised multinomial logistic loss of a linear model on sparse rows.
///
/// Parameters are laid out as the weight matrix, feature-major (the `classCount`
/// weights of feature 0, then of feature 1, …), followed by one bias per class:
///
///     loss(W, b) = Σᵢ sᵢ·CE(softmax(Wᵀxᵢ + b), yᵢ) / Σᵢ sᵢ + λ/2·‖W‖²
///
/// with sᵢ the sample weights. Biases are not regularised. The gradient is computed
/// in two passes that each split cleanly across cores: residuals `p − y` per row over
/// chunks of rows, then `Xᵀ·residuals` over chunks of features using the transposed
/// matrix, so no two threads ever write the same weight.
final class SoftmaxObjective: DifferentiableObjective, @unchecked Sendable {
    let rows: SparseMatrix
    let columns: SparseMatrix
    let targets: [Int32]
    let sampleWeights: [Float]
    let classCount: Int
    let regularization: Double
    let dimension: Int
    private let weightTotal: Double
    private let rowChunks: [Range<Int>]
    private let featureChunks: [Range<Int>]
    /// Row-major (row, class) residuals sᵢ·(pᵢ − yᵢ)/Σs, rewritten by each evaluation.
    private var residuals: [Float]

    /// - Parameters:
    ///   - rows: one row per example.
    ///   - targets: each row's class, in `0..<classCount`.
    ///   - sampleWeights: one non-negative weight per row.
    ///   - regularization: λ, the L2 penalty on the weights.
    init(
        rows: SparseMatrix, targets: [Int32], sampleWeights: [Float], classCount: Int,
        regularization: Double
    ) {
        precondition(
            targets.count == rows.rowCount && sampleWeights.count == rows.rowCount,
            "\(rows.rowCount) rows need as many targets and weights")
        self.rows = rows
        self.columns = rows.transposed()
        self.targets = targets
        self.sampleWeights = sampleWeights
        self.classCount = classCount
        self.regularization = regularization
        self.dimension = rows.columnCount * classCount + classCount
        self.weightTotal = sampleWeights.reduce(0.0) { $0 + Double($1) }
        self.rowChunks = Parallel.balancedChunks(cumulative: rows.rowOffsets)
        self.featureChunks = Parallel.balancedChunks(cumulative: columns.rowOffsets)
        self.residuals = [Float](repeating: 0, count: rows.rowCount * classCount)
    }

    func evaluate(_ point: [Float], gradient: inout [Float]) -> Double {
        let classCount = classCount
        let featureCount = rows.columnCount
        let scale = Float(1 / weightTotal)
        let biasOffset = featureCount * classCount

        // Pass 1, over rows: logits, log-loss and residuals.
        let dataLoss: Double = point.withUnsafeBufferPointer { point in
            residuals.withUnsafeMutableBufferPointer { residuals in
                let point = UnsafeSendable(point)
                let residuals = UnsafeSendable(residuals)
                return Parallel.map(rowChunks) { range in
                    self.rowLoss(
                        range, point: point.value, residuals: residuals.value, scale: scale,
                        biasOffset: biasOffset)
                }.reduce(0, +)
            }
        }

        // Pass 2, over features: gradient = Xᵀ·residuals + λW, and ‖W‖² on the way.
        let lambda = Float(regularization)
        let squaredNorm: Double = point.withUnsafeBufferPointer { point in
            gradient.withUnsafeMutableBufferPointer { gradient in
                residuals.withUnsafeBufferPointer { residuals in
                    let point = UnsafeSendable(point)
                    let gradient = UnsafeSendable(gradient)
                    let residuals = UnsafeSendable(residuals)
                    return Parallel.map(featureChunks) { range in
                        self.featureGradient(
                            range, point: point.value, gradient: gradient.value,
                            residuals: residuals.value, lambda: lambda)
                    }.reduce(0, +)
                }
            }
        }

        // Bias gradient: the residuals summed over rows.
        for c in 0..<classCount { gradient[biasOffset + c] = 0 }
        residuals.withUnsafeBufferPointer { residuals in
            for row in 0..<rows.rowCount {
                let base = row * classCount
                for c in 0..<classCount { gradient[biasOffset + c] += residuals[base + c] }
            }
        }

        return dataLoss / weightTotal + regularization / 2 * squaredNorm
    }

    /// Weighted log-loss of a range of rows; writes their residuals.
    private func rowLoss(
        _ range: Range<Int>, point: UnsafeBufferPointer<Float>,
        residuals: UnsafeMutableBufferPointer<Float>, scale: Float, biasOffset: Int
    ) -> Double {
        let classCount = classCount
        var logits = [Float](repeating: 0, count: classCount)
        var total = 0.0
        rows.rowOffsets.withUnsafeBufferPointer { offsets in
            rows.columns.withUnsafeBufferPointer { features in
                rows.values.withUnsafeBufferPointer { values in
                    logits.withUnsafeMutableBufferPointer { logits in
                        for row in range {
                            // Logits: bias plus each feature's weight row scaled by its value.
                            for c in 0..<classCount { logits[c] = point[biasOffset + c] }
                            for entry in offsets[row]..<offsets[row + 1] {
                                let base = Int(features[entry]) * classCount
                                Kernels.axpy(
                                    values[entry], point.baseAddress! + base, logits.baseAddress!,
                                    count: classCount)
                            }

                            // Softmax with the maximum subtracted, and the log-loss of the target.
                            var maximum = -Float.infinity
                            for c in 0..<classCount { maximum = max(maximum, logits[c]) }
                            var sum: Float = 0
                            for c in 0..<classCount {
                                let e = expf(logits[c] - maximum)
                                logits[c] = e
                                sum += e
                            }
                            let target = Int(targets[row])
                            let weight = sampleWeights[row]
                            total +=
                                Double(weight)
                                * (Double(logf(sum))
                                    - Double(logf(max(logits[target], .leastNormalMagnitude))))

                            let factor = weight * scale / sum
                            let base = row * classCount
                            for c in 0..<classCount { residuals[base + c] = factor * logits[c] }
                            residuals[base + target] -= weight * scale
                        }
                    }
                }
            }
        }
        return total
    }

    /// Gradient rows of a range of features; returns their weights' squared norm.
    private func featureGradient(
        _ range: Range<Int>, point: UnsafeBufferPointer<Float>,
        gradient: UnsafeMutableBufferPointer<Float>, residuals: UnsafeBufferPointer<Float>,
        lambda: Float
    ) -> Double {
        let classCount = classCount
        var squaredNorm = 0.0
        columns.rowOffsets.withUnsafeBufferPointer { offsets in
            columns.columns.withUnsafeBufferPointer { rowIndices in
                columns.values.withUnsafeBufferPointer { values in
                    for feature in range {
                        let base = feature * classCount
                        let weights = point.baseAddress! + base
                        Kernels.scale(
                            weights, by: lambda, into: gradient.baseAddress! + base,
                            count: classCount)
                        squaredNorm += Double(Kernels.dot(weights, weights, count: classCount))
                        for entry in offsets[feature]..<offsets[feature + 1] {
                            let residualBase = Int(rowIndices[entry]) * classCount
                            Kernels.axpy(
                                values[entry], residuals.baseAddress! + residualBase,
                                gradient.baseAddress! + base, count: classCount)
                        }
                    }
                }
            }
        }
        return squaredNorm
    }
}

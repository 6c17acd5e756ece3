/// Class scores as a linear function of sparse features: `logits = Wᵀx + b`.
public struct LinearModel: Sendable {
    public let featureCount: Int
    public let classCount: Int
    /// Feature-major: the `classCount` weights of feature 0, then of feature 1, ….
    public let weights: FloatBuffer
    public let bias: [Float]

    public init(featureCount: Int, classCount: Int, weights: [Float], bias: [Float]) {
        self.init(
            featureCount: featureCount, classCount: classCount, weights: FloatBuffer(weights),
            bias: bias)
    }

    public init(featureCount: Int, classCount: Int, weights: FloatBuffer, bias: [Float]) {
        precondition(
            weights.count == featureCount * classCount && bias.count == classCount,
            "a \(featureCount)×\(classCount) model got \(weights.count) weights and \(bias.count) biases"
        )
        self.featureCount = featureCount
        self.classCount = classCount
        self.weights = weights
        self.bias = bias
    }

    /// Writes the logits of one sparse row into `logits`.
    ///
    /// - Complexity: O(non-zeros × classes).
    @inline(__always)
    func logits(
        columns: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        into logits: UnsafeMutableBufferPointer<Float>
    ) {
        let classCount = classCount
        weights.withUnsafeBufferPointer { weights in
            for c in 0..<classCount { logits[c] = bias[c] }
            for entry in 0..<columns.count {
                let base = Int(columns[entry]) * classCount
                Kernels.axpy(
                    values[entry], weights.baseAddress! + base, logits.baseAddress!,
                    count: classCount)
            }
        }
    }

    /// The logits of every row, row-major (`rowCount × classCount`), computed on all
    /// cores.
    public func logits(_ matrix: SparseMatrix, parallel: Bool = true) -> [Float] {
        precondition(
            matrix.columnCount == featureCount,
            "rows of \(matrix.columnCount) features for a model of \(featureCount)")
        let classCount = classCount
        var result = [Float](repeating: 0, count: matrix.rowCount * classCount)
        let chunks =
            parallel
            ? Parallel.balancedChunks(cumulative: matrix.rowOffsets) : [0..<matrix.rowCount]
        result.withUnsafeMutableBufferPointer { output in
            let output = UnsafeSendable(output)
            Parallel.run(chunks) { range in
                matrix.columns.withUnsafeBufferPointer { columns in
                    matrix.values.withUnsafeBufferPointer { values in
                        for row in range {
                            let entries = matrix.rowOffsets[row]..<matrix.rowOffsets[row + 1]
                            let slice = UnsafeMutableBufferPointer(
                                rebasing: output.value[
                                    (row * classCount)..<((row + 1) * classCount)])
                            self.logits(
                                columns: UnsafeBufferPointer(rebasing: columns[entries]),
                                values: UnsafeBufferPointer(rebasing: values[entries]),
                                into: slice)
                        }
                    }
                }
            }
        }
        return result
    }
}

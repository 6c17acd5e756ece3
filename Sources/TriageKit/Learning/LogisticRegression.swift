/// How much each class's examples weigh in the loss.
public enum ClassWeighting: String, Codable, Sendable, CaseIterable {
    /// Every example weighs 1.
    case none
    /// Each class weighs `n / (classes × n_class)`, as scikit-learn's "balanced", so
    /// rare classes count as much in total as common ones.
    case balanced
}

/// Settings of multinomial logistic regression.
public struct LogisticRegressionSettings: Codable, Sendable, Equatable {
    /// Inverse regularisation strength, as scikit-learn's `C`: the penalty is
    /// `‖W‖² / (2·C·Σ sample weights)` on the mean loss. Larger fits the training data
    /// more closely.
    public var inverseRegularization: Double
    /// Stop when the gradient's largest component is at most this.
    public var tolerance: Double
    public var maxIterations: Int
    /// Curvature pairs L-BFGS keeps.
    public var memory: Int
    public var classWeighting: ClassWeighting

    public init(
        inverseRegularization: Double = 100, tolerance: Double = 1e-5,
        maxIterations: Int = 300, memory: Int = 10, classWeighting: ClassWeighting = .none
    ) {
        self.inverseRegularization = inverseRegularization
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.memory = memory
        self.classWeighting = classWeighting
    }

    /// Per-example weights for `targets` under the class weighting, with any given
    /// sample weights multiplied in.
    public func exampleWeights(targets: [Int32], classCount: Int, sampleWeights: [Float]? = nil)
        -> [Float]
    {
        var weights = sampleWeights ?? [Float](repeating: 1, count: targets.count)
        guard classWeighting == .balanced, !targets.isEmpty else { return weights }
        var counts = [Int](repeating: 0, count: classCount)
        for target in targets { counts[Int(target)] += 1 }
        let total = Float(targets.count)
        let present = Float(counts.filter { $0 > 0 }.count)
        for (row, target) in targets.enumerated() {
            weights[row] *= total / (present * Float(counts[Int(target)]))
        }
        return weights
    }

    public func validate() throws {
        guard inverseRegularization > 0, inverseRegularization.isFinite else {
            throw TriageError.invalidArgument(
                "the inverse regularisation C must be positive, got \(inverseRegularization)")
        }
        guard tolerance > 0 else {
            throw TriageError.invalidArgument("the tolerance must be positive, got \(tolerance)")
        }
        guard maxIterations >= 1 else {
            throw TriageError.invalidArgument(
                "the iteration limit must be at least 1, got \(maxIterations)")
        }
        guard (1...100).contains(memory) else {
            throw TriageError.invalidArgument(
                "the L-BFGS memory must be between 1 and 100, got \(memory)")
        }
    }
}

/// Multinomial logistic regression with an L2 penalty, fitted by L-BFGS.
public enum LogisticRegression {
    /// Fits a model to sparse rows.
    ///
    /// - Parameters:
    ///   - targets: each row's class in `0..<classCount`.
    ///   - sampleWeights: one weight per row, or `nil` for all ones.
    ///   - progress: called after every optimiser iteration.
    /// - Throws: `TriageError` `.invalidArgument` for bad settings, `.training` when the
    ///   loss diverges.
    /// - Complexity: per iteration O(non-zeros × classes + features × classes × memory).
    public static func fit(
        rows: SparseMatrix, targets: [Int32], classCount: Int,
        sampleWeights: [Float]? = nil, settings: LogisticRegressionSettings,
        progress: (OptimizerProgress) -> Void = { _ in }
    ) throws -> (LinearModel, OptimizerResult) {
        try settings.validate()
        guard rows.rowCount > 0 else {
            throw TriageError(.training, "there are no training examples")
        }
        let weights = settings.exampleWeights(
            targets: targets, classCount: classCount, sampleWeights: sampleWeights)
        let weightTotal = weights.reduce(0.0) { $0 + Double($1) }
        let objective = SoftmaxObjective(
            rows: rows, targets: targets, sampleWeights: weights, classCount: classCount,
            regularization: 1 / (settings.inverseRegularization * weightTotal))

        var point = [Float](repeating: 0, count: objective.dimension)
        let optimizer = LBFGS(
            memory: settings.memory, tolerance: settings.tolerance,
            maxIterations: settings.maxIterations)
        let result = try optimizer.minimize(objective, from: &point, progress: progress)

        let weightCount = rows.columnCount * classCount
        let model = LinearModel(
            featureCount: rows.columnCount, classCount: classCount,
            weights: Array(point[0..<weightCount]), bias: Array(point[weightCount...]))
        return (model, result)
    }
}

/// A smooth function to minimise: its value and gradient at a point.
protocol DifferentiableObjective {
    var dimension: Int { get }
    /// The value at `point`, writing the gradient into `gradient`.
    func evaluate(_ point: [Float], gradient: inout [Float]) -> Double
}

/// One line of optimiser progress.
public struct OptimizerProgress: Sendable {
    public var iteration: Int
    public var loss: Double
    /// The largest absolute component of the gradient.
    public var gradientNorm: Double
    public var evaluations: Int
}

/// How the optimiser stopped.
public enum OptimizerStop: String, Sendable, Codable {
    /// The gradient's largest component fell to the tolerance.
    case gradientTolerance = "gradient_tolerance"
    /// The loss stopped decreasing by more than a relative 1e-10 per iteration.
    case lossTolerance = "loss_tolerance"
    /// The line search could not decrease the loss further: the point is as good as
    /// single precision can tell.
    case lineSearch = "line_search"
    /// The iteration budget ran out first.
    case iterationLimit = "iteration_limit"
}

public struct OptimizerResult: Sendable {
    public var loss: Double
    public var gradientNorm: Double
    public var iterations: Int
    public var evaluations: Int
    public var stop: OptimizerStop
    public var converged: Bool { stop != .iterationLimit }
}

/// Limited-memory BFGS with a strong-Wolfe line search (Nocedal and Wright, *Numerical
/// Optimization*, algorithms 7.4, 3.5 and 3.6).
///
/// Points, gradients and the curvature history are stored in single precision, which
/// halves the memory traffic that dominates each iteration on large models; inner
/// products are summed in double precision.
struct LBFGS {
    /// Curvature pairs kept.
    var memory = 10
    /// Stop when the gradient's largest absolute component is at most this.
    var tolerance = 1e-4
    var maxIterations = 500

    /// Sufficient decrease and curvature constants of the Wolfe conditions.
    private let c1 = 1e-4
    private let c2 = 0.9

    init(memory: Int = 10, tolerance: Double = 1e-4, maxIterations: Int = 500) {
        self.memory = memory
        self.tolerance = tolerance
        self.maxIterations = maxIterations
    }

    /// Minimises `objective` starting from `point`, which ends at the minimiser.
    ///
    /// - Throws: `TriageError` with code `.training` when the loss becomes NaN or
    ///   infinite.
    func minimize<Objective: DifferentiableObjective>(
        _ objective: Objective,
        from point: inout [Float],
        progress: (OptimizerProgress) -> Void = { _ in }
    ) throws -> OptimizerResult {
        let n = objective.dimension
        precondition(point.count == n, "starting point has \(point.count) of \(n) components")

        var gradient = [Float](repeating: 0, count: n)
        var loss = objective.evaluate(point, gradient: &gradient)
        var evaluations = 1
        try check(loss, iteration: 0)
        var gradientNorm = Double(VectorMath.maxAbs(gradient))
        progress(
            OptimizerProgress(iteration: 0, loss: loss, gradientNorm: gradientNorm, evaluations: 1))
        if gradientNorm <= tolerance {
            return OptimizerResult(
                loss: loss, gradientNorm: gradientNorm, iterations: 0,
                evaluations: 1, stop: .gradientTolerance)
        }

        var history = CurvatureHistory(capacity: memory)
        var direction = gradient.map { -$0 }
        var trialPoint = point
        var trialGradient = gradient
        var stop = OptimizerStop.iterationLimit
        var iteration = 0

        while iteration < maxIterations {
            iteration += 1

            // Search along the direction; the first step is scaled so it moves one
            // unit, later ones start from the quasi-Newton step of length 1.
            var slope = VectorMath.dot(gradient, direction)
            if slope >= 0 {
                // Not a descent direction (rounding in the history): start afresh.
                history.removeAll()
                direction = gradient.map { -$0 }
                slope = VectorMath.dot(gradient, direction)
            }
            let initialStep =
                history.isEmpty ? min(1, 1 / VectorMath.squaredNorm(gradient).squareRoot()) : 1
            let search = lineSearch(
                objective, point: point, loss: loss, slope: slope, direction: direction,
                initialStep: initialStep, trialPoint: &trialPoint, trialGradient: &trialGradient)
            evaluations += search.evaluations
            guard let step = search.step else {
                stop = .lineSearch
                break
            }
            try check(search.loss, iteration: iteration)

            // Curvature pair s = x⁺ − x, y = g⁺ − g; kept only when sᵀy > 0 keeps
            // the approximation positive definite.
            history.push(
                step: direction, scaledBy: Float(step), from: gradient, to: trialGradient)
            let previousLoss = loss
            swap(&point, &trialPoint)
            swap(&gradient, &trialGradient)
            loss = search.loss
            gradientNorm = Double(VectorMath.maxAbs(gradient))
            progress(
                OptimizerProgress(
                    iteration: iteration, loss: loss, gradientNorm: gradientNorm,
                    evaluations: evaluations))

            if gradientNorm <= tolerance {
                stop = .gradientTolerance
                break
            }
            if (previousLoss - loss) / max(abs(previousLoss), abs(loss), 1) <= 1e-10 {
                stop = .lossTolerance
                break
            }
            history.direction(for: gradient, into: &direction)
        }

        return OptimizerResult(
            loss: loss, gradientNorm: gradientNorm, iterations: iteration,
            evaluations: evaluations, stop: stop)
    }

    private func check(_ loss: Double, iteration: Int) throws {
        guard loss.isFinite else {
            throw TriageError(
                .training, "the training loss became \(loss) at iteration \(iteration)",
                remedy: "check the data for extreme values, or raise the regularisation")
        }
    }

    private struct SearchResult {
        var step: Double?
        var loss: Double
        var evaluations: Int
    }

    /// Finds a step satisfying the strong Wolfe conditions. On success the trial
    /// buffers hold the point and gradient at that step.
    private func lineSearch<Objective: DifferentiableObjective>(
        _ objective: Objective, point: [Float], loss: Double, slope: Double,
        direction: [Float], initialStep: Double,
        trialPoint: inout [Float], trialGradient: inout [Float]
    ) -> SearchResult {
        var evaluations = 0
        func evaluate(_ step: Double) -> (loss: Double, slope: Double) {
            VectorMath.assign(&trialPoint, point, plus: Float(step), times: direction)
            let value = objective.evaluate(trialPoint, gradient: &trialGradient)
            evaluations += 1
            return (value, VectorMath.dot(trialGradient, direction))
        }

        var previous = (step: 0.0, loss: loss, slope: slope)
        var step = initialStep
        for attempt in 0..<20 {
            let current = evaluate(step)
            if !current.loss.isFinite {
                // Overshot into overflow: back off and try again.
                step = previous.step + (step - previous.step) / 10
                continue
            }
            if current.loss > loss + c1 * step * slope
                || (attempt > 0 && current.loss >= previous.loss)
            {
                return zoom(
                    low: previous, high: (step, current.loss, current.slope),
                    loss: loss, slope: slope, evaluations: evaluations, evaluate: evaluate)
            }
            if abs(current.slope) <= -c2 * slope {
                return SearchResult(step: step, loss: current.loss, evaluations: evaluations)
            }
            if current.slope >= 0 {
                return zoom(
                    low: (step, current.loss, current.slope), high: previous,
                    loss: loss, slope: slope, evaluations: evaluations, evaluate: evaluate)
            }
            previous = (step, current.loss, current.slope)
            step *= 2
        }
        return SearchResult(step: nil, loss: loss, evaluations: evaluations)
    }

    private func zoom(
        low initialLow: (step: Double, loss: Double, slope: Double),
        high initialHigh: (step: Double, loss: Double, slope: Double),
        loss: Double, slope: Double, evaluations: Int,
        evaluate: (Double) -> (loss: Double, slope: Double)
    ) -> SearchResult {
        var low = initialLow
        var high = initialHigh
        var evaluations = evaluations
        for _ in 0..<30 {
            // Minimiser of the cubic through both ends, kept away from the ends.
            let width = high.step - low.step
            var step = cubicMinimizer(low, high) ?? (low.step + width / 2)
            let lower = min(low.step, high.step) + 0.1 * abs(width)
            let upper = max(low.step, high.step) - 0.1 * abs(width)
            if !(lower...upper).contains(step) { step = low.step + width / 2 }

            let current = evaluate(step)
            evaluations += 1
            if current.loss > loss + c1 * step * slope || current.loss >= low.loss {
                high = (step, current.loss, current.slope)
            } else {
                if abs(current.slope) <= -c2 * slope {
                    return SearchResult(step: step, loss: current.loss, evaluations: evaluations)
                }
                if current.slope * (high.step - low.step) >= 0 { high = low }
                low = (step, current.loss, current.slope)
            }
            if abs(high.step - low.step) < 1e-12 * max(1, abs(low.step)) { break }
        }

        // The interval collapsed without meeting the curvature condition. A step that
        // still decreases the loss is worth taking; the trial buffers must hold it.
        if low.step > 0 && low.loss < loss {
            let current = evaluate(low.step)
            evaluations += 1
            return SearchResult(step: low.step, loss: current.loss, evaluations: evaluations)
        }
        return SearchResult(step: nil, loss: loss, evaluations: evaluations)
    }

    /// The minimiser of the cubic matching both points' values and slopes, when it
    /// has one.
    private func cubicMinimizer(
        _ a: (step: Double, loss: Double, slope: Double),
        _ b: (step: Double, loss: Double, slope: Double)
    ) -> Double? {
        let d1 = a.slope + b.slope - 3 * (a.loss - b.loss) / (a.step - b.step)
        let radicand = d1 * d1 - a.slope * b.slope
        guard radicand >= 0 else { return nil }
        let d2 = (b.step > a.step ? 1.0 : -1.0) * radicand.squareRoot()
        let denominator = b.slope - a.slope + 2 * d2
        guard denominator != 0 else { return nil }
        let step = b.step - (b.step - a.step) * (b.slope + d2 - d1) / denominator
        return step.isFinite ? step : nil
    }
}

/// The last few curvature pairs and the two-loop recursion over them.
private struct CurvatureHistory {
    let capacity: Int
    private var steps: [[Float]] = []
    private var changes: [[Float]] = []
    private var inverseCurvatures: [Double] = []
    /// yᵀy of each pair, for the initial scaling.
    private var changeNorms: [Double] = []
    /// Index of the oldest pair once the ring is full.
    private var oldest = 0
    /// Buffers for the next pair, so the history never reallocates.
    private var spareStep: [Float] = []
    private var spareChange: [Float] = []

    init(capacity: Int) { self.capacity = capacity }

    var isEmpty: Bool { steps.isEmpty }

    mutating func removeAll() {
        steps.removeAll()
        changes.removeAll()
        inverseCurvatures.removeAll()
        changeNorms.removeAll()
        oldest = 0
    }

    /// Records s = step·direction and y = newGradient − oldGradient, reusing the
    /// oldest buffers once full. Skips pairs whose curvature sᵀy is not positive,
    /// which keeps the approximation positive definite.
    mutating func push(
        step direction: [Float], scaledBy step: Float, from oldGradient: [Float],
        to newGradient: [Float]
    ) {
        // Work in the spare buffers so a rejected pair costs nothing kept.
        if spareStep.count != direction.count {
            spareStep = [Float](repeating: 0, count: direction.count)
            spareChange = spareStep
        }
        VectorMath.assign(&spareStep, scaling: direction, by: step)
        VectorMath.assign(&spareChange, newGradient, plus: -1, times: oldGradient)
        let curvature = VectorMath.dot(spareStep, spareChange)
        let changeNorm = VectorMath.squaredNorm(spareChange)
        guard curvature > 1e-10 * changeNorm, curvature > 0 else { return }

        if steps.count == capacity {
            swap(&steps[oldest], &spareStep)
            swap(&changes[oldest], &spareChange)
            inverseCurvatures[oldest] = 1 / curvature
            changeNorms[oldest] = changeNorm
            oldest = (oldest + 1) % capacity
        } else {
            steps.append(spareStep)
            changes.append(spareChange)
            spareStep = []
            spareChange = []
            inverseCurvatures.append(1 / curvature)
            changeNorms.append(changeNorm)
        }
    }

    /// direction ← −H·gradient, H the inverse-Hessian approximation.
    func direction(for gradient: [Float], into direction: inout [Float]) {
        VectorMath.assign(&direction, scaling: gradient, by: -1)
        let count = steps.count
        guard count > 0 else { return }
        let order = (0..<count).map { (oldest + $0) % count }

        // First loop, newest to oldest.
        var alphas = [Double](repeating: 0, count: count)
        for index in order.reversed() {
            let alpha = inverseCurvatures[index] * VectorMath.dot(steps[index], direction)
            alphas[index] = alpha
            VectorMath.axpy(Float(-alpha), changes[index], &direction)
        }

        // Initial scaling γ = sᵀy / yᵀy from the newest pair.
        let newest = order[count - 1]
        let gamma = 1 / (inverseCurvatures[newest] * changeNorms[newest])
        VectorMath.scale(&direction, by: Float(gamma))

        // Second loop, oldest to newest.
        for index in order {
            let beta = inverseCurvatures[index] * VectorMath.dot(changes[index], direction)
            VectorMath.axpy(Float(alphas[index] - beta), steps[index], &direction)
        }
    }
}

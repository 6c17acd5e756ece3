import Testing

@testable import TriageKit

/// f(x) = Σ (a_i/2)(x_i − c_i)²: a separable quadratic with its minimum at c.
private struct Quadratic: DifferentiableObjective {
    let curvatures: [Float]
    let centre: [Float]
    var dimension: Int { centre.count }

    func evaluate(_ point: [Float], gradient: inout [Float]) -> Double {
        var value = 0.0
        for i in 0..<dimension {
            let d = point[i] - centre[i]
            value += Double(curvatures[i] * d * d / 2)
            gradient[i] = curvatures[i] * d
        }
        return value
    }
}

/// Rosenbrock's banana valley: minimum 0 at (1, 1), notoriously badly scaled.
private struct Rosenbrock: DifferentiableObjective {
    var dimension: Int { 2 }

    func evaluate(_ point: [Float], gradient: inout [Float]) -> Double {
        let x = Double(point[0])
        let y = Double(point[1])
        gradient[0] = Float(-2 * (1 - x) - 400 * x * (y - x * x))
        gradient[1] = Float(200 * (y - x * x))
        return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
    }
}

@Suite struct OptimizerTests {
    @Test func lbfgsFindsTheMinimumOfAnIllConditionedQuadratic() throws {
        let objective = Quadratic(
            curvatures: [1, 10, 100, 1000, 0.5], centre: [3, -2, 0.5, 1, -4])
        var point = [Float](repeating: 0, count: 5)
        let result = try LBFGS(tolerance: 1e-5).minimize(objective, from: &point)
        #expect(result.converged)
        for (found, expected) in zip(point, objective.centre) {
            #expect(abs(found - expected) < 1e-4, "found \(point)")
        }
        #expect(result.loss < 1e-8)
    }

    @Test func lbfgsSolvesRosenbrock() throws {
        var point: [Float] = [-1.2, 1]
        let result = try LBFGS(tolerance: 1e-4, maxIterations: 200)
            .minimize(Rosenbrock(), from: &point)
        #expect(result.converged)
        #expect(abs(point[0] - 1) < 1e-3 && abs(point[1] - 1) < 2e-3, "found \(point)")
    }

    @Test func logisticRegressionMatchesTheClosedFormOptimumOfOneFeature() throws {
        // One binary feature, two classes, no penalty to speak of: the fitted
        // probabilities must equal the empirical class frequencies. Feature on: 3 of 4
        // rows are class 1; feature off: 1 of 4 rows is class 1.
        var rows = SparseMatrix(columnCount: 1)
        var targets: [Int32] = []
        for (on, target) in [
            (true, 1), (true, 1), (true, 1), (true, 0),
            (false, 1), (false, 0), (false, 0), (false, 0),
        ] {
            rows.appendRow(columns: on ? [0] : [], values: on ? [1] : [])
            targets.append(Int32(target))
        }
        let (model, result) = try LogisticRegression.fit(
            rows: rows, targets: targets, classCount: 2,
            settings: LogisticRegressionSettings(
                inverseRegularization: 1e6, tolerance: 1e-6, maxIterations: 500))
        #expect(result.converged)
        let logits = model.logits(rows)
        let probabilities = Softmax.probabilities(logits, classCount: 2, temperature: 1)
        #expect(abs(probabilities[1] - 0.75) < 1e-3)
        #expect(abs(probabilities[2 * 4 + 1] - 0.25) < 1e-3)
    }

    @Test func gradientMatchesFiniteDifferences() {
        var rows = SparseMatrix(columnCount: 3)
        rows.appendRow(columns: [0, 2], values: [0.6, 0.8])
        rows.appendRow(columns: [1], values: [1])
        rows.appendRow(columns: [0, 1, 2], values: [0.5, 0.5, 0.7])
        let objective = SoftmaxObjective(
            rows: rows, targets: [0, 1, 2], sampleWeights: [1, 2, 0.5], classCount: 3,
            regularization: 0.1)
        var generator = SeededGenerator(seed: 7)
        let point = (0..<objective.dimension).map { _ in Float.random(in: -1...1, using: &generator)
        }
        var gradient = [Float](repeating: 0, count: objective.dimension)
        _ = objective.evaluate(point, gradient: &gradient)

        var scratch = gradient
        for index in 0..<objective.dimension {
            var up = point
            var down = point
            up[index] += 1e-2
            down[index] -= 1e-2
            let numeric =
                (objective.evaluate(up, gradient: &scratch)
                    - objective.evaluate(down, gradient: &scratch)) / 2e-2
            #expect(abs(numeric - Double(gradient[index])) < 2e-3, "component \(index)")
        }
    }

    @Test func aWeightOfTwoEqualsAnExampleTwice() throws {
        // The weighted loss divides by the total weight, so weighting a row by 2 is
        // the same objective as repeating it.
        var weighted = SparseMatrix(columnCount: 2)
        weighted.appendRow(columns: [0], values: [1])
        weighted.appendRow(columns: [1], values: [1])
        weighted.appendRow(columns: [0, 1], values: [0.6, 0.8])
        var repeated = weighted
        repeated.appendRow(columns: [0], values: [1])
        let settings = LogisticRegressionSettings(
            inverseRegularization: 5, tolerance: 1e-7, maxIterations: 500)
        let (a, _) = try LogisticRegression.fit(
            rows: weighted, targets: [0, 1, 1], classCount: 2, sampleWeights: [2, 1, 1],
            settings: settings)
        let (b, _) = try LogisticRegression.fit(
            rows: repeated, targets: [0, 1, 1, 0], classCount: 2, settings: settings)
        for (x, y) in zip(a.weights.array + a.bias, b.weights.array + b.bias) {
            #expect(abs(x - y) < 1e-4, "\(a.weights.array) vs \(b.weights.array)")
        }
    }

    @Test func balancedClassWeightsEqualiseTheClasses() {
        let settings = LogisticRegressionSettings(classWeighting: .balanced)
        // Three of class 0, one of class 1: weights n / (k · n_c) = 4/6 and 4/2.
        let weights = settings.exampleWeights(targets: [0, 0, 0, 1], classCount: 2)
        #expect(
            weights.map { Double($0) }.map { rounded($0, places: 6) } == [
                0.666667, 0.666667, 0.666667, 2,
            ])
    }
}

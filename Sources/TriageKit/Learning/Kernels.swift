/// The innermost loops, written with explicit SIMD so they vectorise regardless of
/// what the optimiser can prove about aliasing or float reassociation.
///
/// Pointers must be valid for `count` elements; nothing here checks.
enum Kernels {
    /// Σ x[i]·y[i], summed in eight single-precision lanes.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var lanes2 = SIMD8<Float>()
        var index = 0
        while index + 16 <= count {
            lanes += load8(x + index) * load8(y + index)
            lanes2 += load8(x + index + 8) * load8(y + index + 8)
            index += 16
        }
        lanes += lanes2
        while index + 8 <= count {
            lanes += load8(x + index) * load8(y + index)
            index += 8
        }
        var total = lanes.sum()
        while index < count {
            total += x[index] * y[index]
            index += 1
        }
        return total
    }

    /// y[i] += α·x[i].
    @inline(__always)
    static func axpy(
        _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
    ) {
        let a = SIMD8<Float>(repeating: alpha)
        var index = 0
        while index + 8 <= count {
            store8(load8(y + index) + a * load8(x + index), y + index)
            index += 8
        }
        while index < count {
            y[index] += alpha * x[index]
            index += 1
        }
    }

    /// z[i] = x[i] + α·y[i].
    @inline(__always)
    static func sum(
        _ x: UnsafePointer<Float>, _ alpha: Float, _ y: UnsafePointer<Float>,
        into z: UnsafeMutablePointer<Float>, count: Int
    ) {
        let a = SIMD8<Float>(repeating: alpha)
        var index = 0
        while index + 8 <= count {
            store8(load8(x + index) + a * load8(y + index), z + index)
            index += 8
        }
        while index < count {
            z[index] = x[index] + alpha * y[index]
            index += 1
        }
    }

    /// z[i] = α·x[i].
    @inline(__always)
    static func scale(
        _ x: UnsafePointer<Float>, by alpha: Float, into z: UnsafeMutablePointer<Float>, count: Int
    ) {
        let a = SIMD8<Float>(repeating: alpha)
        var index = 0
        while index + 8 <= count {
            store8(a * load8(x + index), z + index)
            index += 8
        }
        while index < count {
            z[index] = alpha * x[index]
            index += 1
        }
    }

    /// max |x[i]|.
    @inline(__always)
    static func maxAbs(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var index = 0
        while index + 8 <= count {
            let v = load8(x + index)
            let magnitude = v.replacing(with: -v, where: v .< 0)
            lanes = lanes.replacing(with: magnitude, where: magnitude .> lanes)
            index += 8
        }
        var result = lanes.max()
        while index < count {
            result = max(result, abs(x[index]))
            index += 1
        }
        return result
    }

    @inline(__always)
    static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }
}

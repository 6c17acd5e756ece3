#if canImport(Glibc)
    import Glibc
#endif

/// The natural logarithm, without importing Foundation into every file.
@inline(__always)
func logarithm(_ x: Double) -> Double { log(x) }

/// Rounds to `places` decimals, for reports and JSON output.
@inline(__always)
public func rounded(_ x: Double, places: Int) -> Double {
    let scale = pow(10, Double(places))
    return (x * scale).rounded() / scale
}

/// ln Γ(x), for binomial coefficients in log space.
@inline(__always)
func logGamma(_ x: Double) -> Double {
    let result: Double = lgamma(x)
    return result
}

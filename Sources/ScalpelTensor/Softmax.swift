import RealModule

/// Row-wise softmax, numerically stable (the row maximum is subtracted before `exp`).
///
/// Layouts: `x[N, C]`, `out[N, C]`; backward uses the saved `out`.
public enum Softmax {
    /// `out[n, :] = softmax(x[n, :])`. `out` may be `x`.
    @inlinable
    public static func forward<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, x: UnsafePointer<T>, n: Int, dim: Int
    ) {
        for row in 0..<n {
            let xr = x + row * dim
            let o = out + row * dim
            var maxValue = -T.infinity
            for i in 0..<dim where xr[i] > maxValue { maxValue = xr[i] }
            var sum: T = 0
            for i in 0..<dim {
                let e = T.exp(xr[i] - maxValue)
                o[i] = e
                sum += e
            }
            let inv = 1 / sum
            for i in 0..<dim { o[i] *= inv }
        }
    }

    /// `dX += out ⊙ (dOut − Σ(dOut ⊙ out))` per row.
    @inlinable
    public static func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>, dOut: UnsafePointer<T>, out: UnsafePointer<T>, n: Int, dim: Int
    ) {
        for row in 0..<n {
            let y = out + row * dim
            let g = dOut + row * dim
            let dx = dX + row * dim
            var dot: T = 0
            for i in 0..<dim { dot += g[i] * y[i] }
            for i in 0..<dim { dx[i] += y[i] * (g[i] - dot) }
        }
    }
}

import RealModule

/// Layer normalisation as `torch.nn.LayerNorm` computes it (biased variance):
/// `out = (x − mean) · rsqrt(var + eps) ⊙ weight + bias`, per row.
///
/// Layouts: `x[N, D]`, `weight[D]`, `bias[D]` (optional), `out[N, D]`; saved `mean[N]` and
/// `rstd[N]` (`rsqrt(var + eps)`) for backward.
public enum LayerNorm {
    /// Normalises each of the `n` rows of `x`; writes `mean` and `rstd` when they are not nil.
    /// `out` may be `x`.
    @inlinable
    public static func forward<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, mean: UnsafeMutablePointer<T>?, rstd: UnsafeMutablePointer<T>?,
        x: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
        n: Int, dim: Int, eps: T
    ) {
        for row in 0..<n {
            let xr = x + row * dim
            let o = out + row * dim
            var sum: T = 0
            for i in 0..<dim { sum += xr[i] }
            let m = sum / T(dim)
            var sumSq: T = 0
            for i in 0..<dim {
                let d = xr[i] - m
                sumSq += d * d
            }
            let r = 1 / T.sqrt(sumSq / T(dim) + eps)
            if let bias {
                for i in 0..<dim { o[i] = (xr[i] - m) * r * weight[i] + bias[i] }
            } else {
                for i in 0..<dim { o[i] = (xr[i] - m) * r * weight[i] }
            }
            mean?[row] = m
            rstd?[row] = r
        }
    }

    /// With `ĥ = (x − mean)·r` and `g = weight ⊙ dOut`:
    /// `dX += r·(g − mean(g) − ĥ·mean(g ⊙ ĥ))`, `dWeight += Σ_rows dOut ⊙ ĥ`, `dBias += Σ_rows dOut`.
    @inlinable
    public static func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>?, dWeight: UnsafeMutablePointer<T>?, dBias: UnsafeMutablePointer<T>?,
        dOut: UnsafePointer<T>, x: UnsafePointer<T>, weight: UnsafePointer<T>,
        mean: UnsafePointer<T>, rstd: UnsafePointer<T>, n: Int, dim: Int
    ) {
        for row in 0..<n {
            let xr = x + row * dim
            let g = dOut + row * dim
            let m = mean[row]
            let r = rstd[row]
            if let dX {
                let dx = dX + row * dim
                var gMean: T = 0
                var ghMean: T = 0
                for i in 0..<dim {
                    let gi = weight[i] * g[i]
                    gMean += gi
                    ghMean += gi * (xr[i] - m) * r
                }
                gMean /= T(dim)
                ghMean /= T(dim)
                for i in 0..<dim {
                    let h = (xr[i] - m) * r
                    dx[i] += r * (weight[i] * g[i] - gMean - h * ghMean)
                }
            }
            if let dWeight {
                for i in 0..<dim { dWeight[i] += g[i] * (xr[i] - m) * r }
            }
            if let dBias {
                for i in 0..<dim { dBias[i] += g[i] }
            }
        }
    }
}

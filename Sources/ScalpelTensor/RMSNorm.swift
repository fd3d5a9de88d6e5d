import RealModule

/// Root-mean-square normalisation as Hugging Face's `LlamaRMSNorm` computes it:
/// `out = weight ⊙ (x · rsqrt(mean(x²) + eps))`, per row.
///
/// Layouts: `x[N, D]`, `weight[D]`, `out[N, D]`, `rstd[N]` (the saved `rsqrt(mean(x²) + eps)` of
/// each row, which backward needs).
public enum RMSNorm {
    /// Normalises each of the `n` rows of `x`; writes `rstd` when it is not nil. `out` may be `x`.
    @inlinable
    public static func forward<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>?, x: UnsafePointer<T>,
        weight: UnsafePointer<T>, n: Int, dim: Int, eps: T
    ) {
        for row in 0..<n {
            let xr = x + row * dim
            let o = out + row * dim
            var sumSq: T = 0
            for i in 0..<dim { sumSq += xr[i] * xr[i] }
            let r = 1 / T.sqrt(sumSq / T(dim) + eps)
            for i in 0..<dim { o[i] = weight[i] * (xr[i] * r) }
            rstd?[row] = r
        }
    }

    /// With `y = w ⊙ x·r`, `r = (mean(x²) + eps)^(-1/2)`:
    /// `dX += r·(w ⊙ dOut) − (r³/D)·x·Σ(w ⊙ dOut ⊙ x)` and `dWeight += Σ_rows dOut ⊙ x·r`.
    @inlinable
    public static func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>?, dWeight: UnsafeMutablePointer<T>?, dOut: UnsafePointer<T>,
        x: UnsafePointer<T>, weight: UnsafePointer<T>, rstd: UnsafePointer<T>, n: Int, dim: Int
    ) {
        for row in 0..<n {
            let xr = x + row * dim
            let g = dOut + row * dim
            let r = rstd[row]
            if let dX {
                let dx = dX + row * dim
                var dot: T = 0
                for i in 0..<dim { dot += weight[i] * g[i] * xr[i] }
                let c = r * r * r * dot / T(dim)
                for i in 0..<dim { dx[i] += r * weight[i] * g[i] - c * xr[i] }
            }
            if let dWeight {
                for i in 0..<dim { dWeight[i] += g[i] * xr[i] * r }
            }
        }
    }
}

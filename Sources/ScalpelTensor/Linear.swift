/// A fully connected layer with the weight as PyTorch stores it.
///
/// Layouts (row-major): `x[N, I]`, `weight[O, I]`, `bias[O]` (optional), `out[N, O]`:
/// `out = x · weightᵀ + bias`. One GEMM forward, two backward.
public enum Linear {
    /// `out[N, O] = x[N, I] · weight[O, I]ᵀ + bias[O]` (no bias when `bias` is nil).
    @inlinable
    public static func forward<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, x: UnsafePointer<T>, weight: UnsafePointer<T>,
        bias: UnsafePointer<T>?, n: Int, inFeatures: Int, outFeatures: Int
    ) {
        if let bias {
            for row in 0..<n {
                (out + row * outFeatures).update(from: bias, count: outFeatures)
            }
        }
        gemm(false, true, n, outFeatures, inFeatures, 1, x, inFeatures, weight, inFeatures,
             bias == nil ? 0 : 1, out, outFeatures)
    }

    /// Accumulates `dX[N, I] += dOut · weight`, `dWeight[O, I] += dOutᵀ · x` and
    /// `dBias[O] += Σ_rows dOut`. Pass nil for gradients that are not needed (a frozen weight).
    @inlinable
    public static func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>?, dWeight: UnsafeMutablePointer<T>?, dBias: UnsafeMutablePointer<T>?,
        dOut: UnsafePointer<T>, x: UnsafePointer<T>, weight: UnsafePointer<T>,
        n: Int, inFeatures: Int, outFeatures: Int
    ) {
        if let dX {
            gemm(false, false, n, inFeatures, outFeatures, 1, dOut, outFeatures, weight, inFeatures,
                 1, dX, inFeatures)
        }
        if let dWeight {
            gemm(true, false, outFeatures, inFeatures, n, 1, dOut, outFeatures, x, inFeatures,
                 1, dWeight, inFeatures)
        }
        if let dBias {
            for row in 0..<n {
                let g = dOut + row * outFeatures
                for o in 0..<outFeatures { dBias[o] += g[o] }
            }
        }
    }
}

/// Matrix products through BLAS, row-major throughout.
///
/// `out[M, N] = op(a) · op(b)` where `op(a)` is `[M, K]` (stored `[M, K]`, or `[K, M]` when
/// `transA`) and `op(b)` is `[K, N]` (stored `[K, N]`, or `[N, K]` when `transB`). All buffers are
/// contiguous; the batched form takes leading dimensions and strides for views into larger arrays.
public enum Matmul {
    /// `out[M, N] = op(a) · op(b)`, or `out += op(a) · op(b)` with `accumulate`.
    @inlinable
    public static func forward<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, a: UnsafePointer<T>, b: UnsafePointer<T>,
        m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false, accumulate: Bool = false
    ) {
        gemm(transA, transB, m, n, k, 1, a, transA ? m : k, b, transB ? k : n,
             accumulate ? 1 : 0, out, n)
    }

    /// Gradients of `forward`: `dA += ∂L/∂a` and `dB += ∂L/∂b` in `a`'s and `b`'s stored layouts,
    /// from `dOut[M, N]`. Pass nil for a gradient that is not needed.
    @inlinable
    public static func backward<T: KernelScalar>(
        dA: UnsafeMutablePointer<T>?, dB: UnsafeMutablePointer<T>?, dOut: UnsafePointer<T>,
        a: UnsafePointer<T>, b: UnsafePointer<T>,
        m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false
    ) {
        let lda = transA ? m : k
        let ldb = transB ? k : n
        if let dA {
            if transA {
                // a is [K, M]: dA = op(b) · dOutᵀ
                gemm(transB, true, k, m, n, 1, b, ldb, dOut, n, 1, dA, m)
            } else {
                // a is [M, K]: dA = dOut · op(b)ᵀ
                gemm(false, !transB, m, k, n, 1, dOut, n, b, ldb, 1, dA, k)
            }
        }
        if let dB {
            if transB {
                // b is [N, K]: dB = dOutᵀ · op(a)
                gemm(true, transA, n, k, m, 1, dOut, n, a, lda, 1, dB, k)
            } else {
                // b is [K, N]: dB = op(a)ᵀ · dOut
                gemm(!transA, false, k, n, m, 1, a, lda, dOut, n, 1, dB, n)
            }
        }
    }

    /// `batch` independent products `c_i = alpha·op(a_i)·op(b_i) + beta·c_i` over strided views:
    /// operand `i` starts at `a + i·strideA`, `b + i·strideB`, `c + i·strideC`, and rows within
    /// an operand are `lda`, `ldb`, `ldc` elements apart. A stride of 0 reuses one operand for every
    /// product (attention uses that for the key and value heads that query heads share).
    @inlinable
    public static func batched<T: KernelScalar>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, batch: Int, alpha: T = 1,
        a: UnsafePointer<T>, lda: Int, strideA: Int,
        b: UnsafePointer<T>, ldb: Int, strideB: Int,
        beta: T = 0, c: UnsafeMutablePointer<T>, ldc: Int, strideC: Int
    ) {
        for i in 0..<max(batch, 0) {
            gemm(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb,
                 beta, c + i * strideC, ldc)
        }
    }
}

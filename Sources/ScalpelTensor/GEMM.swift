/// The one place kernels reach BLAS. It forwards to `T.gemm` and handles the empty cases BLAS
/// rejects (a zero-sized dimension makes a leading dimension of 0, which OpenBLAS reports as an
/// illegal argument): with `m` or `n` zero there is nothing to do; with `k` zero the product is
/// empty and `c` becomes `beta·c`.
@inlinable @inline(__always)
func gemm<T: KernelScalar>(
    _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: T,
    _ a: UnsafePointer<T>, _ lda: Int, _ b: UnsafePointer<T>, _ ldb: Int,
    _ beta: T, _ c: UnsafeMutablePointer<T>, _ ldc: Int
) {
    if m <= 0 || n <= 0 { return }
    if k <= 0 {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else if beta != 1 {
                for j in 0..<n { row[j] *= beta }
            }
        }
        return
    }
    T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
           a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

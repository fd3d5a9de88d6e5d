/// Token embedding lookup.
///
/// Layouts: `table[V, D]` (one row per token id), `ids[N]` (each in `0..<V`), `out[N, D]`.
/// The raw kernels do not check ids; the checked layer does.
public enum Embedding {
    /// `out[n, :] = table[ids[n], :]`.
    @inlinable
    public static func forward<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, ids: UnsafePointer<Int32>, table: UnsafePointer<T>,
        n: Int, dim: Int
    ) {
        for row in 0..<n {
            (out + row * dim).update(from: table + Int(ids[row]) * dim, count: dim)
        }
    }

    /// Scatter-add: `dTable[ids[n], :] += dOut[n, :]` (repeated ids add up).
    @inlinable
    public static func backward<T: KernelScalar>(
        dTable: UnsafeMutablePointer<T>, dOut: UnsafePointer<T>, ids: UnsafePointer<Int32>,
        n: Int, dim: Int
    ) {
        for row in 0..<n {
            let dst = dTable + Int(ids[row]) * dim
            let src = dOut + row * dim
            for i in 0..<dim { dst[i] += src[i] }
        }
    }
}

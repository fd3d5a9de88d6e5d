import CKernels
import RealModule

/// `e^x` over contiguous floats, vectorised.
///
/// libm's `expf` costs a few nanoseconds a call and does not vectorise; softmax, SiLU/SwiGLU and
/// cross-entropy call it for every element. `scalpel_vexpf` (CKernels) is the Cephes single-precision
/// algorithm written as a plain loop the C compiler vectorises, built for AVX-512, AVX2 and baseline
/// x86-64 and chosen at load time. Within about 1 ulp of the exact value; inputs are clamped to
/// [−87.3, 88.37] (larger give about 2.5e38, smaller about 1.2e-38); NaN stays NaN.
public enum VectorExp {
    /// `values[i] = e^values[i]` for `i < count`.
    @inlinable
    public static func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        scalpel_vexpf(values, count)
    }
}

/// `values[i] = e^values[i]`: vectorised for Float, libm for Double (the gradient-check reference).
@inlinable
func expInPlace<T: KernelScalar>(_ values: UnsafeMutablePointer<T>, count: Int) {
    if T.self == Float.self {
        UnsafeMutableRawPointer(values).withMemoryRebound(to: Float.self, capacity: count) {
            VectorExp.apply($0, count: count)
        }
    } else {
        for i in 0..<count { values[i] = T.exp(values[i]) }
    }
}

/// Calls `body(start, e, n)` for consecutive chunks of at most 256 elements, with
/// `e[i] = exp(−x[start + i])`, the term every sigmoid needs.
@inlinable
func withNegatedExp<T: KernelScalar>(
    _ x: UnsafePointer<T>, count: Int, _ body: (Int, UnsafeMutablePointer<T>, Int) -> Void
) {
    let chunk = 256
    withUnsafeTemporaryAllocation(of: T.self, capacity: chunk) { buffer in
        let e = buffer.baseAddress!
        var start = 0
        while start < count {
            let n = min(chunk, count - start)
            for i in 0..<n { e[i] = -x[start + i] }
            expInPlace(e, count: n)
            body(start, e, n)
            start += n
        }
    }
}

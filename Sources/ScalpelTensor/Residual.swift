/// The residual connection: `out = a + b` elementwise over `count` values (`out` may be `a`).
public enum Residual {
    /// `out[i] = a[i] + b[i]`; in place when `out == a`.
    @inlinable
    public static func forward<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, a: UnsafePointer<T>, b: UnsafePointer<T>, count: Int
    ) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    /// `dA += dOut`, `dB += dOut` (nil skips one).
    @inlinable
    public static func backward<T: KernelScalar>(
        dA: UnsafeMutablePointer<T>?, dB: UnsafeMutablePointer<T>?, dOut: UnsafePointer<T>, count: Int
    ) {
        if let dA { for i in 0..<count { dA[i] += dOut[i] } }
        if let dB { for i in 0..<count { dB[i] += dOut[i] } }
    }
}

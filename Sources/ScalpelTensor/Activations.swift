import RealModule

// Elementwise activations over `count` contiguous values. Forward kernels may run in place
// (`out == x`); backward kernels accumulate `dX += f'(x) ⊙ dOut` from the saved input `x`.

/// SiLU (swish): `x · σ(x)`, `σ(x) = 1 / (1 + e^(−x))`.
public enum SiLU {
    /// `out[i] = x[i] · σ(x[i])`; `out` may be `x`.
    @inlinable
    public static func forward<T: KernelScalar>(out: UnsafeMutablePointer<T>, x: UnsafePointer<T>, count: Int) {
        withNegatedExp(x, count: count) { start, e, n in
            for i in 0..<n { out[start + i] = x[start + i] / (1 + e[i]) }
        }
    }

    /// `silu'(x) = σ(x)·(1 + x·(1 − σ(x)))`.
    @inlinable
    public static func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>, dOut: UnsafePointer<T>, x: UnsafePointer<T>, count: Int
    ) {
        withNegatedExp(x, count: count) { start, e, n in
            for i in 0..<n {
                let v = x[start + i]
                let s = 1 / (1 + e[i])
                dX[start + i] += dOut[start + i] * s * (1 + v * (1 - s))
            }
        }
    }
}

/// GELU, tanh approximation (`approximate="tanh"`, `gelu_pytorch_tanh`):
/// `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
public enum GELUTanh {
    /// `√(2/π)`.
    @usableFromInline static var beta: Double { 0.7978845608028654 }
    @usableFromInline static var kappa: Double { 0.044715 }

    /// `out[i] = x·σ(2u)` with `u = √(2/π)·(x + 0.044715·x³)`, which equals `0.5·x·(1 + tanh u)`.
    @inlinable
    public static func forward<T: KernelScalar>(out: UnsafeMutablePointer<T>, x: UnsafePointer<T>, count: Int) {
        // 0.5·(1 + tanh(u)) = σ(2u): one exp instead of a (much slower) tanh.
        let b2 = 2 * T(beta), c = T(kappa)
        for i in 0..<count {
            let v = x[i]
            out[i] = v / (1 + T.exp(-b2 * (v + c * v * v * v)))
        }
    }

    /// `0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)` with `t` the tanh above; with
    /// `s = σ(2u) = 0.5·(1 + t)` that is `s + 2x·s·(1 − s)·√(2/π)·(1 + 3·0.044715·x²)`.
    @inlinable
    public static func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>, dOut: UnsafePointer<T>, x: UnsafePointer<T>, count: Int
    ) {
        let b = T(beta), c = T(kappa)
        for i in 0..<count {
            let v = x[i]
            let s = 1 / (1 + T.exp(-2 * b * (v + c * v * v * v)))
            let local = s + 2 * v * s * (1 - s) * b * (1 + 3 * c * v * v)
            dX[i] += dOut[i] * local
        }
    }
}

/// GELU, exact erf form (`nn.GELU()`, `"gelu"`): `0.5·x·(1 + erf(x/√2))`.
public enum GELUErf {
    /// `1/√2`.
    @usableFromInline static var invSqrt2: Double { 0.7071067811865476 }
    /// `1/√(2π)`.
    @usableFromInline static var invSqrt2Pi: Double { 0.3989422804014327 }

    /// `out[i] = 0.5·x·(1 + erf(x/√2))`; `out` may be `x`.
    @inlinable
    public static func forward<T: KernelScalar>(out: UnsafeMutablePointer<T>, x: UnsafePointer<T>, count: Int) {
        forEachErfChunk(x, scale: T(invSqrt2), count: count) { start, erf, n in
            let xs = x + start, o = out + start
            for i in 0..<n { o[i] = T(0.5) * xs[i] * (1 + erf[i]) }
        }
    }

    /// `Φ(x) + x·φ(x)` with `φ(x) = e^(−x²/2)/√(2π)`.
    @inlinable
    public static func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>, dOut: UnsafePointer<T>, x: UnsafePointer<T>, count: Int
    ) {
        let p = T(invSqrt2Pi)
        forEachErfChunk(x, scale: T(invSqrt2), count: count) { start, erf, n in
            let xs = x + start, g = dOut + start, dx = dX + start
            for i in 0..<n {
                let v = xs[i]
                dx[i] += g[i] * (T(0.5) * (1 + erf[i]) + v * p * T.exp(-T(0.5) * v * v))
            }
        }
    }
}

/// Quick GELU (CLIP's `quick_gelu`): `x · σ(1.702·x)`.
public enum QuickGELU {
    @usableFromInline static var alpha: Double { 1.702 }

    /// `out[i] = x · σ(1.702·x)`; `out` may be `x`.
    @inlinable
    public static func forward<T: KernelScalar>(out: UnsafeMutablePointer<T>, x: UnsafePointer<T>, count: Int) {
        let a = T(alpha)
        for i in 0..<count {
            let v = x[i]
            out[i] = v / (1 + T.exp(-a * v))
        }
    }

    /// `σ(1.702x) + 1.702·x·σ(1.702x)·(1 − σ(1.702x))`.
    @inlinable
    public static func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>, dOut: UnsafePointer<T>, x: UnsafePointer<T>, count: Int
    ) {
        let a = T(alpha)
        for i in 0..<count {
            let v = x[i]
            let s = 1 / (1 + T.exp(-a * v))
            dX[i] += dOut[i] * s * (1 + a * v * (1 - s))
        }
    }
}

/// The SwiGLU gate: `out = silu(gate) ⊙ up`, elementwise over `count` values.
public enum SwiGLU {
    /// `out[i] = silu(gate[i]) · up[i]`; `out` may be `gate` or `up`.
    @inlinable
    public static func forward<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, gate: UnsafePointer<T>, up: UnsafePointer<T>, count: Int
    ) {
        withNegatedExp(gate, count: count) { start, e, n in
            for i in 0..<n { out[start + i] = gate[start + i] / (1 + e[i]) * up[start + i] }
        }
    }

    /// `dGate += dOut ⊙ up ⊙ silu'(gate)`, `dUp += dOut ⊙ silu(gate)`; nil skips one.
    @inlinable
    public static func backward<T: KernelScalar>(
        dGate: UnsafeMutablePointer<T>?, dUp: UnsafeMutablePointer<T>?, dOut: UnsafePointer<T>,
        gate: UnsafePointer<T>, up: UnsafePointer<T>, count: Int
    ) {
        withNegatedExp(gate, count: count) { start, e, n in
            for k in 0..<n {
                let i = start + k
                let g = gate[i]
                let s = 1 / (1 + e[k])
                if let dGate { dGate[i] += dOut[i] * up[i] * s * (1 + g * (1 - s)) }
                if let dUp { dUp[i] += dOut[i] * g * s }
            }
        }
    }
}

/// Calls `body(start, erf, n)` for consecutive chunks of at most 256 elements of `x`, with
/// `erf[i] = erf(scale · x[start + i])`. Double uses libm's `erf` (the gradient-check reference).
/// Float uses the Chebyshev fit of `erfc` from Numerical Recipes (§6.2, fractional error below
/// 1.2e-7 everywhere) instead of glibc's `erff`, which costs about 15 ns; the fit runs in three
/// passes over the chunk (polynomial, `exp`, combine) so that the polynomial vectorises and the
/// `exp` calls are not held up by its long dependency chain.
@inlinable
func forEachErfChunk<T: KernelScalar>(
    _ x: UnsafePointer<T>, scale: T, count: Int, _ body: (_ start: Int, _ erf: UnsafePointer<T>, _ n: Int) -> Void
) {
    let chunk = 256
    withUnsafeTemporaryAllocation(of: T.self, capacity: 2 * chunk) { buffer in
        let erf = buffer.baseAddress!, arg = erf + chunk
        var start = 0
        while start < count {
            let n = min(chunk, count - start)
            let xs = x + start
            if T.self == Float.self {
                for i in 0..<n {
                    let z = abs(scale * xs[i])
                    let t = 1 / (1 + T(0.5) * z)
                    var p = T(0.17087277)
                    p = T(-0.82215223) + t * p
                    p = T(1.48851587) + t * p
                    p = T(-1.13520398) + t * p
                    p = T(0.27886807) + t * p
                    p = T(-0.18628806) + t * p
                    p = T(0.09678418) + t * p
                    p = T(0.37409196) + t * p
                    p = T(1.00002368) + t * p
                    p = T(-1.26551223) + t * p
                    arg[i] = -z * z + p
                }
                expInPlace(arg, count: n)
                for i in 0..<n {
                    let v = scale * xs[i]
                    let t = 1 / (1 + T(0.5) * abs(v))
                    erf[i] = T(signOf: v, magnitudeOf: 1 - t * arg[i])   // erfc = t·exp(arg)
                }
            } else {
                for i in 0..<n { erf[i] = T.erf(scale * xs[i]) }
            }
            body(start, erf, n)
            start += n
        }
    }
}

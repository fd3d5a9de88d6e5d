import RealModule

/// Rotary position embeddings in Hugging Face's `rotate_half` layout.
///
/// Layouts: `x[N, heads·headDim]` and `out` alike (one row per token, heads side by side),
/// `positions[N]` (the position of each row), `invFreq[headDim/2]`. With `h = headDim/2`,
/// `θ_i = positions[n]·invFreq[i]`, `c = cos θ_i · scaling`, `s = sin θ_i · scaling`:
///
///     out[i]     = x[i]·c − x[i+h]·s        (i < h)
///     out[i+h]   = x[i+h]·c + x[i]·s
///
/// which is `x·cos + rotate_half(x)·sin` with `rotate_half(x) = [−x2, x1]`. The caller computes
/// `invFreq` (and `attentionScaling`, 1 for plain rope), so rope-scaling variants live with the
/// model config; `defaultInvFreq` gives the plain one.
public enum Rope {
    /// Rotates every head of every row. `out` may be `x`.
    @inlinable
    public static func forward<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, x: UnsafePointer<T>, positions: UnsafePointer<Int32>,
        invFreq: UnsafePointer<T>, n: Int, heads: Int, headDim: Int, attentionScaling: T = 1
    ) {
        rotate(out: out, x: x, positions: positions, invFreq: invFreq, n: n, heads: heads,
               headDim: headDim, attentionScaling: attentionScaling, sign: 1, accumulate: false)
    }

    /// The inverse rotation of `dOut` (the transpose of the forward map): `dX += Rᵀ·dOut`.
    @inlinable
    public static func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>, dOut: UnsafePointer<T>, positions: UnsafePointer<Int32>,
        invFreq: UnsafePointer<T>, n: Int, heads: Int, headDim: Int, attentionScaling: T = 1
    ) {
        rotate(out: dX, x: dOut, positions: positions, invFreq: invFreq, n: n, heads: heads,
               headDim: headDim, attentionScaling: attentionScaling, sign: -1, accumulate: true)
    }

    /// The rotation by `sign·θ`, written or added to `out`.
    @inlinable
    static func rotate<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, x: UnsafePointer<T>, positions: UnsafePointer<Int32>,
        invFreq: UnsafePointer<T>, n: Int, heads: Int, headDim: Int, attentionScaling: T,
        sign: T, accumulate: Bool
    ) {
        let half = headDim / 2
        let width = heads * headDim
        guard half > 0 else { return }
        withUnsafeTemporaryAllocation(of: T.self, capacity: 2 * half) { table in
            let cosT = table.baseAddress!
            let sinT = cosT + half
            for row in 0..<n {
                let p = T(positions[row])
                for i in 0..<half {
                    let theta = p * invFreq[i]
                    cosT[i] = T.cos(theta) * attentionScaling
                    sinT[i] = sign * (T.sin(theta) * attentionScaling)
                }
                for head in 0..<heads {
                    let xi = x + row * width + head * headDim
                    let oi = out + row * width + head * headDim
                    if accumulate {
                        for i in 0..<half {
                            let a = xi[i], b = xi[i + half]
                            oi[i] += a * cosT[i] - b * sinT[i]
                            oi[i + half] += b * cosT[i] + a * sinT[i]
                        }
                    } else {
                        for i in 0..<half {
                            let a = xi[i], b = xi[i + half]
                            oi[i] = a * cosT[i] - b * sinT[i]
                            oi[i + half] = b * cosT[i] + a * sinT[i]
                        }
                    }
                }
            }
        }
    }

    /// The default inverse frequencies `1 / theta^(2i/headDim)` for `i < headDim/2`, computed as
    /// transformers does: the exponent in float32 from an integer arange, the power rounded to
    /// float32, the reciprocal in float32.
    public static func defaultInvFreq(theta: Double, headDim: Int) -> [Float] {
        (0..<max(headDim / 2, 0)).map { i in
            let exponent = Float(2 * i) / Float(headDim)
            return 1 / Float(Double.pow(theta, Double(exponent)))
        }
    }
}

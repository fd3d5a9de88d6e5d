/// Round-to-nearest quantization of a group of weights.
///
/// Asymmetric (as GPTQ's reference `Quantizer.find_params` with `sym=False`): the range is widened to
/// contain zero, `s = (max − min) / (2^b − 1)`, `z = round(−min / s)`; symmetric: `m = max(|min|, |max|)`,
/// `s = 2m / (2^b − 1)`, `z = 2^(b−1)`. A group of zeros gets `s = 1` after widening the range to [−1, 1]
/// as the reference does. Scales are rounded to fp16 (what every export stores; upwards when the nearest fp16
/// is smaller, so the grid still spans the range) before codes are formed:
/// `q = clamp(round(w / s) + z, 0, 2^b − 1)`, rounding half away from zero.
public enum RTN {
    /// Scale and zero point for `count` weights at `w` (stride `stride`).
    @inline(__always)
    public static func params(_ w: UnsafePointer<Float>, count: Int, stride: Int = 1,
                              scheme: QuantScheme) -> (scale: Float, zero: Int) {
        var lo = Float.infinity, hi = -Float.infinity
        for i in 0..<count {
            let v = w[i * stride]
            lo = min(lo, v)
            hi = max(hi, v)
        }
        return params(min: lo, max: hi, scheme: scheme)
    }

    /// Scale and zero point for a group whose extremes are `lo` and `hi`.
    public static func params(min lo: Float, max hi: Float, scheme: QuantScheme) -> (scale: Float, zero: Int) {
        let maxq = Float(scheme.maxCode)
        var xmin = Swift.min(lo, 0), xmax = Swift.max(hi, 0)
        if scheme.symmetric {
            xmax = Swift.max(-xmin, xmax)
            xmin = -xmax
        }
        if xmin == 0 && xmax == 0 { xmin = -1; xmax = 1 }
        let exact = (xmax - xmin) / maxq
        var half = Float16(exact)
        if Float(half) < exact { half = half.nextUp }
        var s = Float(half)
        if !(s > 0) || !s.isFinite { s = Float(Float16.leastNormalMagnitude) }
        let z: Int
        if scheme.symmetric {
            z = (scheme.maxCode + 1) / 2
        } else {
            z = Int(Swift.min(Swift.max((-xmin / s).rounded(), 0), maxq))
        }
        return (s, z)
    }

    /// The code of `w` for scale `s` and zero `z`.
    @inline(__always)
    public static func code(_ w: Float, scale s: Float, zero z: Int, maxCode: Int) -> UInt8 {
        let q = (w / s).rounded() + Float(z)
        return UInt8(Swift.min(Swift.max(q, 0), Float(maxCode)))
    }

    /// `w` rounded to the grid of (`s`, `z`).
    @inline(__always)
    public static func fake(_ w: Float, scale s: Float, zero z: Int, maxCode: Int) -> Float {
        Float(Int(code(w, scale: s, zero: z, maxCode: maxCode)) - z) * s
    }

    /// Quantizes a `[rows, cols]` weight group by group (a shorter last group when g does not divide cols).
    public static func quantize(_ w: [Float], rows: Int, cols: Int, scheme: QuantScheme) throws -> QuantizedLinear {
        try scheme.validate(inFeatures: cols, partialGroups: true)
        precondition(w.count == rows * cols, "\(w.count) weights for \(rows) × \(cols)")
        let ng = scheme.groupCount(inFeatures: cols)
        var codes = [UInt8](repeating: 0, count: rows * cols)
        var scales = [Float](repeating: 0, count: rows * ng)
        var zeros = [UInt8](repeating: 0, count: rows * ng)
        w.withUnsafeBufferPointer { wp in
            for r in 0..<rows {
                for j in 0..<ng {
                    let range = scheme.groupRange(j, inFeatures: cols), g = range.count
                    let base = r * cols + range.lowerBound
                    let (s, z) = params(wp.baseAddress! + base, count: g, scheme: scheme)
                    scales[r * ng + j] = s
                    zeros[r * ng + j] = UInt8(z)
                    for c in 0..<g { codes[base + c] = code(wp[base + c], scale: s, zero: z, maxCode: scheme.maxCode) }
                }
            }
        }
        return QuantizedLinear(rows: rows, cols: cols, scheme: scheme, codes: codes, scales: scales, zeros: zeros)
    }

    /// `quantize(...).dequantized()`, in place on a buffer.
    public static func fakeQuantize(_ w: UnsafeMutablePointer<Float>, rows: Int, cols: Int, scheme: QuantScheme) {
        let ng = scheme.groupCount(inFeatures: cols)
        for r in 0..<rows {
            for j in 0..<ng {
                let range = scheme.groupRange(j, inFeatures: cols), g = range.count
                let p = w + r * cols + range.lowerBound
                let (s, z) = params(p, count: g, scheme: scheme)
                for c in 0..<g { p[c] = fake(p[c], scale: s, zero: z, maxCode: scheme.maxCode) }
            }
        }
    }
}

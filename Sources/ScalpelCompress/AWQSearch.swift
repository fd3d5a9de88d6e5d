import Foundation
import ScalpelTensor

/// AWQ's activation-aware search (Lin et al. 2023; AutoAWQ `awq/quantize/quantizer.py`,
/// `_search_best_scale` without duo scaling, `_compute_best_clip`).
///
/// Scale search: for the linears fed by one op, with `s_x` the mean |activation| of each input channel over
/// the calibration tokens, try `s = s_x^α` (clamped to ≥ 1e-4, normalised by `√(max s · min s)`) for
/// α = 0, 1/20, …, 19/20; each linear's weight becomes `Q(W·diag(s))·diag(s)⁻¹` and the loss is the mean
/// squared difference between the inspected module's output and its full-precision output. α = 0 is plain
/// RTN, so the chosen α never does worse than RTN on the calibration data.
///
/// Clip search: per output row and group, the weight range `[−m, m]` with `m = max|w|·(1 − i/20)`,
/// i = 0…9, that minimises the mean squared error of the group's partial products `Σ_g x·w` over up to 512
/// calibration tokens (every ⌊N/512⌋-th); weights are clamped to the best range before rounding.
public enum AWQSearch {
    public struct Options: Sendable, Equatable {
        public var grid: Int
        public var clip: Bool
        public var maxShrink: Double
        public var clipTokens: Int
        public init(grid: Int = 20, clip: Bool = true, maxShrink: Double = 0.5, clipTokens: Int = 512) {
            self.grid = grid
            self.clip = clip
            self.maxShrink = maxShrink
            self.clipTokens = clipTokens
        }
    }

    /// Mean |x| of each of the `cols` channels of `x[rows, cols]`.
    public static func channelMeans(_ x: UnsafePointer<Float>, rows: Int, cols: Int) -> [Float] {
        var acc = [Double](repeating: 0, count: cols)
        for r in 0..<rows {
            let row = x + r * cols
            for c in 0..<cols { acc[c] += Double(abs(row[c])) }
        }
        return acc.map { Float($0 / Double(max(rows, 1))) }
    }

    /// The candidate scales for exponent `alpha`.
    public static func scales(xMean: [Float], alpha: Float) -> [Float] {
        var s = xMean.map { max(Float(pow(Double($0), Double(alpha))), 1e-4) }
        let norm = (s.max()! * s.min()!).squareRoot()
        for i in s.indices { s[i] /= norm }
        return s
    }

    /// `Q(W·diag(s))·diag(s)⁻¹` for `w[rows, cols]`.
    public static func scaledFakeQuant(_ w: [Float], rows: Int, cols: Int, scales s: [Float], scheme: QuantScheme) -> [Float] {
        var out = w
        out.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows { for c in 0..<cols { p[r * cols + c] *= s[c] } }
            RTN.fakeQuantize(p.baseAddress!, rows: rows, cols: cols, scheme: scheme)
            for r in 0..<rows { for c in 0..<cols { p[r * cols + c] /= s[c] } }
        }
        return out
    }

    /// The search result: the exponent, the scales and the loss at every grid point.
    public struct ScaleResult: Sendable {
        public var alpha: Float
        public var scales: [Float]
        public var losses: [Double]
    }

    /// Searches α for the linears `weights` (each `[rows_i, cols]`); `loss` evaluates the inspected module
    /// with the given replacement weights (in the same order).
    public static func searchScale(weights: [[Float]], rows: [Int], cols: Int, xMean: [Float], scheme: QuantScheme,
                                   grid: Int = 20, loss: ([[Float]]) -> Double) -> ScaleResult {
        searchScale(weights: weights, rows: rows, cols: cols, xMean: xMean, scheme: scheme, grid: grid) { trial in
            loss(weights.indices.map(trial))
        }
    }

    /// `searchScale` where `loss` forms each candidate weight when it needs it (`trial(i)`, the i-th
    /// linear's `Q(W·diag(s))·diag(s)⁻¹`), so that a module's linears need not all be held as candidates at
    /// once.
    public static func searchScale(weights: [[Float]], rows: [Int], cols: Int, xMean: [Float], scheme: QuantScheme,
                                   grid: Int = 20, lossOfTrials loss: ((Int) -> [Float]) -> Double) -> ScaleResult {
        var best = ScaleResult(alpha: 0, scales: [Float](repeating: 1, count: cols), losses: [])
        var bestLoss = Double.infinity
        for i in 0..<grid {
            let alpha = Float(i) / Float(grid)
            let s = scales(xMean: xMean, alpha: alpha)
            let l = loss { scaledFakeQuant(weights[$0], rows: rows[$0], cols: cols, scales: s, scheme: scheme) }
            best.losses.append(l)
            if l < bestLoss {
                bestLoss = l
                best.alpha = alpha
                best.scales = s
            }
        }
        return best
    }

    /// Clamps `w[rows, cols]` to the per-(row, group) range that best preserves `x·wᵀ` on `x[tokens, cols]`.
    /// Returns the chosen maximum per (row, group).
    @discardableResult
    public static func clip(_ w: inout [Float], rows: Int, cols: Int, inputs x: UnsafePointer<Float>, tokens: Int,
                            scheme: QuantScheme, options: Options = Options()) -> [Float] {
        let gMax = scheme.groupWidth(inFeatures: cols), ng = scheme.groupCount(inFeatures: cols)
        let step = max(1, tokens / options.clipTokens)
        let t = (tokens + step - 1) / step
        let steps = Int(options.maxShrink * Double(options.grid))
        var chosen = [Float](repeating: 0, count: rows * ng)
        var xg = [Float](repeating: 0, count: t * gMax)
        var wg = [Float](repeating: 0, count: rows * gMax)
        var cur = [Float](repeating: 0, count: rows * gMax)
        var ref = [Float](repeating: 0, count: rows * t)
        var out = [Float](repeating: 0, count: rows * t)
        for j in 0..<ng {
            let g = scheme.groupRange(j, inFeatures: cols).count
            for i in 0..<t { for c in 0..<g { xg[i * g + c] = x[(i * step) * cols + j * gMax + c] } }
            for r in 0..<rows { for c in 0..<g { wg[r * g + c] = w[r * cols + j * gMax + c] } }
            product(wg, xg, rows: rows, t: t, g: g, into: &ref)
            let orgMax = (0..<rows).map { r in (0..<g).reduce(Float(0)) { max($0, abs(wg[r * g + $1])) } }
            var bestErr = [Double](repeating: .infinity, count: rows)
            var bestMax = orgMax
            for i in 0..<steps {
                let f = 1 - Float(i) / Float(options.grid)
                cur.withUnsafeMutableBufferPointer { p in
                    for r in 0..<rows {
                        let m = orgMax[r] * f
                        for c in 0..<g { p[r * g + c] = min(max(wg[r * g + c], -m), m) }
                        RTN.fakeQuantize(p.baseAddress! + r * g, rows: 1, cols: g, scheme: QuantScheme(bits: scheme.bits, groupSize: g, symmetric: scheme.symmetric))
                    }
                }
                product(cur, xg, rows: rows, t: t, g: g, into: &out)
                for r in 0..<rows {
                    var e = 0.0
                    for i in 0..<t { let d = Double(out[r * t + i] - ref[r * t + i]); e += d * d }
                    e /= Double(t)
                    if e < bestErr[r] { bestErr[r] = e; bestMax[r] = orgMax[r] * f }
                }
            }
            for r in 0..<rows {
                let m = bestMax[r]
                chosen[r * ng + j] = m
                for c in 0..<g { w[r * cols + j * gMax + c] = min(max(w[r * cols + j * gMax + c], -m), m) }
            }
        }
        return chosen
    }

    /// `out[rows, t] = w[rows, g] · x[t, g]ᵀ`.
    private static func product(_ w: [Float], _ x: [Float], rows: Int, t: Int, g: Int, into out: inout [Float]) {
        w.withUnsafeBufferPointer { wp in
            x.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { op in
                    Matmul.forward(out: op.baseAddress!, a: wp.baseAddress!, b: xp.baseAddress!, m: rows, n: t, k: g, transB: true)
                }
            }
        }
    }
}

import ScalpelFormats
import ScalpelModels
import ScalpelTensor

/// One LLaMA block's forward pass split into the pieces the quantizers inspect, for `batch` calibration
/// sequences of `seqLen` tokens (no padding, no cache). The arithmetic is `LlamaBlock.forward`'s; the
/// intermediate inputs of every linear are kept:
///
///     normed1 = rms₁(x)                          → q, k, v
///     attended = attention(rope(q), rope(k), v)  → o
///     x₁ = x + o(attended)
///     normed2 = rms₂(x₁)                         → gate, up
///     hidden = silu(gate) ⊙ up                   → down
///     y = x₁ + down(hidden)
final class QuantBlockForward {
    let config: ModelConfig.Llama
    let batch: Int, seqLen: Int
    var rows: Int { batch * seqLen }
    let normed1, q, k, v, probs, attended, normed2, gate, up, hidden: FloatBuffer
    private let positions: [Int32]
    private let invFreq: [Float]
    private let scaling: Float

    init(config c: ModelConfig.Llama, batch: Int, seqLen: Int) throws {
        config = c
        self.batch = batch
        self.seqLen = seqLen
        let n = batch * seqLen, h = c.hiddenSize
        let qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim, f = c.intermediateSize
        normed1 = FloatBuffer(count: n * h)
        q = FloatBuffer(count: n * qd)
        k = FloatBuffer(count: n * kvd)
        v = FloatBuffer(count: n * kvd)
        probs = FloatBuffer(count: batch * c.numAttentionHeads * seqLen * seqLen)
        attended = FloatBuffer(count: n * qd)
        normed2 = FloatBuffer(count: n * h)
        gate = FloatBuffer(count: n * f)
        up = FloatBuffer(count: n * f)
        hidden = FloatBuffer(count: n * f)
        positions = (0..<n).map { Int32($0 % seqLen) }
        (invFreq, scaling) = try RopeFrequencies.compute(c, seqLen: seqLen)
    }

    var qDim: Int { config.numAttentionHeads * config.headDim }
    var kvDim: Int { config.numKeyValueHeads * config.headDim }

    /// `out = o(attention(q(x), k(x), v(x)))` for normed input `x`; leaves `attended` filled.
    func attention(_ x: UnsafePointer<Float>, wq: UnsafePointer<Float>, wk: UnsafePointer<Float>, wv: UnsafePointer<Float>,
                   wo: UnsafePointer<Float>, weights w: LlamaBlockWeights, out: UnsafeMutablePointer<Float>) {
        let c = config, n = rows, h = c.hiddenSize, qd = qDim, kvd = kvDim
        Linear.forward(out: q.pointer, x: x, weight: wq, bias: w.qBias?.readPointer, n: n, inFeatures: h, outFeatures: qd)
        Linear.forward(out: k.pointer, x: x, weight: wk, bias: w.kBias?.readPointer, n: n, inFeatures: h, outFeatures: kvd)
        Linear.forward(out: v.pointer, x: x, weight: wv, bias: w.vBias?.readPointer, n: n, inFeatures: h, outFeatures: kvd)
        positions.withUnsafeBufferPointer { pos in
            invFreq.withUnsafeBufferPointer { inv in
                Rope.forward(out: q.pointer, x: q.pointer, positions: pos.baseAddress!, invFreq: inv.baseAddress!, n: n,
                             heads: c.numAttentionHeads, headDim: c.headDim, attentionScaling: scaling)
                Rope.forward(out: k.pointer, x: k.pointer, positions: pos.baseAddress!, invFreq: inv.baseAddress!, n: n,
                             heads: c.numKeyValueHeads, headDim: c.headDim, attentionScaling: scaling)
            }
        }
        let shape = Attention.Shape(batch: batch, seqLen: seqLen, heads: c.numAttentionHeads, kvHeads: c.numKeyValueHeads, headDim: c.headDim)
        Attention.forward(out: attended.pointer, probs: probs.pointer, q: q.pointer, k: k.pointer, v: v.pointer, keyMask: nil, shape: shape)
        output(attended.readPointer, weight: wo, bias: w.oBias, inFeatures: qd, out: out)
    }

    /// `out = down(silu(gate(x)) ⊙ up(x))` for normed input `x`; leaves `hidden` filled.
    func mlp(_ x: UnsafePointer<Float>, wg: UnsafePointer<Float>, wu: UnsafePointer<Float>, wd: UnsafePointer<Float>,
             weights w: LlamaBlockWeights, out: UnsafeMutablePointer<Float>) {
        let n = rows, h = config.hiddenSize, f = config.intermediateSize
        Linear.forward(out: gate.pointer, x: x, weight: wg, bias: w.gateBias?.readPointer, n: n, inFeatures: h, outFeatures: f)
        Linear.forward(out: up.pointer, x: x, weight: wu, bias: w.upBias?.readPointer, n: n, inFeatures: h, outFeatures: f)
        SwiGLU.forward(out: hidden.pointer, gate: gate.pointer, up: up.pointer, count: n * f)
        output(hidden.readPointer, weight: wd, bias: w.downBias, inFeatures: f, out: out)
    }

    /// `out = x·wᵀ + b` with `hidden` outputs.
    func output(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: FloatBuffer?, inFeatures: Int,
                out: UnsafeMutablePointer<Float>) {
        Linear.forward(out: out, x: x, weight: weight, bias: bias?.readPointer, n: rows, inFeatures: inFeatures,
                       outFeatures: config.hiddenSize)
    }

    /// Runs the whole block on `x` in place, leaving every linear's input in the buffers.
    func run(_ x: FloatBuffer, weights w: LlamaBlockWeights) {
        let n = rows, h = config.hiddenSize, eps = Float(config.rmsNormEps)
        let delta = FloatBuffer(count: n * h)
        RMSNorm.forward(out: normed1.pointer, rstd: nil, x: x.pointer, weight: w.inputNorm.pointer, n: n, dim: h, eps: eps)
        attention(normed1.readPointer, wq: w.q.readPointer, wk: w.k.readPointer, wv: w.v.readPointer, wo: w.o.readPointer,
                  weights: w, out: delta.pointer)
        for i in 0..<(n * h) { x.pointer[i] += delta.pointer[i] }
        RMSNorm.forward(out: normed2.pointer, rstd: nil, x: x.pointer, weight: w.postNorm.pointer, n: n, dim: h, eps: eps)
        mlp(normed2.readPointer, wg: w.gate.readPointer, wu: w.up.readPointer, wd: w.down.readPointer, weights: w, out: delta.pointer)
        for i in 0..<(n * h) { x.pointer[i] += delta.pointer[i] }
    }
}

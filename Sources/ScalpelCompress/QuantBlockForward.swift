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
///
/// The attention's scratch (q, k, v, probabilities, `attended`) and the MLP's (gate, up, `hidden`) are
/// allocated on first use and can be released separately, so a caller working on one half of a block
/// does not hold the other half's activations.
final class QuantBlockForward {
    /// A linear's weight handed to `body` by index (q, k, v = 0, 1, 2; gate, up = 0, 1), valid during the
    /// call: lets a caller form each weight just before it is used and drop it after.
    typealias WeightAccess = (Int, (UnsafePointer<Float>) -> Void) -> Void

    /// The block's projection biases (nil where the config has none).
    struct Biases {
        var q, k, v, o, gate, up, down: FloatBuffer?

        init(q: FloatBuffer? = nil, k: FloatBuffer? = nil, v: FloatBuffer? = nil, o: FloatBuffer? = nil,
             gate: FloatBuffer? = nil, up: FloatBuffer? = nil, down: FloatBuffer? = nil) {
            (self.q, self.k, self.v, self.o, self.gate, self.up, self.down) = (q, k, v, o, gate, up, down)
        }

        init(_ w: LlamaBlockWeights) {
            self.init(q: w.qBias, k: w.kBias, v: w.vBias, o: w.oBias, gate: w.gateBias, up: w.upBias, down: w.downBias)
        }
    }

    private final class AttentionScratch {
        let q, k, v, probs, attended: FloatBuffer
        init(rows n: Int, qDim: Int, kvDim: Int, probs: Int) {
            q = FloatBuffer(count: n * qDim)
            k = FloatBuffer(count: n * kvDim)
            v = FloatBuffer(count: n * kvDim)
            self.probs = FloatBuffer(count: probs)
            attended = FloatBuffer(count: n * qDim)
        }
    }

    private final class MLPScratch {
        let gate, up, hidden: FloatBuffer
        init(rows n: Int, intermediate f: Int) {
            gate = FloatBuffer(count: n * f)
            up = FloatBuffer(count: n * f)
            hidden = FloatBuffer(count: n * f)
        }
    }

    let config: ModelConfig.Llama
    let batch: Int, seqLen: Int
    var rows: Int { batch * seqLen }
    let normed1, normed2: FloatBuffer
    private var attentionScratch: AttentionScratch?
    private var mlpScratch: MLPScratch?
    private let positions: [Int32]
    private let invFreq: [Float]
    private let scaling: Float

    init(config c: ModelConfig.Llama, batch: Int, seqLen: Int) throws {
        config = c
        self.batch = batch
        self.seqLen = seqLen
        let n = batch * seqLen, h = c.hiddenSize
        normed1 = FloatBuffer(count: n * h)
        normed2 = FloatBuffer(count: n * h)
        positions = (0..<n).map { Int32($0 % seqLen) }
        (invFreq, scaling) = try RopeFrequencies.compute(c, seqLen: seqLen)
    }

    var qDim: Int { config.numAttentionHeads * config.headDim }
    var kvDim: Int { config.numKeyValueHeads * config.headDim }

    private var attentionBuffers: AttentionScratch {
        if let s = attentionScratch { return s }
        let s = AttentionScratch(rows: rows, qDim: qDim, kvDim: kvDim, probs: batch * config.numAttentionHeads * seqLen * seqLen)
        attentionScratch = s
        return s
    }

    private var mlpBuffers: MLPScratch {
        if let s = mlpScratch { return s }
        let s = MLPScratch(rows: rows, intermediate: config.intermediateSize)
        mlpScratch = s
        return s
    }

    /// The input of o from the last `attention` call.
    var attended: FloatBuffer { attentionBuffers.attended }
    /// The input of down from the last `mlp` call.
    var hidden: FloatBuffer { mlpBuffers.hidden }

    /// Frees the attention's scratch (allocated again on the next use).
    func releaseAttention() { attentionScratch = nil }
    /// Frees the MLP's scratch (allocated again on the next use).
    func releaseMLP() { mlpScratch = nil }

    /// `out = o(attention(q(x), k(x), v(x)))` for normed input `x`; leaves `attended` filled.
    func attention(_ x: UnsafePointer<Float>, wq: UnsafePointer<Float>, wk: UnsafePointer<Float>, wv: UnsafePointer<Float>,
                   wo: UnsafePointer<Float>, biases b: Biases, out: UnsafeMutablePointer<Float>) {
        let qkv = [wq, wk, wv]
        attention(x, qkv: { i, body in body(qkv[i]) }, wo: wo, biases: b, out: out)
    }

    /// `attention` with q, k and v handed out one at a time by `qkv`.
    func attention(_ x: UnsafePointer<Float>, qkv: WeightAccess, wo: UnsafePointer<Float>, biases b: Biases,
                   out: UnsafeMutablePointer<Float>) {
        let c = config, n = rows, h = c.hiddenSize, qd = qDim, kvd = kvDim, s = attentionBuffers
        qkv(0) { Linear.forward(out: s.q.pointer, x: x, weight: $0, bias: b.q?.readPointer, n: n, inFeatures: h, outFeatures: qd) }
        qkv(1) { Linear.forward(out: s.k.pointer, x: x, weight: $0, bias: b.k?.readPointer, n: n, inFeatures: h, outFeatures: kvd) }
        qkv(2) { Linear.forward(out: s.v.pointer, x: x, weight: $0, bias: b.v?.readPointer, n: n, inFeatures: h, outFeatures: kvd) }
        positions.withUnsafeBufferPointer { pos in
            invFreq.withUnsafeBufferPointer { inv in
                Rope.forward(out: s.q.pointer, x: s.q.pointer, positions: pos.baseAddress!, invFreq: inv.baseAddress!, n: n,
                             heads: c.numAttentionHeads, headDim: c.headDim, attentionScaling: scaling)
                Rope.forward(out: s.k.pointer, x: s.k.pointer, positions: pos.baseAddress!, invFreq: inv.baseAddress!, n: n,
                             heads: c.numKeyValueHeads, headDim: c.headDim, attentionScaling: scaling)
            }
        }
        let shape = Attention.Shape(batch: batch, seqLen: seqLen, heads: c.numAttentionHeads, kvHeads: c.numKeyValueHeads, headDim: c.headDim)
        Attention.forward(out: s.attended.pointer, probs: s.probs.pointer, q: s.q.pointer, k: s.k.pointer, v: s.v.pointer, keyMask: nil, shape: shape)
        output(s.attended.readPointer, weight: wo, bias: b.o, inFeatures: qd, out: out)
    }

    /// `out = down(silu(gate(x)) ⊙ up(x))` for normed input `x`; leaves `hidden` filled.
    func mlp(_ x: UnsafePointer<Float>, wg: UnsafePointer<Float>, wu: UnsafePointer<Float>, wd: UnsafePointer<Float>,
             biases b: Biases, out: UnsafeMutablePointer<Float>) {
        let gu = [wg, wu]
        mlp(x, gateUp: { i, body in body(gu[i]) }, wd: wd, biases: b, out: out)
    }

    /// `mlp` with gate and up handed out one at a time by `gateUp`.
    func mlp(_ x: UnsafePointer<Float>, gateUp: WeightAccess, wd: UnsafePointer<Float>, biases b: Biases,
             out: UnsafeMutablePointer<Float>) {
        let n = rows, h = config.hiddenSize, f = config.intermediateSize, s = mlpBuffers
        gateUp(0) { Linear.forward(out: s.gate.pointer, x: x, weight: $0, bias: b.gate?.readPointer, n: n, inFeatures: h, outFeatures: f) }
        gateUp(1) { Linear.forward(out: s.up.pointer, x: x, weight: $0, bias: b.up?.readPointer, n: n, inFeatures: h, outFeatures: f) }
        SwiGLU.forward(out: s.hidden.pointer, gate: s.gate.pointer, up: s.up.pointer, count: n * f)
        output(s.hidden.readPointer, weight: wd, bias: b.down, inFeatures: f, out: out)
    }

    /// `out = x·wᵀ + b` with `hidden` outputs.
    func output(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: FloatBuffer?, inFeatures: Int,
                out: UnsafeMutablePointer<Float>) {
        Linear.forward(out: out, x: x, weight: weight, bias: bias?.readPointer, n: rows, inFeatures: inFeatures,
                       outFeatures: config.hiddenSize)
    }

    /// The attention half on `x` in place: `normed1 = rms₁(x)`, `x += o(attention(normed1))`.
    func runAttention(_ x: FloatBuffer, inputNorm: UnsafePointer<Float>, qkv: WeightAccess, wo: UnsafePointer<Float>, biases b: Biases) {
        let n = rows, h = config.hiddenSize, eps = Float(config.rmsNormEps)
        let delta = FloatBuffer(count: n * h)
        RMSNorm.forward(out: normed1.pointer, rstd: nil, x: x.pointer, weight: inputNorm, n: n, dim: h, eps: eps)
        attention(normed1.readPointer, qkv: qkv, wo: wo, biases: b, out: delta.pointer)
        for i in 0..<(n * h) { x.pointer[i] += delta.pointer[i] }
    }

    /// The MLP half on `x` in place: `normed2 = rms₂(x)`, `x += down(silu(gate) ⊙ up)`.
    func runMLP(_ x: FloatBuffer, postNorm: UnsafePointer<Float>, gateUp: WeightAccess, wd: UnsafePointer<Float>, biases b: Biases) {
        let n = rows, h = config.hiddenSize, eps = Float(config.rmsNormEps)
        let delta = FloatBuffer(count: n * h)
        RMSNorm.forward(out: normed2.pointer, rstd: nil, x: x.pointer, weight: postNorm, n: n, dim: h, eps: eps)
        mlp(normed2.readPointer, gateUp: gateUp, wd: wd, biases: b, out: delta.pointer)
        for i in 0..<(n * h) { x.pointer[i] += delta.pointer[i] }
    }

    /// Runs the whole block on `x` in place, leaving every linear's input in the buffers.
    func run(_ x: FloatBuffer, weights w: LlamaBlockWeights) {
        let b = Biases(w), qkv = [w.q, w.k, w.v], gu = [w.gate, w.up]
        runAttention(x, inputNorm: w.inputNorm.readPointer, qkv: { i, body in body(qkv[i].readPointer) }, wo: w.o.readPointer, biases: b)
        runMLP(x, postNorm: w.postNorm.readPointer, gateUp: { i, body in body(gu[i].readPointer) }, wd: w.down.readPointer, biases: b)
    }
}

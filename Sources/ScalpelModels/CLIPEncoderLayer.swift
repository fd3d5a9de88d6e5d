import ScalpelFormats
import ScalpelTensor

/// One CLIP encoder layer (pre-LN, bidirectional attention):
///
///     x₁ = x + out(attention(q(ln₁(x)), k(ln₁(x)), v(ln₁(x))))
///     y  = x₁ + fc2(act(fc1(ln₂(x₁))))
///
/// with biases on every linear, scale `1/√headDim`, and `act` the config's `hidden_act`
/// (`quick_gelu` for OpenAI CLIP). `forward` works in place on the residual stream
/// `x[batch·seqLen, hidden]`; every sequence attends over all of its own positions.
public struct CLIPEncoderLayer {
    public let config: ModelConfig.CLIPVision
    public let weights: CLIPEncoderLayerWeights
    public let activation: HiddenActivation

    /// Working buffers for one forward pass over `batch` sequences of `seqLen` positions, reusable
    /// from layer to layer.
    public final class Scratch: @unchecked Sendable {
        public let batch: Int
        public let seqLen: Int
        let normed, q, k, v, probs, attended, hidden: FloatBuffer

        public init(config c: ModelConfig.CLIPVision, batch: Int, seqLen: Int) {
            let n = batch * seqLen, h = c.hiddenSize
            self.batch = batch
            self.seqLen = seqLen
            normed = FloatBuffer(count: n * h)
            q = FloatBuffer(count: n * h)
            k = FloatBuffer(count: n * h)
            v = FloatBuffer(count: n * h)
            probs = FloatBuffer(count: batch * c.numAttentionHeads * seqLen * seqLen)
            attended = FloatBuffer(count: n * h)
            hidden = FloatBuffer(count: n * c.intermediateSize)
        }
    }

    public init(config: ModelConfig.CLIPVision, weights: CLIPEncoderLayerWeights, activation: HiddenActivation) {
        self.config = config
        self.weights = weights
        self.activation = activation
    }

    /// Runs the layer on `x` in place. `scratch`, when given, must be sized for `step`.
    public func forward(_ x: UnsafeMutablePointer<Float>, step: BlockStep, scratch: Scratch? = nil) {
        let c = config, w = weights, n = step.rows, h = c.hiddenSize, f = c.intermediateSize
        let s = scratch ?? Scratch(config: c, batch: step.batch, seqLen: step.seqLen)
        precondition(s.batch == step.batch && s.seqLen == step.seqLen,
                     "scratch for \(s.batch)×\(s.seqLen) used for \(step.batch)×\(step.seqLen)")
        let eps = Float(c.layerNormEps)

        LayerNorm.forward(out: s.normed.pointer, mean: nil, rstd: nil, x: x, weight: w.layerNorm1.pointer,
                          bias: w.layerNorm1Bias.readPointer, n: n, dim: h, eps: eps)
        Linear.forward(out: s.q.pointer, x: s.normed.pointer, weight: w.q.pointer, bias: w.qBias.readPointer, n: n, inFeatures: h, outFeatures: h)
        Linear.forward(out: s.k.pointer, x: s.normed.pointer, weight: w.k.pointer, bias: w.kBias.readPointer, n: n, inFeatures: h, outFeatures: h)
        Linear.forward(out: s.v.pointer, x: s.normed.pointer, weight: w.v.pointer, bias: w.vBias.readPointer, n: n, inFeatures: h, outFeatures: h)
        let shape = Attention.Shape(batch: step.batch, seqLen: step.seqLen, heads: c.numAttentionHeads,
                                    kvHeads: c.numAttentionHeads, headDim: c.headDim, causal: false)
        Attention.forward(out: s.attended.pointer, probs: s.probs.pointer, q: s.q.pointer, k: s.k.pointer,
                          v: s.v.pointer, keyMask: nil, shape: shape)
        // x₁ = x + out(attended), accumulated straight into the residual stream.
        Self.addBias(x, w.outBias, rows: n, width: h)
        Matmul.forward(out: x, a: s.attended.pointer, b: w.out.pointer, m: n, n: h, k: h, transB: true, accumulate: true)

        LayerNorm.forward(out: s.normed.pointer, mean: nil, rstd: nil, x: x, weight: w.layerNorm2.pointer,
                          bias: w.layerNorm2Bias.readPointer, n: n, dim: h, eps: eps)
        Linear.forward(out: s.hidden.pointer, x: s.normed.pointer, weight: w.fc1.pointer, bias: w.fc1Bias.readPointer,
                       n: n, inFeatures: h, outFeatures: f)
        activation.forward(out: s.hidden.pointer, x: s.hidden.pointer, count: n * f)
        Self.addBias(x, w.fc2Bias, rows: n, width: h)
        Matmul.forward(out: x, a: s.hidden.pointer, b: w.fc2.pointer, m: n, n: h, k: f, transB: true, accumulate: true)
    }

    /// `x[r, j] += bias[j]` for every row.
    static func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: FloatBuffer, rows: Int, width: Int) {
        for r in 0..<rows {
            let row = x + r * width
            for j in 0..<width { row[j] += bias.pointer[j] }
        }
    }
}

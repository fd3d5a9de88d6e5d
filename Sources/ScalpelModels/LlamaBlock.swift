import ScalpelFormats
import ScalpelTensor

/// What one decoder block computes for a batch: `batch` sequences of `seqLen` new tokens whose
/// first position is `past` (non-zero when a KV cache holds earlier positions).
public struct BlockStep: Sendable {
    public var batch: Int
    public var seqLen: Int
    public var past: Int
    /// Rows of the residual stream: `batch · seqLen`.
    public var rows: Int { batch * seqLen }

    public init(batch: Int, seqLen: Int, past: Int = 0) {
        self.batch = batch
        self.seqLen = seqLen
        self.past = past
    }
}

/// The intermediate values one block's forward pass keeps for its backward pass (llm.c's
/// activation arena for a single layer), sized for `batch · seqLen` tokens attending over `keys`
/// positions (`seqLen` without a KV cache, `past + seqLen` with one).
public final class LlamaBlockActivations: @unchecked Sendable {
    public let rows: Int
    let input, normed1, rstd1, q, k, v, probs, attended, residual1, normed2, rstd2, gate, up, hidden: FloatBuffer

    public init(config c: ModelConfig.Llama, batch: Int, seqLen: Int, keys: Int? = nil) {
        let n = batch * seqLen, h = c.hiddenSize
        let qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim
        rows = n
        input = FloatBuffer(count: n * h)
        normed1 = FloatBuffer(count: n * h)
        rstd1 = FloatBuffer(count: n)
        q = FloatBuffer(count: n * qd)
        k = FloatBuffer(count: n * kvd)
        v = FloatBuffer(count: n * kvd)
        probs = FloatBuffer(count: batch * c.numAttentionHeads * seqLen * max(keys ?? seqLen, seqLen))
        attended = FloatBuffer(count: n * qd)
        residual1 = FloatBuffer(count: n * h)
        normed2 = FloatBuffer(count: n * h)
        rstd2 = FloatBuffer(count: n)
        gate = FloatBuffer(count: n * c.intermediateSize)
        up = FloatBuffer(count: n * c.intermediateSize)
        hidden = FloatBuffer(count: n * c.intermediateSize)
    }
}

/// Gradients of one block's parameters, laid out as `LlamaBlockWeights`.
public typealias LlamaBlockGradients = LlamaBlockWeights

/// One LLaMA decoder block:
///
///     x₁ = x + o(attention(rope(q(rms₁(x))), rope(k(rms₁(x))), v(rms₁(x))))
///     y  = x₁ + down(silu(gate(rms₂(x₁))) ⊙ up(rms₂(x₁)))
///
/// `forward` works in place on the residual stream `x[rows, hidden]`. With activations it saves what
/// `backward` needs; with a KV cache layer it appends this step's keys and values and attends over
/// the cached ones too. `adapters` (LoRA) add their terms after each base linear; see `LinearAdapter`.
public struct LlamaBlock {
    public let config: ModelConfig.Llama
    public let weights: LlamaBlockWeights
    public var adapters: LlamaBlockAdapters

    public init(config: ModelConfig.Llama, weights: LlamaBlockWeights, adapters: LlamaBlockAdapters = LlamaBlockAdapters()) {
        self.config = config
        self.weights = weights
        self.adapters = adapters
    }

    /// Runs the block on `x` in place.
    /// - Parameters:
    ///   - positions: the position of each of the `rows` tokens (`past + i` for plain sequences).
    ///   - keyMask: `[batch, past + seqLen]` (or the cache's capacity), nonzero where a key may be attended.
    ///   - saved: where to keep activations for `backward` (needs `past == 0` and no cache); without a
    ///     cache it also serves as scratch space, so callers running many blocks pass one and reuse it.
    ///   - cache: this layer's KV cache, when decoding incrementally.
    public func forward(
        _ x: UnsafeMutablePointer<Float>, step: BlockStep, positions: UnsafePointer<Int32>,
        invFreq: UnsafePointer<Float>, attentionScaling: Float = 1, keyMask: UnsafePointer<UInt8>? = nil,
        saved: LlamaBlockActivations? = nil, cache: KVCacheLayer? = nil
    ) {
        let c = config, w = weights, n = step.rows, h = c.hiddenSize
        let heads = c.numAttentionHeads, kvHeads = c.numKeyValueHeads, hd = c.headDim
        let qd = heads * hd, kvd = kvHeads * hd, f = c.intermediateSize
        let a = saved ?? LlamaBlockActivations(config: c, batch: step.batch, seqLen: step.seqLen, keys: step.past + step.seqLen)
        let eps = Float(c.rmsNormEps)

        a.input.pointer.update(from: x, count: n * h)
        RMSNorm.forward(out: a.normed1.pointer, rstd: a.rstd1.pointer, x: x, weight: w.inputNorm.pointer, n: n, dim: h, eps: eps)
        w.forwardLinear(.q, out: a.q.pointer, x: a.normed1.pointer, n: n, inFeatures: h, outFeatures: qd)
        w.forwardLinear(.k, out: a.k.pointer, x: a.normed1.pointer, n: n, inFeatures: h, outFeatures: kvd)
        w.forwardLinear(.v, out: a.v.pointer, x: a.normed1.pointer, n: n, inFeatures: h, outFeatures: kvd)
        let ad = adapters
        ad.q?.forward(out: a.q.pointer, x: a.normed1.pointer, n: n)
        ad.k?.forward(out: a.k.pointer, x: a.normed1.pointer, n: n)
        ad.v?.forward(out: a.v.pointer, x: a.normed1.pointer, n: n)
        Rope.forward(out: a.q.pointer, x: a.q.pointer, positions: positions, invFreq: invFreq, n: n, heads: heads, headDim: hd, attentionScaling: attentionScaling)
        Rope.forward(out: a.k.pointer, x: a.k.pointer, positions: positions, invFreq: invFreq, n: n, heads: kvHeads, headDim: hd, attentionScaling: attentionScaling)

        if let cache {
            cache.append(k: a.k.pointer, v: a.v.pointer, step: step)
            let shape = Attention.Shape(batch: step.batch, seqLen: step.seqLen, heads: heads, kvHeads: kvHeads,
                                        headDim: hd, past: step.past, kvCapacity: cache.capacity)
            precondition(shape.probsCount <= a.probs.count, "activations sized for fewer keys than the cache holds")
            Attention.forward(out: a.attended.pointer, probs: a.probs.pointer, q: a.q.pointer, k: cache.keys.pointer,
                              v: cache.values.pointer, keyMask: keyMask, shape: shape)
        } else {
            let shape = Attention.Shape(batch: step.batch, seqLen: step.seqLen, heads: heads, kvHeads: kvHeads, headDim: hd)
            Attention.forward(out: a.attended.pointer, probs: a.probs.pointer, q: a.q.pointer, k: a.k.pointer,
                              v: a.v.pointer, keyMask: keyMask, shape: shape)
        }
        // x₁ = x + o(attended), accumulated straight into the residual stream.
        w.forwardLinear(.o, out: x, x: a.attended.pointer, n: n, inFeatures: qd, outFeatures: h, accumulate: true)
        ad.o?.forward(out: x, x: a.attended.pointer, n: n)
        a.residual1.pointer.update(from: x, count: n * h)
        RMSNorm.forward(out: a.normed2.pointer, rstd: a.rstd2.pointer, x: x, weight: w.postNorm.pointer, n: n, dim: h, eps: eps)
        w.forwardLinear(.gate, out: a.gate.pointer, x: a.normed2.pointer, n: n, inFeatures: h, outFeatures: f)
        w.forwardLinear(.up, out: a.up.pointer, x: a.normed2.pointer, n: n, inFeatures: h, outFeatures: f)
        ad.gate?.forward(out: a.gate.pointer, x: a.normed2.pointer, n: n)
        ad.up?.forward(out: a.up.pointer, x: a.normed2.pointer, n: n)
        SwiGLU.forward(out: a.hidden.pointer, gate: a.gate.pointer, up: a.up.pointer, count: n * f)
        w.forwardLinear(.down, out: x, x: a.hidden.pointer, n: n, inFeatures: f, outFeatures: h, accumulate: true)
        ad.down?.forward(out: x, x: a.hidden.pointer, n: n)
    }

    /// Given `dx = ∂L/∂y` for the block output, replaces it in place with `∂L/∂x` and accumulates
    /// parameter gradients into `grads` (nil: frozen block, only `dx` flows; an empty buffer in it:
    /// that gradient is not formed, see `init(gradientsFor:forming:)`). Uses the activations
    /// `forward` saved; `positions` and `invFreq` as passed to it.
    public func backward(
        _ dx: UnsafeMutablePointer<Float>, step: BlockStep, positions: UnsafePointer<Int32>,
        invFreq: UnsafePointer<Float>, attentionScaling: Float = 1, saved a: LlamaBlockActivations,
        grads g: LlamaBlockGradients?
    ) {
        let c = config, w = weights, n = step.rows, h = c.hiddenSize, ad = adapters
        precondition(w.packed == nil, "a block with packed weights runs forward only")
        let heads = c.numAttentionHeads, kvHeads = c.numKeyValueHeads, hd = c.headDim
        let qd = heads * hd, kvd = kvHeads * hd, f = c.intermediateSize
        // MLP branch: dx carries ∂L/∂x₁ from the residual; add what flows through the MLP.
        let dNormed = FloatBuffer(count: n * h)
        let dHidden = FloatBuffer(count: n * f)
        let dGate = FloatBuffer(count: n * f)
        let dUp = FloatBuffer(count: n * f)
        Linear.backward(dX: dHidden.pointer, dWeight: g?.down.formedPointer, dBias: g?.downBias?.pointer, dOut: dx, x: a.hidden.pointer,
                        weight: w.down.pointer, n: n, inFeatures: f, outFeatures: h)
        ad.down?.backward(dX: dHidden.pointer, dOut: dx, x: a.hidden.pointer, n: n)
        SwiGLU.backward(dGate: dGate.pointer, dUp: dUp.pointer, dOut: dHidden.pointer, gate: a.gate.pointer, up: a.up.pointer, count: n * f)
        Linear.backward(dX: dNormed.pointer, dWeight: g?.gate.formedPointer, dBias: g?.gateBias?.pointer, dOut: dGate.pointer, x: a.normed2.pointer,
                        weight: w.gate.pointer, n: n, inFeatures: h, outFeatures: f)
        ad.gate?.backward(dX: dNormed.pointer, dOut: dGate.pointer, x: a.normed2.pointer, n: n)
        Linear.backward(dX: dNormed.pointer, dWeight: g?.up.formedPointer, dBias: g?.upBias?.pointer, dOut: dUp.pointer, x: a.normed2.pointer,
                        weight: w.up.pointer, n: n, inFeatures: h, outFeatures: f)
        ad.up?.backward(dX: dNormed.pointer, dOut: dUp.pointer, x: a.normed2.pointer, n: n)
        RMSNorm.backward(dX: dx, dWeight: g?.postNorm.formedPointer, dOut: dNormed.pointer, x: a.residual1.pointer,
                         weight: w.postNorm.pointer, rstd: a.rstd2.pointer, n: n, dim: h)
        // Attention branch.
        let dAttended = FloatBuffer(count: n * qd)
        Linear.backward(dX: dAttended.pointer, dWeight: g?.o.formedPointer, dBias: g?.oBias?.pointer, dOut: dx, x: a.attended.pointer,
                        weight: w.o.pointer, n: n, inFeatures: qd, outFeatures: h)
        ad.o?.backward(dX: dAttended.pointer, dOut: dx, x: a.attended.pointer, n: n)
        let dQ = FloatBuffer(count: n * qd), dK = FloatBuffer(count: n * kvd), dV = FloatBuffer(count: n * kvd)
        let shape = Attention.Shape(batch: step.batch, seqLen: step.seqLen, heads: heads, kvHeads: kvHeads, headDim: hd)
        Attention.backward(dQ: dQ.pointer, dK: dK.pointer, dV: dV.pointer, dOut: dAttended.pointer, probs: a.probs.pointer,
                           q: a.q.pointer, k: a.k.pointer, v: a.v.pointer, shape: shape)
        let dQPre = FloatBuffer(count: n * qd), dKPre = FloatBuffer(count: n * kvd)
        Rope.backward(dX: dQPre.pointer, dOut: dQ.pointer, positions: positions, invFreq: invFreq, n: n, heads: heads, headDim: hd, attentionScaling: attentionScaling)
        Rope.backward(dX: dKPre.pointer, dOut: dK.pointer, positions: positions, invFreq: invFreq, n: n, heads: kvHeads, headDim: hd, attentionScaling: attentionScaling)
        dNormed.zero()
        Linear.backward(dX: dNormed.pointer, dWeight: g?.q.formedPointer, dBias: g?.qBias?.pointer, dOut: dQPre.pointer, x: a.normed1.pointer,
                        weight: w.q.pointer, n: n, inFeatures: h, outFeatures: qd)
        ad.q?.backward(dX: dNormed.pointer, dOut: dQPre.pointer, x: a.normed1.pointer, n: n)
        Linear.backward(dX: dNormed.pointer, dWeight: g?.k.formedPointer, dBias: g?.kBias?.pointer, dOut: dKPre.pointer, x: a.normed1.pointer,
                        weight: w.k.pointer, n: n, inFeatures: h, outFeatures: kvd)
        ad.k?.backward(dX: dNormed.pointer, dOut: dKPre.pointer, x: a.normed1.pointer, n: n)
        Linear.backward(dX: dNormed.pointer, dWeight: g?.v.formedPointer, dBias: g?.vBias?.pointer, dOut: dV.pointer, x: a.normed1.pointer,
                        weight: w.v.pointer, n: n, inFeatures: h, outFeatures: kvd)
        ad.v?.backward(dX: dNormed.pointer, dOut: dV.pointer, x: a.normed1.pointer, n: n)
        RMSNorm.backward(dX: dx, dWeight: g?.inputNorm.formedPointer, dOut: dNormed.pointer, x: a.input.pointer,
                         weight: w.inputNorm.pointer, rstd: a.rstd1.pointer, n: n, dim: h)
    }
}

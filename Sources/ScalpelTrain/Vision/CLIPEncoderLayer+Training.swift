import ScalpelModels
import ScalpelTensor

extension CLIPEncoderLayer {
    /// `forward(_:step:scratch:)` that keeps what `backward` needs in `saved` (sized for `step`).
    /// Computes the same values in the same order as the inference forward.
    func forward(_ x: UnsafeMutablePointer<Float>, step: BlockStep, saving s: CLIPLayerActivations) {
        let c = config, w = weights, n = step.rows, h = c.hiddenSize, f = c.intermediateSize
        let eps = Float(c.layerNormEps)
        s.input.pointer.update(from: x, count: n * h)
        LayerNorm.forward(out: s.normed1.pointer, mean: s.mean1.pointer, rstd: s.rstd1.pointer, x: x, weight: w.layerNorm1.pointer,
                          bias: w.layerNorm1Bias.readPointer, n: n, dim: h, eps: eps)
        Linear.forward(out: s.q.pointer, x: s.normed1.pointer, weight: w.q.pointer, bias: w.qBias.readPointer, n: n, inFeatures: h, outFeatures: h)
        Linear.forward(out: s.k.pointer, x: s.normed1.pointer, weight: w.k.pointer, bias: w.kBias.readPointer, n: n, inFeatures: h, outFeatures: h)
        Linear.forward(out: s.v.pointer, x: s.normed1.pointer, weight: w.v.pointer, bias: w.vBias.readPointer, n: n, inFeatures: h, outFeatures: h)
        let shape = attentionShape(step)
        Attention.forward(out: s.attended.pointer, probs: s.probs.pointer, q: s.q.pointer, k: s.k.pointer,
                          v: s.v.pointer, keyMask: nil, shape: shape)
        addRowBias(x, w.outBias, rows: n, width: h)
        Matmul.forward(out: x, a: s.attended.pointer, b: w.out.pointer, m: n, n: h, k: h, transB: true, accumulate: true)
        s.mid.pointer.update(from: x, count: n * h)

        LayerNorm.forward(out: s.normed2.pointer, mean: s.mean2.pointer, rstd: s.rstd2.pointer, x: x, weight: w.layerNorm2.pointer,
                          bias: w.layerNorm2Bias.readPointer, n: n, dim: h, eps: eps)
        Linear.forward(out: s.pre.pointer, x: s.normed2.pointer, weight: w.fc1.pointer, bias: w.fc1Bias.readPointer,
                       n: n, inFeatures: h, outFeatures: f)
        activation.forward(out: s.hidden.pointer, x: s.pre.pointer, count: n * f)
        addRowBias(x, w.fc2Bias, rows: n, width: h)
        Matmul.forward(out: x, a: s.hidden.pointer, b: w.fc2.pointer, m: n, n: h, k: f, transB: true, accumulate: true)
    }

    func attentionShape(_ step: BlockStep) -> Attention.Shape {
        Attention.Shape(batch: step.batch, seqLen: step.seqLen, heads: config.numAttentionHeads,
                        kvHeads: config.numAttentionHeads, headDim: config.headDim, causal: false)
    }

    /// Turns `dx` (∂L/∂output, in place) into ∂L/∂input, *adding* every weight's gradient into
    /// `grads` (laid out as the weights; nil: frozen, only `dx` is computed).
    func backward(_ dx: UnsafeMutablePointer<Float>, step: BlockStep, saved s: CLIPLayerActivations, grads g: CLIPEncoderLayerWeights?) {
        let c = config, w = weights, n = step.rows, h = c.hiddenSize, f = c.intermediateSize
        // MLP: y = mid + fc2(act(fc1(ln₂(mid)))); dx holds ∂L/∂y and becomes ∂L/∂mid.
        let dHidden = FloatBuffer(count: n * f)
        Linear.backward(dX: dHidden.pointer, dWeight: g?.fc2.pointer, dBias: g?.fc2Bias.pointer, dOut: dx, x: s.hidden.readPointer,
                        weight: w.fc2.readPointer, n: n, inFeatures: f, outFeatures: h)
        let dPre = FloatBuffer(count: n * f)
        activation.backward(dX: dPre.pointer, dOut: dHidden.readPointer, x: s.pre.readPointer, count: n * f)
        let dNormed = FloatBuffer(count: n * h)
        Linear.backward(dX: dNormed.pointer, dWeight: g?.fc1.pointer, dBias: g?.fc1Bias.pointer, dOut: dPre.readPointer,
                        x: s.normed2.readPointer, weight: w.fc1.readPointer, n: n, inFeatures: h, outFeatures: f)
        LayerNorm.backward(dX: dx, dWeight: g?.layerNorm2.pointer, dBias: g?.layerNorm2Bias.pointer, dOut: dNormed.readPointer,
                           x: s.mid.readPointer, weight: w.layerNorm2.readPointer, mean: s.mean2.readPointer,
                           rstd: s.rstd2.readPointer, n: n, dim: h)
        // Attention: mid = input + out(attention(q, k, v)); dx becomes ∂L/∂input.
        let dAttended = FloatBuffer(count: n * h)
        Linear.backward(dX: dAttended.pointer, dWeight: g?.out.pointer, dBias: g?.outBias.pointer, dOut: dx, x: s.attended.readPointer,
                        weight: w.out.readPointer, n: n, inFeatures: h, outFeatures: h)
        let dq = FloatBuffer(count: n * h), dk = FloatBuffer(count: n * h), dv = FloatBuffer(count: n * h)
        Attention.backward(dQ: dq.pointer, dK: dk.pointer, dV: dv.pointer, dOut: dAttended.readPointer, probs: s.probs.readPointer,
                           q: s.q.readPointer, k: s.k.readPointer, v: s.v.readPointer, shape: attentionShape(step))
        dNormed.zero()
        for (d, weight, grad, bias) in [(dq, w.q, g?.q, g?.qBias), (dk, w.k, g?.k, g?.kBias), (dv, w.v, g?.v, g?.vBias)] {
            Linear.backward(dX: dNormed.pointer, dWeight: grad?.pointer, dBias: bias?.pointer, dOut: d.readPointer,
                            x: s.normed1.readPointer, weight: weight.readPointer, n: n, inFeatures: h, outFeatures: h)
        }
        LayerNorm.backward(dX: dx, dWeight: g?.layerNorm1.pointer, dBias: g?.layerNorm1Bias.pointer, dOut: dNormed.readPointer,
                           x: s.input.readPointer, weight: w.layerNorm1.readPointer, mean: s.mean1.readPointer,
                           rstd: s.rstd1.readPointer, n: n, dim: h)
    }
}

/// `x[r, j] += bias[j]` for every row.
func addRowBias(_ x: UnsafeMutablePointer<Float>, _ bias: FloatBuffer, rows: Int, width: Int) {
    let b = bias.readPointer
    for r in 0..<rows {
        let row = x + r * width
        for j in 0..<width { row[j] += b[j] }
    }
}

import ScalpelFormats
import ScalpelModels

/// What one CLIP encoder layer's forward pass keeps for its backward pass over `batch` sequences
/// of `seqLen` positions: the layer input, both layer norms' statistics and outputs, q/k/v, the
/// attention probabilities and output, the residual stream after attention, and the MLP's hidden
/// layer before and after its activation.
final class CLIPLayerActivations: @unchecked Sendable {
    let batch: Int
    let seqLen: Int
    let input, normed1, q, k, v, attended, mid, normed2: FloatBuffer
    let mean1, rstd1, mean2, rstd2: FloatBuffer
    let probs: FloatBuffer
    /// fc1's output before and after the activation.
    let pre, hidden: FloatBuffer

    init(config c: ModelConfig.CLIPVision, batch: Int, seqLen: Int) {
        let n = batch * seqLen, h = c.hiddenSize, f = c.intermediateSize
        self.batch = batch
        self.seqLen = seqLen
        input = FloatBuffer(count: n * h)
        normed1 = FloatBuffer(count: n * h)
        q = FloatBuffer(count: n * h)
        k = FloatBuffer(count: n * h)
        v = FloatBuffer(count: n * h)
        attended = FloatBuffer(count: n * h)
        mid = FloatBuffer(count: n * h)
        normed2 = FloatBuffer(count: n * h)
        mean1 = FloatBuffer(count: n)
        rstd1 = FloatBuffer(count: n)
        mean2 = FloatBuffer(count: n)
        rstd2 = FloatBuffer(count: n)
        probs = FloatBuffer(count: batch * c.numAttentionHeads * seqLen * seqLen)
        pre = FloatBuffer(count: n * f)
        hidden = FloatBuffer(count: n * f)
    }
}

import ScalpelFormats
import ScalpelModels
import ScalpelTensor

/// Forward and forward+backward throughput of one LLaMA decoder block, against the sgemm roof on
/// the block's FLOP count.
public enum BlockBenchmark {
    /// The SmolLM2-135M block shape: hidden 576, 9 heads, 3 KV heads, MLP 1536.
    public static let smolLM2Shape = ModelConfig.Llama(
        vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numHiddenLayers: 1, numAttentionHeads: 9,
        numKeyValueHeads: 3, rmsNormEps: 1e-5, ropeTheta: 100_000)

    /// Forward FLOPs of one block for `seqLen` tokens: the seven projections plus the two attention
    /// products over the causal half of the score matrix.
    public static func forwardFlops(_ c: ModelConfig.Llama, seqLen t: Int) -> Double {
        let h = Double(c.hiddenSize), qd = Double(c.numAttentionHeads * c.headDim)
        let kvd = Double(c.numKeyValueHeads * c.headDim), f = Double(c.intermediateSize), n = Double(t)
        let projections = 2 * n * (h * qd + 2 * h * kvd + qd * h + 3 * h * f)
        let attention = 2 * 2 * Double(c.numAttentionHeads * c.headDim) * n * (n + 1) / 2
        return projections + attention
    }

    /// Block forward, and forward+backward (backward counted as twice the forward FLOPs), on a
    /// sequence of `seqLen` tokens with random weights.
    public static func llamaBlock(config c: ModelConfig.Llama = smolLM2Shape, seqLen t: Int = 256,
                                  minSeconds: Double) -> [BenchmarkRow] {
        let weights = LlamaBlockWeights(config: c)
        for (i, (_, buffer)) in weights.named.enumerated() where buffer.count > c.hiddenSize {
            let values = BenchBuffer(count: buffer.count, seed: UInt64(10 + i)).values
            buffer.pointer.update(from: values, count: values.count)
        }
        let block = LlamaBlock(config: c, weights: weights)
        let step = BlockStep(batch: 1, seqLen: t)
        let input = BenchBuffer(count: t * c.hiddenSize, seed: 99).values
        let x = FloatBuffer(input)
        let dx = FloatBuffer(count: t * c.hiddenSize)
        let saved = LlamaBlockActivations(config: c, batch: 1, seqLen: t)
        let grads = LlamaBlockWeights(config: c)
        let positions = (0..<t).map(Int32.init)
        let (invFreq, _) = (try? RopeFrequencies.compute(c)) ?? ([], 1)
        let flops = forwardFlops(c, seqLen: t)
        return positions.withUnsafeBufferPointer { pos in
            invFreq.withUnsafeBufferPointer { inv in
                let forward = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
                    x.pointer.update(from: input, count: input.count)
                    block.forward(x.pointer, step: step, positions: pos.baseAddress!, invFreq: inv.baseAddress!, saved: saved)
                }
                let both = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
                    x.pointer.update(from: input, count: input.count)
                    block.forward(x.pointer, step: step, positions: pos.baseAddress!, invFreq: inv.baseAddress!, saved: saved)
                    dx.pointer.update(from: input, count: input.count)
                    block.backward(dx.pointer, step: step, positions: pos.baseAddress!, invFreq: inv.baseAddress!,
                                   saved: saved, grads: grads)
                }
                let shape = "h\(c.hiddenSize) \(c.numAttentionHeads)/\(c.numKeyValueHeads) heads mlp\(c.intermediateSize) T=\(t)"
                return [
                    BenchmarkRow(name: "llama block fwd \(shape)", flops: flops, seconds: forward, tokens: t),
                    BenchmarkRow(name: "llama block fwd+bwd \(shape)", flops: 3 * flops, seconds: both, tokens: t),
                ]
            }
        }
    }
}

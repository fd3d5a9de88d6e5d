import ScalpelFormats
import ScalpelTensor

/// A LLaMA-family decoder with f32 weights: token embeddings, decoder blocks, final RMSNorm and the
/// output projection (shared with the embeddings when tied).
public final class LlamaModel: @unchecked Sendable {
    public let config: ModelConfig.Llama
    public let embedTokens: FloatBuffer
    public var blocks: [LlamaBlockWeights]
    public let finalNorm: FloatBuffer
    /// `[vocab, hidden]`; the same buffer as `embedTokens` when the embeddings are tied; empty when an
    /// untied head is held only packed (`packedHead`).
    public let lmHead: FloatBuffer
    /// The output projection held packed, for a packed model whose checkpoint stores the head (or, tied, the
    /// embedding table) as Q4_0, Q4_1 or Q8_0 (`LlamaModel+Packed.swift`): `logits` runs it through the
    /// fused kernels instead of `lmHead`.
    public internal(set) var packedHead: PackedWeight?

    /// Loads the decoder from `source`, checking every tensor's shape against `config`.
    public init(source: any WeightSource, config c: ModelConfig.Llama, names: LlamaTensorNames? = nil) throws {
        let names = names ?? LlamaTensorNames.detect(in: source)
        let origin = "the config (vocab \(c.vocabSize), hidden \(c.hiddenSize))"
        config = c
        embedTokens = FloatBuffer(try source.floats(names.embedTokens, shape: [c.vocabSize, c.hiddenSize], from: origin))
        blocks = try (0..<c.numHiddenLayers).map {
            try LlamaBlockWeights(from: source, names: names, index: $0, config: c)
        }
        finalNorm = FloatBuffer(try source.floats(names.finalNorm, shape: [c.hiddenSize], from: origin))
        if source.contains(names.head) {
            lmHead = FloatBuffer(try source.floats(names.head, shape: [c.vocabSize, c.hiddenSize], from: origin))
        } else if c.tieWordEmbeddings {
            lmHead = embedTokens
        } else {
            throw FormatError(file: source.path, "no tensor named '\(names.head)' and the config does not tie the output to the embeddings")
        }
    }

    /// A model with given weights (tests, training from scratch).
    public init(config: ModelConfig.Llama, embedTokens: FloatBuffer, blocks: [LlamaBlockWeights],
                finalNorm: FloatBuffer, lmHead: FloatBuffer?) {
        self.config = config
        self.embedTokens = embedTokens
        self.blocks = blocks
        self.finalNorm = finalNorm
        self.lmHead = lmHead ?? embedTokens
    }

    /// Parameters of the decoder (tied embeddings counted once).
    public var parameterCount: Int {
        embedTokens.count + blocks.reduce(0) { $0 + $1.parameterCount } + finalNorm.count
            + (lmHead === embedTokens ? 0 : (lmHead.count == 0 ? packedHead.map { $0.rows * $0.cols } ?? 0 : lmHead.count))
    }

    /// The embedding rows of `tokens` (`[count, hidden]`); throws for an id outside the vocabulary.
    public func embed(_ tokens: [Int]) throws -> FloatBuffer {
        let h = config.hiddenSize
        let out = FloatBuffer(count: tokens.count * h)
        for (i, t) in tokens.enumerated() {
            guard t >= 0 && t < config.vocabSize else {
                throw ModelError("token id \(t) at position \(i) is outside the vocabulary (0..<\(config.vocabSize))")
            }
            (out.pointer + i * h).update(from: embedTokens.pointer + t * h, count: h)
        }
        return out
    }

    /// Runs every decoder block over the residual stream `x[batch·seqLen, hidden]` in place, then the
    /// final norm. Positions are `past ..< past+seqLen` for every batch element. With `cache`, keys and
    /// values are appended to it and attention covers the cached positions.
    public func runDecoder(_ x: FloatBuffer, step: BlockStep, cache: KVCache? = nil,
                           keyMask: UnsafePointer<UInt8>? = nil) throws {
        let (invFreq, scaling) = try RopeFrequencies.compute(config, seqLen: step.past + step.seqLen)
        if let cache {
            guard step.past == cache.length, step.past + step.seqLen <= cache.capacity else {
                throw ModelError("sequence of \(step.past + step.seqLen) tokens exceeds the KV cache of \(cache.capacity)")
            }
        }
        let positions = (0..<step.rows).map { Int32(step.past + $0 % step.seqLen) }
        let scratch = LlamaBlockActivations(config: config, batch: step.batch, seqLen: step.seqLen,
                                            keys: step.past + step.seqLen)
        try positions.withUnsafeBufferPointer { pos in
            try invFreq.withUnsafeBufferPointer { inv in
                for (i, weights) in blocks.enumerated() {
                    LlamaBlock(config: config, weights: weights).forward(
                        x.pointer, step: step, positions: pos.baseAddress!, invFreq: inv.baseAddress!,
                        attentionScaling: scaling, keyMask: keyMask, saved: scratch, cache: cache?.layers[i])
                    try Self.checkFinite(x, after: "decoder layer \(i)")
                }
            }
        }
        RMSNorm.forward(out: x.pointer, rstd: nil, x: x.pointer, weight: finalNorm.pointer, n: step.rows,
                        dim: config.hiddenSize, eps: Float(config.rmsNormEps))
    }

    /// Logits `[rows, vocab]` for `rows` normalised hidden states starting at `hidden`.
    public func logits(hidden: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        if let packedHead {
            PackedLinear.forward(out: out, x: hidden, weight: packedHead, bias: nil, n: rows)
            return
        }
        Linear.forward(out: out, x: hidden, weight: lmHead.pointer, bias: nil, n: rows,
                       inFeatures: config.hiddenSize, outFeatures: config.vocabSize)
    }

    /// Logits for every position of one sequence of `tokens`, `[count, vocab]` row-major.
    public func logits(tokens: [Int]) throws -> [Float] {
        let x = try embed(tokens)
        try runDecoder(x, step: BlockStep(batch: 1, seqLen: tokens.count))
        let out = FloatBuffer(count: tokens.count * config.vocabSize)
        logits(hidden: x.pointer, rows: tokens.count, into: out.pointer)
        return out.array
    }

    static func checkFinite(_ x: FloatBuffer, after stage: String) throws {
        var bad = false
        for i in 0..<x.count where !x.pointer[i].isFinite { bad = true; break }
        if bad { throw ModelError("non-finite activations after \(stage): the weights or inputs hold NaN/inf or overflow") }
    }
}

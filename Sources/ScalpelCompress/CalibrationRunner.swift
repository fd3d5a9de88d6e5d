import Foundation
import ScalpelFormats
import ScalpelModels
import ScalpelTensor

/// Runs calibration data through a checkpoint's decoder one block at a time (DESIGN.md, memory
/// discipline): load block i from the weight source, run every live residual stream through it in
/// micro-batches, record statistics, release it. Only the embedding rows of the calibration tokens,
/// one block and the streams are resident; the final norm and head are loaded only for the loss.
public final class CalibrationRunner: @unchecked Sendable {
    public let source: any WeightSource
    public let config: ModelConfig.Llama
    public let names: LlamaTensorNames
    /// Sequences per block call (bounds the attention and MLP scratch).
    public var microBatch: Int
    /// Called after each block is done: (stage, block index).
    public var progress: ((String, Int) -> Void)?
    /// Called during `forwardPass` as soon as a block's block influence is known: (block index, over all
    /// real tokens, over text tokens, over image tokens — nil for a class absent from the data).
    public var onBlockInfluence: ((Int, Double, Double?, Double?) -> Void)?

    public init(source: any WeightSource, config: ModelConfig.Llama, names: LlamaTensorNames? = nil, microBatch: Int = 8) {
        self.source = CalibrationWeightSource(source)
        self.config = config
        self.names = names ?? LlamaTensorNames.detect(in: source)
        self.microBatch = max(1, microBatch)
    }

    /// The decoder of a checkpoint (the language model of a LLaVA one).
    public convenience init(checkpoint: Checkpoint, microBatch: Int = 8) {
        let names = checkpoint.config.llava != nil ? LlavaTensorNames.detect(in: checkpoint.weights).text : nil
        self.init(source: checkpoint.weights, config: checkpoint.config.text, names: names, microBatch: microBatch)
    }

    public var layers: Int { config.numHiddenLayers }

    /// The most sequences per block call whose forward scratch (`LlamaBlockActivations`: attention
    /// probabilities, q/k/v, MLP intermediates) fits `budgetBytes`; at least 1.
    public static func automaticMicroBatch(config c: ModelConfig.Llama, seqLen: Int, budgetBytes: Int = 128 << 20) -> Int {
        let qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim
        let floats = seqLen * (4 * c.hiddenSize + 2 * qd + 2 * kvd + 3 * c.intermediateSize + 2) + c.numAttentionHeads * seqLen * seqLen
        return max(1, budgetBytes / max(1, floats * 4))
    }

    // MARK: Loading

    /// Block `i`'s weights, converted to f32.
    public func block(_ i: Int) throws -> LlamaBlockWeights {
        guard i >= 0 && i < layers else { throw CompressError("block \(i) is out of range (the decoder has \(layers) blocks: 0…\(layers - 1))") }
        return try LlamaBlockWeights(from: source, names: names, index: i, config: config)
    }

    private func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
        guard let info = source.info(name) else { throw FormatError(file: source.path, "no tensor named '\(name)'") }
        guard info.shape == shape else { throw FormatError(file: source.path, "tensor '\(name)' has shape \(info.shape), expected \(shape)") }
        return try source.floats(name)
    }

    /// The decoder input rows of `set`: its `embeddings`, or the embedding rows of its tokens.
    public func inputs(_ set: CalibrationSet) throws -> FloatBuffer {
        let h = config.hiddenSize
        if let e = set.embeddings {
            guard e.count == set.batch * set.seqLen * h else { throw CompressError("calibration embeddings have \(e.count) values, expected \(set.batch * set.seqLen * h)") }
            let copy = FloatBuffer(count: e.count)
            copy.pointer.update(from: e.pointer, count: e.count)
            return copy
        }
        for t in set.tokens where t < 0 || t >= config.vocabSize {
            throw CompressError("token id \(t) is outside the vocabulary (0..<\(config.vocabSize))")
        }
        let out = FloatBuffer(count: set.tokens.count * h)
        // Only the calibration tokens' rows are converted when the file stores them plainly.
        if source.info(names.embedTokens)?.shape == [config.vocabSize, h],
           let gathered = (source as? CalibrationWeightSource)?.rows(names.embedTokens, ids: set.tokens, width: h) {
            gathered.withUnsafeBufferPointer { out.pointer.update(from: $0.baseAddress!, count: gathered.count) }
            return out
        }
        let table = try tensor(names.embedTokens, [config.vocabSize, h])
        table.withUnsafeBufferPointer { src in
            for (r, t) in set.tokens.enumerated() { (out.pointer + r * h).update(from: src.baseAddress! + t * h, count: h) }
        }
        return out
    }

    /// The final norm and output head, for losses.
    public struct Head {
        public let norm: FloatBuffer
        public let weight: FloatBuffer
    }

    public func head() throws -> Head {
        let h = config.hiddenSize
        let norm = FloatBuffer(try tensor(names.finalNorm, [h]))
        let name = source.contains(names.head) ? names.head : (config.tieWordEmbeddings ? names.embedTokens : names.head)
        return Head(norm: norm, weight: FloatBuffer(try tensor(name, [config.vocabSize, h])))
    }

    // MARK: Running blocks

    /// Positions, RoPE tables and masks shared by every block call on `set`.
    public struct Context {
        let set: CalibrationSet
        let positions: [Int32]
        let invFreq: [Float]
        let scaling: Float
        let keyMask: [UInt8]
    }

    public func context(_ set: CalibrationSet) throws -> Context {
        let (inv, scaling) = try RopeFrequencies.compute(config, seqLen: set.seqLen)
        let mb = min(microBatch, set.batch)
        return Context(set: set, positions: (0..<(mb * set.seqLen)).map { Int32($0 % set.seqLen) },
                       invFreq: inv, scaling: scaling, keyMask: set.keyMask)
    }

    /// The micro-batches of `set`: (first sequence, sequences).
    func chunks(_ set: CalibrationSet) -> [(Int, Int)] {
        stride(from: 0, to: set.batch, by: microBatch).map { ($0, min(microBatch, set.batch - $0)) }
    }

    /// Runs `block` in place over the stream `x` (`[batch·seqLen, hidden]`). With `saved` (one
    /// activation set per micro-batch) keeps what backward needs.
    func run(_ weights: LlamaBlockWeights, on x: FloatBuffer, _ ctx: Context, saved: [LlamaBlockActivations]? = nil,
             scratch: inout LlamaBlockActivations?) {
        let block = LlamaBlock(config: config, weights: weights)
        let L = ctx.set.seqLen, h = config.hiddenSize
        ctx.positions.withUnsafeBufferPointer { pos in
            ctx.invFreq.withUnsafeBufferPointer { inv in
                ctx.keyMask.withUnsafeBufferPointer { mask in
                    for (k, (first, count)) in chunks(ctx.set).enumerated() {
                        let act: LlamaBlockActivations
                        if let saved { act = saved[k] } else {
                            if scratch == nil || scratch!.rows != count * L {
                                scratch = LlamaBlockActivations(config: config, batch: count, seqLen: L)
                            }
                            act = scratch!
                        }
                        block.forward(x.pointer + first * L * h, step: BlockStep(batch: count, seqLen: L),
                                      positions: pos.baseAddress!, invFreq: inv.baseAddress!, attentionScaling: ctx.scaling,
                                      keyMask: mask.baseAddress! + first * L, saved: act)
                    }
                }
            }
        }
    }

    /// Sum of the negative log-likelihoods of `set.targets` given the final stream `x`, and their count.
    func loss(_ x: FloatBuffer, _ set: CalibrationSet, head: Head) -> (nll: Double, count: Int) {
        let h = config.hiddenSize, vocab = config.vocabSize, rows = set.batch * set.seqLen
        let block = 64
        let normed = FloatBuffer(count: block * h), logits = FloatBuffer(count: block * vocab)
        var total = 0.0, count = 0
        set.targets.withUnsafeBufferPointer { t in
            var r = 0
            while r < rows {
                let n = min(block, rows - r)
                RMSNorm.forward(out: normed.pointer, rstd: nil, x: x.pointer + r * h, weight: head.norm.pointer, n: n, dim: h, eps: Float(config.rmsNormEps))
                Linear.forward(out: logits.pointer, x: normed.pointer, weight: head.weight.pointer, bias: nil, n: n, inFeatures: h, outFeatures: vocab)
                let (l, c) = CrossEntropy.forward(logits: logits.pointer, targets: t.baseAddress! + r, n: n, vocab: vocab, ignoreIndex: CalibrationSet.ignoreIndex)
                if c > 0 { total += Double(l) * Double(c); count += c }
                r += n
            }
        }
        return (total, count)
    }

    /// The mean loss of `set.targets` and, in `dx`, its gradient with respect to the final stream `x`.
    func lossGradient(_ x: FloatBuffer, _ set: CalibrationSet, head: Head, dx: FloatBuffer) -> Double {
        let h = config.hiddenSize, vocab = config.vocabSize, rows = set.batch * set.seqLen
        let total = set.predictedTokens
        let block = 64
        let normed = FloatBuffer(count: block * h), rstd = FloatBuffer(count: block)
        let logits = FloatBuffer(count: block * vocab), dLogits = FloatBuffer(count: block * vocab)
        let dNormed = FloatBuffer(count: block * h)
        dx.zero()
        var sum = 0.0
        set.targets.withUnsafeBufferPointer { t in
            var r = 0
            while r < rows {
                let n = min(block, rows - r)
                RMSNorm.forward(out: normed.pointer, rstd: rstd.pointer, x: x.pointer + r * h, weight: head.norm.pointer, n: n, dim: h, eps: Float(config.rmsNormEps))
                Linear.forward(out: logits.pointer, x: normed.pointer, weight: head.weight.pointer, bias: nil, n: n, inFeatures: h, outFeatures: vocab)
                let (l, c) = CrossEntropy.forward(logits: logits.pointer, targets: t.baseAddress! + r, n: n, vocab: vocab, ignoreIndex: CalibrationSet.ignoreIndex)
                if c > 0 {
                    sum += Double(l) * Double(c)
                    dLogits.zero()
                    CrossEntropy.backward(dLogits: dLogits.pointer, logits: logits.pointer, targets: t.baseAddress! + r, n: n, vocab: vocab,
                                          count: total, ignoreIndex: CalibrationSet.ignoreIndex)
                    dNormed.zero()
                    Linear.backward(dX: dNormed.pointer, dWeight: nil, dBias: nil, dOut: dLogits.pointer, x: normed.pointer,
                                    weight: head.weight.pointer, n: n, inFeatures: h, outFeatures: vocab)
                    RMSNorm.backward(dX: dx.pointer + r * h, dWeight: nil, dOut: dNormed.pointer, x: x.pointer + r * h,
                                     weight: head.norm.pointer, rstd: rstd.pointer, n: n, dim: h)
                }
                r += n
            }
        }
        return sum / Double(max(total, 1))
    }
}

/// The process's peak resident set size in bytes (`getrusage`; Linux reports KiB).
public func peakResidentBytes() -> Int {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
    #else
    getrusage(RUSAGE_SELF, &usage)
    return usage.ru_maxrss
    #endif
}

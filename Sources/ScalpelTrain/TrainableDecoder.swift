import ScalpelFormats
import ScalpelModels
import ScalpelTensor

/// A LLaMA decoder set up for training: LoRA adapters on the linears `LoRAConfig.targets` names
/// and/or full gradients for chosen weights, and a forward + backward pass over the whole decoder:
///
///     embeddings → blocks (each saving its activations) → final RMSNorm → LM head → cross-entropy
///
/// then backward in reverse, releasing each block's activations once its backward has run. Blocks
/// below the lowest one holding something trainable are not walked back at all. With `recompute`,
/// only each block's input is kept and the block's forward is run again just before its backward
/// (time for memory: one block's activations alive instead of all of them).
public final class TrainableDecoder: @unchecked Sendable {
    public let model: LlamaModel
    public let names: LlamaTensorNames
    public let lora: LoRAConfig?
    public let full: FullFineTuning
    /// Per block, the adapters attached to its linears.
    public let adapters: [LlamaBlockAdapters]
    /// Every LoRA adapter with its module name (`model.layers.3.self_attn.q_proj`), block order.
    public let loraModules: [(module: String, layer: Int, adapter: LoRALinear)]
    /// Full-fine-tuning gradients, laid out as the weights (nil: frozen).
    public let blockGrads: [LlamaBlockGradients?]
    public let embedGrad: FloatBuffer?
    public let finalNormGrad: FloatBuffer?
    public let lmHeadGrad: FloatBuffer?
    /// Keep only block inputs and recompute each block's forward before its backward.
    public var recompute = false
    /// Advanced by every training forward pass; mixed into the dropout masks.
    public var forwardCount: UInt64 = 0
    /// Rows of the LM head and loss computed at once (nil: as many as fit 8 M logits).
    public var headChunkRows: Int?
    /// Projected image features of a batch's images (`[imagePositions.count, hidden]`), for batches
    /// with images that come without input embeddings: a frozen vision tower and projector, run
    /// forward only (see `LlavaModel.imageFeatures`).
    public var imageEncoder: ((TrainingBatch) throws -> FloatBuffer)?

    public init(model: LlamaModel, names: LlamaTensorNames = .llama, lora: LoRAConfig? = nil,
                full: FullFineTuning = .none) throws {
        let c = model.config
        self.model = model
        self.names = names
        self.lora = lora
        self.full = full
        var adapters = [LlamaBlockAdapters](repeating: LlamaBlockAdapters(), count: c.numHiddenLayers)
        var modules: [(String, Int, LoRALinear)] = []
        if let lora {
            guard lora.rank > 0 else { throw ModelError("LoRA rank must be positive (got \(lora.rank))") }
            guard lora.dropout >= 0 && lora.dropout < 1 else { throw ModelError("LoRA dropout must lie in [0, 1) (got \(lora.dropout))") }
            var rng = SeededRandom(seed: lora.seed)
            let h = c.hiddenSize, qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim
            let f = c.intermediateSize
            let shapes: [String: (inF: Int, outF: Int)] = [
                "self_attn.q_proj": (h, qd), "self_attn.k_proj": (h, kvd), "self_attn.v_proj": (h, kvd),
                "self_attn.o_proj": (qd, h), "mlp.gate_proj": (h, f), "mlp.up_proj": (h, f), "mlp.down_proj": (f, h),
            ]
            for layer in 0..<c.numHiddenLayers {
                for suffix in LlamaBlockAdapters.moduleSuffixes {
                    let module = names.layer(layer, suffix)
                    guard try lora.targets.matches(module), let shape = shapes[suffix] else { continue }
                    let adapter = LoRALinear(inFeatures: shape.inF, outFeatures: shape.outF, rank: lora.rank,
                                             scale: lora.scale, dropout: Float(lora.dropout), rng: &rng)
                    adapters[layer][suffix] = adapter
                    modules.append((module, layer, adapter))
                }
            }
            if modules.isEmpty { throw ModelError("LoRA target_modules \(lora.targets) match none of the decoder's linear layers") }
        }
        self.adapters = adapters
        loraModules = modules
        for i in full.blocks where i < 0 || i >= c.numHiddenLayers {
            throw ModelError("block \(i) chosen for full fine-tuning does not exist (the decoder has \(c.numHiddenLayers))")
        }
        blockGrads = (0..<c.numHiddenLayers).map { full.blocks.contains($0) ? Self.zeroGradients(c) : nil }
        let tied = model.lmHead === model.embedTokens
        let embedTrained = full.embeddings || (tied && full.lmHead)
        embedGrad = embedTrained ? FloatBuffer(count: model.embedTokens.count) : nil
        lmHeadGrad = tied ? embedGrad : (full.lmHead ? FloatBuffer(count: model.lmHead.count) : nil)
        finalNormGrad = full.finalNorm ? FloatBuffer(count: model.finalNorm.count) : nil
    }

    private static func zeroGradients(_ c: ModelConfig.Llama) -> LlamaBlockGradients {
        let g = LlamaBlockGradients(config: c)
        for (_, buffer) in g.named { buffer.zero() }
        return g
    }

    /// Everything the optimizer updates, with checkpoint (or PEFT) names, in a fixed order:
    /// embeddings, blocks (full weights, then LoRA A/B), final norm, LM head (unless tied).
    public var parameters: [TrainableParameter] {
        let c = model.config, h = c.hiddenSize
        var list: [TrainableParameter] = []
        if let embedGrad {
            list.append(TrainableParameter(name: names.embedTokens, value: model.embedTokens, grad: embedGrad, shape: [c.vocabSize, h]))
        }
        for layer in 0..<c.numHiddenLayers {
            if let g = blockGrads[layer] {
                let shapes = Self.blockShapes(c)
                for ((suffix, value), (_, grad)) in zip(model.blocks[layer].named, g.named) {
                    list.append(TrainableParameter(name: names.layer(layer, suffix), value: value, grad: grad, shape: shapes[suffix] ?? [value.count]))
                }
            }
            for m in loraModules where m.layer == layer {
                let a = m.adapter
                list.append(TrainableParameter(name: m.module + ".lora_A.weight", value: a.a, grad: a.gradA, shape: [a.rank, a.inFeatures]))
                list.append(TrainableParameter(name: m.module + ".lora_B.weight", value: a.b, grad: a.gradB, shape: [a.outFeatures, a.rank]))
            }
        }
        if let finalNormGrad {
            list.append(TrainableParameter(name: names.finalNorm, value: model.finalNorm, grad: finalNormGrad, shape: [h]))
        }
        if let lmHeadGrad, lmHeadGrad !== embedGrad {
            list.append(TrainableParameter(name: names.head, value: model.lmHead, grad: lmHeadGrad, shape: [c.vocabSize, h]))
        }
        return list
    }

    static func blockShapes(_ c: ModelConfig.Llama) -> [String: [Int]] {
        let h = c.hiddenSize, qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim
        let f = c.intermediateSize
        return [
            "input_layernorm.weight": [h], "post_attention_layernorm.weight": [h],
            "self_attn.q_proj.weight": [qd, h], "self_attn.k_proj.weight": [kvd, h],
            "self_attn.v_proj.weight": [kvd, h], "self_attn.o_proj.weight": [h, qd],
            "mlp.gate_proj.weight": [f, h], "mlp.up_proj.weight": [f, h], "mlp.down_proj.weight": [h, f],
            "self_attn.q_proj.bias": [qd], "self_attn.k_proj.bias": [kvd], "self_attn.v_proj.bias": [kvd],
            "self_attn.o_proj.bias": [h], "mlp.gate_proj.bias": [f], "mlp.up_proj.bias": [f], "mlp.down_proj.bias": [h],
        ]
    }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        for p in parameters { p.grad.zero() }
    }

    /// Dropout on (training) or off (evaluation) in every adapter.
    public func setTraining(_ on: Bool) {
        for m in loraModules { m.adapter.training = on }
    }

    /// The lowest block the backward pass must reach (the block count when none).
    var lowestTrainableBlock: Int {
        if embedGrad != nil { return 0 }
        for i in 0..<model.config.numHiddenLayers where blockGrads[i] != nil || !adapters[i].isEmpty { return i }
        return model.config.numHiddenLayers
    }

    /// The mean cross-entropy over the batch's counted targets, and how many counted. With
    /// `backward`, gradients of `dLoss · loss` are *added* to every trainable parameter's gradient
    /// (call `zeroGradients` between optimizer steps; accumulation is adding micro-batches).
    ///
    /// A batch with images (`TrainingBatch.imagePositions`) needs its decoder input: either
    /// `inputEmbeddings` (`[batch·seqLen, hidden]`, see `embed(_:imageFeatures:)`), or `imageEncoder`
    /// set to compute the projected image features (a frozen tower and projector). `inputEmbeddings`
    /// works for text batches too. With `inputGradient` (`[batch·seqLen, hidden]`), backward walks down
    /// to block 0 and *adds* `∂(dLoss·loss)/∂input` into it: the rows at `imagePositions` are the
    /// gradient of the image features, for the projector and vision tower behind them.
    @discardableResult
    public func lossAndGradients(_ batch: TrainingBatch, inputEmbeddings: FloatBuffer? = nil, inputGradient: FloatBuffer? = nil,
                                 backward: Bool = true, dLoss: Float = 1) throws -> (loss: Float, count: Int) {
        let result = try run(batch, inputEmbeddings: inputEmbeddings, inputGradient: inputGradient,
                             backward: backward, dLoss: dLoss, keepLogits: false)
        return (result.loss, result.count)
    }

    /// Logits `[batch·seqLen, vocab]` of the (adapted) model, without dropout (`inputEmbeddings` as
    /// in `lossAndGradients`).
    public func logits(_ batch: TrainingBatch, inputEmbeddings: FloatBuffer? = nil) throws -> [Float] {
        let wasTraining = loraModules.first?.adapter.training ?? false
        setTraining(false)
        defer { setTraining(wasTraining) }
        return try run(batch, inputEmbeddings: inputEmbeddings, inputGradient: nil, backward: false, dLoss: 0, keepLogits: true).logits ?? []
    }

    /// The decoder input of `batch`: token embeddings, with the rows at `batch.imagePositions`
    /// replaced, in order, by the rows of `imageFeatures` (`[imagePositions.count, hidden]`), as
    /// `LlavaModel.embed` does. `[batch·seqLen, hidden]`.
    ///
    /// - Throws: `ModelError` when the feature count does not match or a token id is outside the vocabulary.
    public func embed(_ batch: TrainingBatch, imageFeatures: FloatBuffer?) throws -> FloatBuffer {
        let h = model.config.hiddenSize, vocab = model.config.vocabSize, n = batch.batch * batch.seqLen
        let features = imageFeatures?.count ?? 0
        guard features == batch.imagePositions.count * h else {
            throw ModelError("the batch has \(batch.imagePositions.count) image positions but \(features / max(h, 1)) image feature rows of width \(h) were given")
        }
        let isImage = imageRowMask(batch)
        let out = FloatBuffer(count: n * h)
        for (i, t) in batch.inputs.enumerated() where !isImage[i] {
            guard t >= 0 && Int(t) < vocab else {
                throw ModelError("token id \(t) at position \(i) is outside the vocabulary (0..<\(vocab))")
            }
            (out.pointer + i * h).update(from: model.embedTokens.readPointer + Int(t) * h, count: h)
        }
        if let imageFeatures {
            for (k, row) in batch.imagePositions.enumerated() {
                (out.pointer + row * h).update(from: imageFeatures.readPointer + k * h, count: h)
            }
        }
        return out
    }

    func imageRowMask(_ batch: TrainingBatch) -> [Bool] {
        var mask = [Bool](repeating: false, count: batch.inputs.count)
        for row in batch.imagePositions { mask[row] = true }
        return mask
    }

    private func run(_ batch: TrainingBatch, inputEmbeddings given: FloatBuffer?, inputGradient: FloatBuffer?,
                     backward: Bool, dLoss: Float, keepLogits: Bool) throws -> (loss: Float, count: Int, logits: [Float]?) {
        let c = model.config, h = c.hiddenSize, vocab = c.vocabSize, layers = c.numHiddenLayers
        let step = BlockStep(batch: batch.batch, seqLen: batch.seqLen)
        let n = step.rows
        guard n > 0 else { throw ModelError("empty batch") }
        var inputEmbeddings = given
        if inputEmbeddings == nil && batch.hasImages {
            guard let imageEncoder else {
                throw ModelError("the batch holds images: pass the decoder input (token embeddings with the image features) or set imageEncoder")
            }
            inputEmbeddings = try embed(batch, imageFeatures: try imageEncoder(batch))
        }
        if let inputEmbeddings, inputEmbeddings.count != n * h {
            throw ModelError("input embeddings hold \(inputEmbeddings.count) floats, expected \(n)×\(h)")
        }
        if let inputGradient, inputGradient.count != n * h {
            throw ModelError("the input gradient holds \(inputGradient.count) floats, expected \(n)×\(h)")
        }
        let isImage = imageRowMask(batch)
        for (i, t) in batch.inputs.enumerated() where !isImage[i] && (t < 0 || Int(t) >= vocab) {
            throw ModelError("token id \(t) at position \(i) is outside the vocabulary (0..<\(vocab))")
        }
        for (i, t) in batch.targets.enumerated() where t != TrainingBatch.ignoreIndex && (t < 0 || Int(t) >= vocab) {
            throw ModelError("target id \(t) at position \(i) is outside the vocabulary (0..<\(vocab))")
        }
        forwardCount &+= 1
        if let lora {
            for (index, m) in loraModules.enumerated() {
                m.adapter.dropoutKey = SeededRandom.key(lora.seed, forwardCount, UInt64(index))
            }
        }
        let (invFreq, scaling) = try RopeFrequencies.compute(c, seqLen: batch.seqLen)
        let positions = (0..<n).map { Int32($0 % batch.seqLen) }
        let blocks = (0..<layers).map { LlamaBlock(config: c, weights: model.blocks[$0], adapters: adapters[$0]) }
        let lowest = backward ? (inputGradient != nil ? 0 : lowestTrainableBlock) : layers
        let eps = Float(c.rmsNormEps)

        let x = FloatBuffer(count: n * h)
        if let inputEmbeddings {
            x.pointer.update(from: inputEmbeddings.readPointer, count: n * h)
        } else {
            batch.inputs.withUnsafeBufferPointer { ids in
                Embedding.forward(out: x.pointer, ids: ids.baseAddress!, table: model.embedTokens.readPointer, n: n, dim: h)
            }
        }
        var saved = [LlamaBlockActivations?](repeating: nil, count: layers)
        var blockInputs = [FloatBuffer?](repeating: nil, count: layers)
        var scratch: LlamaBlockActivations?
        func sharedScratch() -> LlamaBlockActivations {
            if let scratch { return scratch }
            let made = LlamaBlockActivations(config: c, batch: step.batch, seqLen: step.seqLen)
            scratch = made
            return made
        }
        let maskCopy = batch.keyMask
        try positions.withUnsafeBufferPointer { pos in
            try invFreq.withUnsafeBufferPointer { inv in
                try Self.withOptionalPointer(maskCopy) { mask in
                    for i in 0..<layers {
                        let keep = i >= lowest
                        let activations: LlamaBlockActivations
                        if keep && !recompute {
                            activations = LlamaBlockActivations(config: c, batch: step.batch, seqLen: step.seqLen)
                            saved[i] = activations
                        } else {
                            if keep { blockInputs[i] = FloatBuffer(count: n * h); blockInputs[i]!.pointer.update(from: x.pointer, count: n * h) }
                            activations = sharedScratch()
                        }
                        blocks[i].forward(x.pointer, step: step, positions: pos.baseAddress!, invFreq: inv.baseAddress!,
                                          attentionScaling: scaling, keyMask: mask, saved: activations)
                        try LlamaModel.requireFinite(x, after: "decoder layer \(i)")
                    }
                }
            }
        }
        let rstd = FloatBuffer(count: n)
        let normed = FloatBuffer(count: n * h)
        RMSNorm.forward(out: normed.pointer, rstd: rstd.pointer, x: x.pointer, weight: model.finalNorm.readPointer, n: n, dim: h, eps: eps)
        // LM head and cross-entropy in chunks of rows: each chunk's logits are made, scored and (when
        // training) turned into gradients at once, so at most `chunk · vocab` logits exist at a time.
        // The loss's divisor (the counted targets of the whole batch) is known before any chunk runs.
        let count = batch.countedTargets
        let chunk = keepLogits ? n : max(1, min(n, headChunkRows ?? max(1, (1 << 23) / vocab)))
        let dNormed = FloatBuffer(count: n * h)
        var kept: [Float]? = keepLogits ? [] : nil
        var lossSum: Double = 0
        let logits = FloatBuffer(count: chunk * vocab)
        let dLogits = backward && count > 0 ? FloatBuffer(count: chunk * vocab) : nil
        batch.targets.withUnsafeBufferPointer { targets in
            var row = 0
            while row < n {
                let rows = min(chunk, n - row)
                let t = targets.baseAddress! + row
                Linear.forward(out: logits.pointer, x: normed.readPointer + row * h, weight: model.lmHead.readPointer, bias: nil,
                               n: rows, inFeatures: h, outFeatures: vocab)
                let part = CrossEntropy.forward(logits: logits.readPointer, targets: t, n: rows, vocab: vocab)
                if part.count > 0 { lossSum += Double(part.loss) * Double(part.count) }
                if keepLogits { kept! += UnsafeBufferPointer(start: logits.pointer, count: rows * vocab) }
                if let dLogits {
                    dLogits.pointer.update(repeating: 0, count: rows * vocab)
                    CrossEntropy.backward(dLogits: dLogits.pointer, logits: logits.readPointer, targets: t,
                                          n: rows, vocab: vocab, count: count, dLoss: dLoss)
                    Linear.backward(dX: dNormed.pointer + row * h, dWeight: lmHeadGrad?.pointer, dBias: nil, dOut: dLogits.readPointer,
                                    x: normed.readPointer + row * h, weight: model.lmHead.readPointer,
                                    n: rows, inFeatures: h, outFeatures: vocab)
                }
                row += rows
            }
        }
        let loss = count > 0 ? Float(lossSum / Double(count)) : .nan
        guard backward, count > 0 else { return (loss, count, kept) }

        // Backward: final norm → blocks in reverse → embeddings (the head's is done above).
        let dx = FloatBuffer(count: n * h)
        RMSNorm.backward(dX: dx.pointer, dWeight: finalNormGrad?.pointer, dOut: dNormed.readPointer, x: x.readPointer,
                         weight: model.finalNorm.readPointer, rstd: rstd.readPointer, n: n, dim: h)
        guard lowest < layers || inputGradient != nil else { return (loss, count, kept) }
        positions.withUnsafeBufferPointer { pos in
            invFreq.withUnsafeBufferPointer { inv in
                Self.withOptionalPointer(maskCopy) { mask in
                    for i in stride(from: layers - 1, through: lowest, by: -1) {
                        let activations: LlamaBlockActivations
                        if let input = blockInputs[i] {
                            activations = sharedScratch()
                            blocks[i].forward(input.pointer, step: step, positions: pos.baseAddress!, invFreq: inv.baseAddress!,
                                              attentionScaling: scaling, keyMask: mask, saved: activations)
                            blockInputs[i] = nil
                        } else {
                            activations = saved[i]!
                        }
                        blocks[i].backward(dx.pointer, step: step, positions: pos.baseAddress!, invFreq: inv.baseAddress!,
                                           attentionScaling: scaling, saved: activations, grads: blockGrads[i])
                        saved[i] = nil
                    }
                }
            }
        }
        if let embedGrad {
            batch.inputs.withUnsafeBufferPointer { ids in
                if batch.hasImages {
                    // Image rows came from the features, not the table.
                    for row in 0..<n where !isImage[row] {
                        Embedding.backward(dTable: embedGrad.pointer, dOut: dx.readPointer + row * h, ids: ids.baseAddress! + row, n: 1, dim: h)
                    }
                } else {
                    Embedding.backward(dTable: embedGrad.pointer, dOut: dx.readPointer, ids: ids.baseAddress!, n: n, dim: h)
                }
            }
        }
        if let inputGradient {
            let g = inputGradient.pointer, d = dx.readPointer
            for i in 0..<(n * h) { g[i] += d[i] }
        }
        return (loss, count, kept)
    }

    private static func withOptionalPointer<R>(_ array: [UInt8]?, _ body: (UnsafePointer<UInt8>?) throws -> R) rethrows -> R {
        guard let array else { return try body(nil) }
        return try array.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}

extension LlamaModel {
    static func requireFinite(_ x: FloatBuffer, after stage: String) throws {
        for i in 0..<x.count where !x.pointer[i].isFinite {
            throw ModelError("non-finite activations after \(stage): the weights or inputs hold NaN/inf or overflow")
        }
    }
}

extension TrainableDecoder {
    /// Folds every LoRA adapter into its base weight (`W += scale·B·A`) and sets B to zero, so the
    /// model alone computes what the adapted model did (then write it as a standard checkpoint).
    public func mergeAdapters() {
        for m in loraModules {
            let suffix = m.module.split(separator: ".").suffix(2).joined(separator: ".") + ".weight"
            guard let weight = model.blocks[m.layer].named.first(where: { $0.suffix == suffix })?.buffer else { continue }
            m.adapter.merge(into: weight.pointer)
            m.adapter.b.zero()
        }
    }
}

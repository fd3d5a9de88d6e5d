import ScalpelFormats
import ScalpelTensor

extension LlamaModel {
    /// Loads the decoder keeping its quantized linears packed: GGUF Q4_0/Q4_1/Q8_0 tensors and AutoAWQ
    /// GEMM triples (groups of a multiple of 32 inputs) become `PackedWeight`s run by the fused kernels, and
    /// so does a GGUF head of those types (`packedHead`; tied, the embedding table, which the lookup still
    /// reads as f32); every other tensor (embeddings, norms, an F16 head, linears of other types) is read as
    /// f32 as `init(source:config:names:)` reads it. The result runs forward (prompts, decoding, logits) only.
    /// - Throws: `FormatError`/`ModelError` as the f32 loader does, for a missing tensor or a shape that
    ///   disagrees with `config`.
    public static func packed(source: any WeightSource, config c: ModelConfig.Llama,
                              names: LlamaTensorNames? = nil) throws -> LlamaModel {
        let names = names ?? LlamaTensorNames.detect(in: source)
        let origin = "the config (vocab \(c.vocabSize), hidden \(c.hiddenSize))"
        let embed = FloatBuffer(try source.floats(names.embedTokens, shape: [c.vocabSize, c.hiddenSize], from: origin))
        let blocks = try (0..<c.numHiddenLayers).map { try packedBlock(source: source, names: names, index: $0, config: c) }
        let norm = FloatBuffer(try source.floats(names.finalNorm, shape: [c.hiddenSize], from: origin))
        let packedHead = try packedHeadWeight(source: source, names: names, config: c)
        let head: FloatBuffer?
        if source.contains(names.head) {
            head = packedHead != nil ? FloatBuffer(count: 0)
                : FloatBuffer(try source.floats(names.head, shape: [c.vocabSize, c.hiddenSize], from: origin))
        } else if c.tieWordEmbeddings {
            head = nil
        } else {
            throw FormatError(file: source.path, "no tensor named '\(names.head)' and the config does not tie the output to the embeddings")
        }
        // The embeddings (and head) were converted to f32: the file's copy of them need not stay resident.
        if let gguf = source as? GGUFWeightSource {
            for name in [names.embedTokens, names.head] {
                if let t = gguf.ggufTensor(name) { PackedWeight.releasePages(gguf.file.rawBytes(t)) }
            }
        }
        let model = LlamaModel(config: c, embedTokens: embed, blocks: blocks, finalNorm: norm, lmHead: head)
        model.packedHead = packedHead
        return model
    }

    /// The head packed when the GGUF stores it (or, tied, the embedding table) as Q4_0, Q4_1 or Q8_0; nil otherwise.
    static func packedHeadWeight(source: any WeightSource, names: LlamaTensorNames, config c: ModelConfig.Llama) throws -> PackedWeight? {
        let name = source.contains(names.head) ? names.head : names.embedTokens
        guard source.contains(names.head) || c.tieWordEmbeddings, let gguf = source as? GGUFWeightSource,
              let t = gguf.ggufTensor(name), PackedWeight.ggufTypes.contains(t.type),
              let p = try PackedWeight.gguf(t, in: gguf.file) else { return nil }
        guard p.rows == c.vocabSize, p.cols == c.hiddenSize else {
            throw ModelError("'\(name)' in \(source.path) has shape [\(p.rows), \(p.cols)], but the config implies [\(c.vocabSize), \(c.hiddenSize)]")
        }
        return p
    }

    /// Linears of the model held packed, and their bytes.
    public var packedSummary: (linears: Int, parameters: Int, bytes: Int) {
        blocks.reduce((0, 0, 0)) { total, b in
            guard let p = b.packed else { return total }
            return (total.0 + p.all.count, total.1 + p.parameterCount, total.2 + p.byteCount)
        }
    }

    static func packedBlock(source: any WeightSource, names: LlamaTensorNames, index i: Int,
                            config c: ModelConfig.Llama) throws -> LlamaBlockWeights {
        let h = c.hiddenSize, qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim
        let f = c.intermediateSize
        let origin = "the config (\(c.numHiddenLayers) layers, hidden \(h), \(c.numAttentionHeads) heads, \(c.numKeyValueHeads) kv heads, MLP \(f))"
        let shapes: [LlamaBlockWeights.LinearRole: [Int]] = [
            .q: [qd, h], .k: [kvd, h], .v: [kvd, h], .o: [h, qd], .gate: [f, h], .up: [f, h], .down: [h, f],
        ]
        var packed = PackedBlockLinears()  // `var`: the slot subscript is a protocol setter
        var linears: [FloatBuffer] = []
        for role in LlamaBlockWeights.LinearRole.allCases {
            let name = names.layer(i, role.suffix + ".weight"), shape = shapes[role]!
            if let p = try packedWeight(name, source: source, role: role, config: c) {
                guard [p.rows, p.cols] == shape else {
                    throw ModelError("'\(name)' in \(source.path) has shape [\(p.rows), \(p.cols)], but \(origin) implies \(shape)")
                }
                packed[role.suffix] = p
                linears.append(FloatBuffer(count: 0))
            } else {
                linears.append(FloatBuffer(try source.floats(name, shape: shape, from: origin)))
            }
        }
        func load(_ suffix: String, _ n: Int) throws -> FloatBuffer {
            FloatBuffer(try source.floats(names.layer(i, suffix), shape: [n], from: origin))
        }
        let biasSizes = [qd, kvd, kvd, h, f, f, h]
        let biases: [FloatBuffer?] = try LlamaBlockWeights.LinearRole.allCases.enumerated().map { j, role in
            let present = j < 4 ? c.attentionBias : c.mlpBias
            return present ? try load(role.suffix + ".bias", biasSizes[j]) : nil
        }
        return LlamaBlockWeights(norms: (try load("input_layernorm.weight", h), try load("post_attention_layernorm.weight", h)),
                                 linears: linears, biases: biases, packed: packed.all.isEmpty ? nil : packed)
    }

    /// The packed form of `name` when the source stores it packable, else nil.
    static func packedWeight(_ name: String, source: any WeightSource, role: LlamaBlockWeights.LinearRole,
                             config c: ModelConfig.Llama) throws -> PackedWeight? {
        if let awq = source as? AWQWeightSource, let linear = awq.linears[name] {
            // Groups that are not whole chunks of 32 inputs (AWQ allows any divisor) run dequantized.
            guard linear.groupSize % PackedWeight.chunk == 0 || linear.groupSize >= linear.inFeatures else { return nil }
            return try PackedWeight.awq(linear, in: awq)
        }
        guard let gguf = source as? GGUFWeightSource, let t = gguf.ggufTensor(name),
              PackedWeight.ggufTypes.contains(t.type) else { return nil }
        var order: [Int]?
        if gguf.undoesRopePermutation, role == .q || role == .k, t.dims.count == 2 {
            let rows = t.dims[1], heads = role == .q ? c.numAttentionHeads : c.numKeyValueHeads
            guard let perm = GGUFNameMap.unpermuteRows((0..<rows).map { Float($0) }, rows: rows, cols: 1, heads: heads) else {
                throw FormatError(file: gguf.path, "tensor '\(t.name)' has \(rows) rows, which \(heads) heads cannot split into pairs")
            }
            order = perm.map { Int($0) }
        }
        return try PackedWeight.gguf(t, in: gguf.file, rowOrder: order)
    }
}

extension Checkpoint {
    /// The decoder with its quantized linears packed (`LlamaModel.packed`): for a GGUF with Q4_0/Q4_1/Q8_0
    /// linears or an AWQ folder; other checkpoints load as f32 (nothing to pack).
    public func loadPackedDecoder() throws -> LlamaModel {
        let names = config.llava != nil ? LlavaTensorNames.detect(in: weights).text : nil
        return try LlamaModel.packed(source: weights, config: config.text, names: names)
    }
}

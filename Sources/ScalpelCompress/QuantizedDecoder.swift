import ScalpelFormats
import ScalpelModels

/// A decoder whose blocks are quantized; embeddings, final norm and head stay in the source. The blocks
/// live in a `QuantizedBlockStore` (spilled to disk as they were finished, or in memory) and are read
/// back one at a time.
public final class QuantizedDecoder: @unchecked Sendable {
    public let source: any WeightSource
    public let config: ModelConfig.Llama
    public let names: LlamaTensorNames
    public let settings: QuantSettings
    /// The quantized blocks.
    public let store: QuantizedBlockStore
    /// The chosen AWQ exponents per block (input norm, v→o, post norm, up→down; nil when skipped).
    public let awqAlphas: [[Float?]]
    /// Parts left in 16-bit; the others are rounded with the blocks' scheme by RTN when exported
    /// (`QuantizedDecoder+KeepFP16.swift`).
    public var keepFP16 = KeepFP16.all

    init(source: any WeightSource, config: ModelConfig.Llama, names: LlamaTensorNames, settings: QuantSettings,
         store: QuantizedBlockStore, awqAlphas: [[Float?]]) {
        self.source = source
        self.config = config
        self.names = names
        self.settings = settings
        self.store = store
        self.awqAlphas = awqAlphas
    }

    /// How many blocks the decoder has.
    public var blockCount: Int { store.count }

    /// `(rows, cols)` of the linear `module` (`self_attn.q_proj`, …) in every block.
    public func linearShape(_ module: String) -> (rows: Int, cols: Int) {
        let c = config, h = c.hiddenSize, qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim
        switch module {
        case "self_attn.q_proj": return (qd, h)
        case "self_attn.k_proj", "self_attn.v_proj": return (kvd, h)
        case "self_attn.o_proj": return (h, qd)
        case "mlp.gate_proj", "mlp.up_proj": return (c.intermediateSize, h)
        case "mlp.down_proj": return (h, c.intermediateSize)
        default: preconditionFailure("\(module) is not a decoder linear")
        }
    }

    /// Block `i` with the linears named in `modules` loaded (`[]`: its norms and biases only).
    /// - Throws: `CompressError` when a spilled block cannot be read back.
    public func block(_ i: Int, linears modules: [String] = QuantizedBlock.linearNames) throws -> QuantizedBlock {
        try store.block(i, linears: modules)
    }

    /// The linear `module` (`self_attn.q_proj`, …) of block `i`.
    /// - Throws: `CompressError` when a spilled block cannot be read back.
    public func linear(_ i: Int, _ module: String) throws -> QuantizedLinear {
        try store.linear(i, module)
    }

    /// Every block with its linears (one byte per weight in memory: for small models and checks).
    public var blocks: [QuantizedBlock] {
        get throws { try (0..<blockCount).map { try block($0) } }
    }

    /// The fake-quantized f32 model (dequantized blocks, embeddings and head from the source) for evaluation.
    /// With `unquantizedAsF16` every tensor that is not a quantized linear is rounded to fp16, as the AWQ
    /// export stores it.
    public func model(unquantizedAsF16: Bool = false) throws -> LlamaModel {
        let c = config
        func load(_ name: String) throws -> FloatBuffer {
            if unkeptPart(name) != nil { return FloatBuffer(try otherValues(name)) }
            let v = try source.floats(name)
            return FloatBuffer(unquantizedAsF16 ? v.map { Float(Float16($0)) } : v)
        }
        let embed = try load(names.embedTokens)
        let norm = try load(names.finalNorm)
        let head = source.contains(names.head) ? try load(names.head) : nil
        let weights = try (0..<blockCount).map { try block($0).weights(config: c, unquantizedAsF16: unquantizedAsF16) }
        return LlamaModel(config: c, embedTokens: embed, blocks: weights, finalNorm: norm, lmHead: head)
    }
}

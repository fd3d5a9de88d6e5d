extension ModelConfig {
    /// Reads a GGUF file's architecture (see `init(ggufMetadata:hasOutputTensor:file:)`).
    public init(gguf: GGUFFile) throws {
        try self.init(ggufMetadata: gguf.metadata, hasOutputTensor: gguf.tensor("output.weight") != nil, file: gguf.path)
    }

    /// Maps llama.cpp metadata onto a LLaMA config, as transformers' GGUF loader does.
    ///
    /// Keys (prefix `llama.`): `block_count`, `embedding_length`, `feed_forward_length`,
    /// `attention.head_count` (required); `attention.head_count_kv` (default: heads),
    /// `attention.layer_norm_rms_epsilon` (default 1e-5), `rope.freq_base` (default 10000),
    /// `context_length` (default 2048), `rope.dimension_count` → head_dim, `vocab_size` or the length
    /// of `tokenizer.ggml.tokens`, `rope.scaling.type` / `.factor` / `.original_context_length`;
    /// BOS/EOS/PAD from `tokenizer.ggml.*_token_id`.
    ///
    /// - Parameter hasOutputTensor: whether the file has an `output.weight` tensor; llama.cpp writes
    ///   one only when the LM head is not tied to the embeddings.
    public init(ggufMetadata m: [String: GGUFValue], hasOutputTensor: Bool, file: String = "<gguf>") throws {
        guard let architecture = m["general.architecture"]?.string else {
            throw FormatError(file: file, "missing general.architecture")
        }
        guard architecture == "llama" else {
            throw FormatError(file: file, "general.architecture: unsupported architecture \(architecture.debugDescription) (supported: llama)")
        }
        let p = "llama."
        func int(_ key: String) throws -> Int? {
            guard let v = m[key] else { return nil }
            guard let i = v.int else { throw FormatError(file: file, "\(key): expected an integer") }
            return i
        }
        func required(_ key: String) throws -> Int {
            guard let i = try int(p + key) else { throw FormatError(file: file, "missing required key \(p + key)") }
            return i
        }
        func double(_ key: String) throws -> Double? {
            guard let v = m[key] else { return nil }
            guard let d = v.double else { throw FormatError(file: file, "\(key): expected a number") }
            return d
        }
        let heads = try required("attention.head_count")
        let vocab: Int
        if let v = try int(p + "vocab_size") {
            vocab = v
        } else if let tokens = m["tokenizer.ggml.tokens"]?.array {
            vocab = tokens.count
        } else {
            throw FormatError(file: file, "missing \(p)vocab_size and tokenizer.ggml.tokens: cannot tell the vocabulary size")
        }
        var scaling: RopeScaling?
        if let type = m[p + "rope.scaling.type"]?.string, type != "none" {
            scaling = RopeScaling(type: type, factor: try double(p + "rope.scaling.factor"),
                                  originalMaxPositionEmbeddings: try int(p + "rope.scaling.original_context_length"))
        }
        let headDim = try int(p + "rope.dimension_count")
        let config = Llama(
            vocabSize: vocab,
            hiddenSize: try required("embedding_length"),
            intermediateSize: try required("feed_forward_length"),
            numHiddenLayers: try required("block_count"),
            numAttentionHeads: heads,
            numKeyValueHeads: try int(p + "attention.head_count_kv"),
            headDim: headDim,
            rmsNormEps: try double(p + "attention.layer_norm_rms_epsilon") ?? 1e-5,
            ropeTheta: try double(p + "rope.freq_base") ?? 10000,
            ropeScaling: scaling,
            maxPositionEmbeddings: try int(p + "context_length") ?? 2048,
            tieWordEmbeddings: !hasOutputTensor,
            bosTokenId: try int("tokenizer.ggml.bos_token_id"),
            eosTokenIds: try int("tokenizer.ggml.eos_token_id").map { [$0] } ?? [],
            padTokenId: try int("tokenizer.ggml.padding_token_id"),
            hiddenAct: "silu",
            attentionBias: false,
            mlpBias: false,
            dtype: nil)
        try config.validate(file: file, path: "", explicitHeadDim: headDim != nil)
        self = .llama(config)
    }
}

extension ModelConfig {
    /// A LLaMA-family decoder.
    public struct Llama: Sendable, Equatable {
        public var vocabSize: Int
        public var hiddenSize: Int
        public var intermediateSize: Int
        public var numHiddenLayers: Int
        public var numAttentionHeads: Int
        /// Defaults to `numAttentionHeads` (no grouped-query attention).
        public var numKeyValueHeads: Int
        /// Defaults to `hiddenSize / numAttentionHeads`.
        public var headDim: Int
        public var rmsNormEps: Double
        /// RoPE base frequency (default 10000).
        public var ropeTheta: Double
        /// Nil for plain RoPE (`rope_type` "default").
        public var ropeScaling: RopeScaling?
        public var maxPositionEmbeddings: Int
        public var tieWordEmbeddings: Bool
        public var bosTokenId: Int?
        /// One or more end-of-sequence ids.
        public var eosTokenIds: [Int]
        public var padTokenId: Int?
        /// The MLP activation ("silu").
        public var hiddenAct: String
        /// Biases on q/k/v/o projections.
        public var attentionBias: Bool
        /// Biases on gate/up/down projections.
        public var mlpBias: Bool
        /// The stored weights' dtype ("float16", "bfloat16", "float32"), when stated.
        public var dtype: String?

        public init(vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
                    numKeyValueHeads: Int? = nil, headDim: Int? = nil, rmsNormEps: Double = 1e-6, ropeTheta: Double = 10000,
                    ropeScaling: RopeScaling? = nil, maxPositionEmbeddings: Int = 2048, tieWordEmbeddings: Bool = false,
                    bosTokenId: Int? = 1, eosTokenIds: [Int] = [2], padTokenId: Int? = nil, hiddenAct: String = "silu",
                    attentionBias: Bool = false, mlpBias: Bool = false, dtype: String? = nil) {
            self.vocabSize = vocabSize
            self.hiddenSize = hiddenSize
            self.intermediateSize = intermediateSize
            self.numHiddenLayers = numHiddenLayers
            self.numAttentionHeads = numAttentionHeads
            self.numKeyValueHeads = numKeyValueHeads ?? numAttentionHeads
            self.headDim = headDim ?? (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0)
            self.rmsNormEps = rmsNormEps
            self.ropeTheta = ropeTheta
            self.ropeScaling = ropeScaling
            self.maxPositionEmbeddings = maxPositionEmbeddings
            self.tieWordEmbeddings = tieWordEmbeddings
            self.bosTokenId = bosTokenId
            self.eosTokenIds = eosTokenIds
            self.padTokenId = padTokenId
            self.hiddenAct = hiddenAct
            self.attentionBias = attentionBias
            self.mlpBias = mlpBias
            self.dtype = dtype
        }

        /// Query heads per key/value head.
        public var groupSize: Int { numAttentionHeads / numKeyValueHeads }

        /// Checks that the shape is possible.
        ///
        /// - Parameter explicitHeadDim: whether `head_dim` was stated; if not, the heads must divide
        ///   the hidden size.
        func validate(file: String, path: String, explicitHeadDim: Bool) throws {
            func key(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }
            func positive(_ value: Int, _ name: String) throws {
                guard value > 0 else { throw FormatError(file: file, "\(key(name)): must be positive, found \(value)") }
            }
            try positive(vocabSize, "vocab_size")
            try positive(hiddenSize, "hidden_size")
            try positive(intermediateSize, "intermediate_size")
            try positive(numHiddenLayers, "num_hidden_layers")
            try positive(numAttentionHeads, "num_attention_heads")
            try positive(numKeyValueHeads, "num_key_value_heads")
            if !explicitHeadDim, hiddenSize % numAttentionHeads != 0 {
                throw FormatError(file: file, "\(key("num_attention_heads")): \(numAttentionHeads) heads do not divide hidden_size \(hiddenSize)")
            }
            try positive(headDim, "head_dim")
            if numAttentionHeads % numKeyValueHeads != 0 {
                throw FormatError(file: file, "\(key("num_key_value_heads")): \(numKeyValueHeads) key/value heads do not divide num_attention_heads \(numAttentionHeads)")
            }
            try positive(maxPositionEmbeddings, "max_position_embeddings")
            guard rmsNormEps > 0, rmsNormEps.isFinite else {
                throw FormatError(file: file, "\(key("rms_norm_eps")): must be positive, found \(rmsNormEps)")
            }
            guard ropeTheta > 0, ropeTheta.isFinite else {
                throw FormatError(file: file, "\(key("rope_theta")): must be positive, found \(ropeTheta)")
            }
            if let f = ropeScaling?.factor, !(f > 0) {
                throw FormatError(file: file, "\(key("rope_scaling.factor")): must be positive, found \(f)")
            }
            for id in [bosTokenId, padTokenId].compactMap({ $0 }) + eosTokenIds where id >= vocabSize {
                throw FormatError(file: file, "\(key("vocab_size")): special token id \(id) is outside the vocabulary of \(vocabSize)")
            }
        }
    }

    /// RoPE frequency scaling (`rope_scaling` / `rope_parameters`).
    public struct RopeScaling: Sendable, Equatable {
        /// "linear", "dynamic", "yarn", "llama3", ...
        public var type: String
        public var factor: Double?
        /// Llama 3: wavelengths above `original / low_freq_factor` are scaled fully.
        public var lowFreqFactor: Double?
        /// Llama 3: wavelengths below `original / high_freq_factor` are left alone.
        public var highFreqFactor: Double?
        public var originalMaxPositionEmbeddings: Int?

        public init(type: String, factor: Double? = nil, lowFreqFactor: Double? = nil, highFreqFactor: Double? = nil,
                    originalMaxPositionEmbeddings: Int? = nil) {
            self.type = type
            self.factor = factor
            self.lowFreqFactor = lowFreqFactor
            self.highFreqFactor = highFreqFactor
            self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
        }
    }
}

extension ModelConfig.Llama {
    /// Reads a LLaMA config object.
    ///
    /// - Parameters:
    ///   - requireShape: require the keys that fix the weights' shapes (vocab_size, hidden_size,
    ///     intermediate_size, num_hidden_layers, num_attention_heads). A LLaVA `text_config` may
    ///     leave them out: published LLaVA-1.5 configs rely on transformers' `LlamaConfig` defaults
    ///     (the 7B shape), which are used then.
    ///   - inherited: values from an enclosing config (LLaVA's top level) used when this object has none.
    init(fields f: JSONFields, requireShape: Bool, inheritedDtype: String? = nil) throws {
        func shape(_ key: String, _ fallback: Int) throws -> Int {
            requireShape ? try f.int(key) : try f.optionalInt(key) ?? fallback
        }
        let heads = try shape("num_attention_heads", 32)
        let hidden = try shape("hidden_size", 4096)
        let explicitHeadDim = try f.optionalInt("head_dim")

        // As transformers 5 reads RoPE: a non-empty classic `rope_scaling` replaces `rope_parameters`;
        // `rope_theta` comes from that object, else from the top level, else 10000.
        var rope = try f.optionalObject("rope_parameters")
        if let classic = try f.optionalObject("rope_scaling"), !classic.object.isEmpty { rope = classic }
        let theta = try rope?.optionalDouble("rope_theta") ?? f.optionalDouble("rope_theta") ?? 10000
        let maxPositions = try f.optionalInt("max_position_embeddings") ?? 2048
        var scaling: ModelConfig.RopeScaling?
        if let rope, let type = try rope.optionalString("rope_type") ?? rope.optionalString("type"), type != "default" {
            let original = try rope.optionalInt("original_max_position_embeddings")
            scaling = ModelConfig.RopeScaling(
                type: type, factor: try rope.optionalDouble("factor"),
                lowFreqFactor: try rope.optionalDouble("low_freq_factor"),
                highFreqFactor: try rope.optionalDouble("high_freq_factor"),
                originalMaxPositionEmbeddings: original ?? (["llama3", "yarn", "longrope"].contains(type) ? maxPositions : nil))
        }

        self.init(
            vocabSize: try shape("vocab_size", 32000),
            hiddenSize: hidden,
            intermediateSize: try shape("intermediate_size", 11008),
            numHiddenLayers: try shape("num_hidden_layers", 32),
            numAttentionHeads: heads,
            numKeyValueHeads: try f.optionalInt("num_key_value_heads"),
            headDim: explicitHeadDim,
            rmsNormEps: try f.optionalDouble("rms_norm_eps") ?? 1e-6,
            ropeTheta: theta,
            ropeScaling: scaling,
            maxPositionEmbeddings: maxPositions,
            tieWordEmbeddings: try f.optionalBool("tie_word_embeddings") ?? false,
            bosTokenId: f.object["bos_token_id"] == nil ? 1 : try f.optionalInt("bos_token_id"),
            eosTokenIds: f.object["eos_token_id"] == nil ? [2] : try f.optionalIntList("eos_token_id") ?? [],
            padTokenId: try f.optionalInt("pad_token_id"),
            hiddenAct: try f.optionalString("hidden_act") ?? "silu",
            attentionBias: try f.optionalBool("attention_bias") ?? false,
            mlpBias: try f.optionalBool("mlp_bias") ?? false,
            dtype: try f.optionalString("dtype") ?? f.optionalString("torch_dtype") ?? inheritedDtype)
        try validate(file: f.file, path: f.path, explicitHeadDim: explicitHeadDim != nil)
    }
}

extension GGUFWriter {
    /// Writes `general.architecture = llama` and the `llama.*` hyperparameters of `config` with
    /// `blockCount` decoder blocks — the keys `ModelConfig(ggufMetadata:)` reads back, and the ones
    /// llama.cpp and transformers need to load the file.
    public mutating func setLlamaHyperparameters(_ c: ModelConfig.Llama, blockCount: Int) {
        set("general.architecture", .string("llama"))
        set("llama.vocab_size", .uint32(UInt32(c.vocabSize)))
        set("llama.context_length", .uint32(UInt32(c.maxPositionEmbeddings)))
        set("llama.embedding_length", .uint32(UInt32(c.hiddenSize)))
        set("llama.block_count", .uint32(UInt32(blockCount)))
        set("llama.feed_forward_length", .uint32(UInt32(c.intermediateSize)))
        set("llama.rope.dimension_count", .uint32(UInt32(c.headDim)))
        set("llama.attention.head_count", .uint32(UInt32(c.numAttentionHeads)))
        set("llama.attention.head_count_kv", .uint32(UInt32(c.numKeyValueHeads)))
        set("llama.attention.layer_norm_rms_epsilon", .float32(Float(c.rmsNormEps)))
        set("llama.rope.freq_base", .float32(Float(c.ropeTheta)))
        if let s = c.ropeScaling {
            set("llama.rope.scaling.type", .string(s.type))
            if let f = s.factor { set("llama.rope.scaling.factor", .float32(Float(f))) }
            if let o = s.originalMaxPositionEmbeddings {
                set("llama.rope.scaling.original_context_length", .uint32(UInt32(o)))
            }
        }
    }
}

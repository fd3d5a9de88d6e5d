import ScalpelFormats

extension LlamaBlockWeights {
    /// Gradient buffers for only some of a block's parameters, named by their Hugging Face suffixes
    /// (as in `named`): those in `forming` are zero-filled, the others are empty (norms, linears) or
    /// nil (biases), and `LlamaBlock.backward` leaves their gradients unformed. The gradient with
    /// respect to the block input is computed in full either way.
    public convenience init(gradientsFor c: ModelConfig.Llama, forming: Set<String>) {
        let h = c.hiddenSize, qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim
        let f = c.intermediateSize
        func buffer(_ suffix: String, _ n: Int) -> FloatBuffer { FloatBuffer(count: forming.contains(suffix) ? n : 0) }
        func bias(_ present: Bool, _ suffix: String, _ n: Int) -> FloatBuffer? {
            present && forming.contains(suffix) ? FloatBuffer(count: n) : nil
        }
        self.init(norms: (buffer("input_layernorm.weight", h), buffer("post_attention_layernorm.weight", h)),
                  linears: [buffer("self_attn.q_proj.weight", qd * h), buffer("self_attn.k_proj.weight", kvd * h),
                            buffer("self_attn.v_proj.weight", kvd * h), buffer("self_attn.o_proj.weight", h * qd),
                            buffer("mlp.gate_proj.weight", f * h), buffer("mlp.up_proj.weight", f * h),
                            buffer("mlp.down_proj.weight", h * f)],
                  biases: [bias(c.attentionBias, "self_attn.q_proj.bias", qd), bias(c.attentionBias, "self_attn.k_proj.bias", kvd),
                           bias(c.attentionBias, "self_attn.v_proj.bias", kvd), bias(c.attentionBias, "self_attn.o_proj.bias", h),
                           bias(c.mlpBias, "mlp.gate_proj.bias", f), bias(c.mlpBias, "mlp.up_proj.bias", f),
                           bias(c.mlpBias, "mlp.down_proj.bias", h)],
                  packed: nil)
    }
}

extension FloatBuffer {
    /// `pointer`, or nil for an empty buffer: a gradient that is not being formed.
    var formedPointer: UnsafeMutablePointer<Float>? { count > 0 ? pointer : nil }
}

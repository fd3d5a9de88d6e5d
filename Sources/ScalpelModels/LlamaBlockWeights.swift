import ScalpelFormats

/// The parameters of one LLaMA decoder block, f32, in PyTorch layouts (`[out, in]` for linears).
public final class LlamaBlockWeights: @unchecked Sendable {
    public let inputNorm: FloatBuffer
    public let q: FloatBuffer
    public let k: FloatBuffer
    public let v: FloatBuffer
    public let o: FloatBuffer
    public let postNorm: FloatBuffer
    public let gate: FloatBuffer
    public let up: FloatBuffer
    public let down: FloatBuffer
    /// Projection biases, present when the config has `attention_bias` / `mlp_bias`.
    public let qBias, kBias, vBias, oBias: FloatBuffer?
    public let gateBias, upBias, downBias: FloatBuffer?
    /// Packed low-bit linears (see `LlamaBlockWeights+Packed.swift`); their f32 buffers are then empty.
    public internal(set) var packed: PackedBlockLinears?

    /// Weights from buffers (biases in the order q, k, v, o, gate, up, down), used by the packed loader.
    init(norms: (input: FloatBuffer, post: FloatBuffer), linears l: [FloatBuffer], biases b: [FloatBuffer?],
         packed: PackedBlockLinears?) {
        precondition(l.count == 7 && b.count == 7, "seven linears and seven biases")
        inputNorm = norms.input
        postNorm = norms.post
        q = l[0]; k = l[1]; v = l[2]; o = l[3]; gate = l[4]; up = l[5]; down = l[6]
        qBias = b[0]; kBias = b[1]; vBias = b[2]; oBias = b[3]; gateBias = b[4]; upBias = b[5]; downBias = b[6]
        self.packed = packed
    }

    /// Zero-filled weights (norms set to one) of the shapes `config` implies.
    public init(config c: ModelConfig.Llama) {
        let h = c.hiddenSize, qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim
        let f = c.intermediateSize
        inputNorm = FloatBuffer([Float](repeating: 1, count: h))
        postNorm = FloatBuffer([Float](repeating: 1, count: h))
        q = FloatBuffer(count: qd * h)
        k = FloatBuffer(count: kvd * h)
        v = FloatBuffer(count: kvd * h)
        o = FloatBuffer(count: h * qd)
        gate = FloatBuffer(count: f * h)
        up = FloatBuffer(count: f * h)
        down = FloatBuffer(count: h * f)
        qBias = c.attentionBias ? FloatBuffer(count: qd) : nil
        kBias = c.attentionBias ? FloatBuffer(count: kvd) : nil
        vBias = c.attentionBias ? FloatBuffer(count: kvd) : nil
        oBias = c.attentionBias ? FloatBuffer(count: h) : nil
        gateBias = c.mlpBias ? FloatBuffer(count: f) : nil
        upBias = c.mlpBias ? FloatBuffer(count: f) : nil
        downBias = c.mlpBias ? FloatBuffer(count: h) : nil
    }

    /// Reads block `index` from `source`, checking every shape against `config`.
    public init(from source: any WeightSource, names: LlamaTensorNames, index i: Int, config c: ModelConfig.Llama) throws {
        let h = c.hiddenSize, qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim
        let f = c.intermediateSize
        let origin = "the config (\(c.numHiddenLayers) layers, hidden \(h), \(c.numAttentionHeads) heads, \(c.numKeyValueHeads) kv heads, MLP \(f))"
        func load(_ suffix: String, _ shape: [Int]) throws -> FloatBuffer {
            FloatBuffer(try source.floats(names.layer(i, suffix), shape: shape, from: origin))
        }
        func bias(_ present: Bool, _ suffix: String, _ n: Int) throws -> FloatBuffer? {
            present ? try load(suffix, [n]) : nil
        }
        inputNorm = try load("input_layernorm.weight", [h])
        q = try load("self_attn.q_proj.weight", [qd, h])
        k = try load("self_attn.k_proj.weight", [kvd, h])
        v = try load("self_attn.v_proj.weight", [kvd, h])
        o = try load("self_attn.o_proj.weight", [h, qd])
        postNorm = try load("post_attention_layernorm.weight", [h])
        gate = try load("mlp.gate_proj.weight", [f, h])
        up = try load("mlp.up_proj.weight", [f, h])
        down = try load("mlp.down_proj.weight", [h, f])
        qBias = try bias(c.attentionBias, "self_attn.q_proj.bias", qd)
        kBias = try bias(c.attentionBias, "self_attn.k_proj.bias", kvd)
        vBias = try bias(c.attentionBias, "self_attn.v_proj.bias", kvd)
        oBias = try bias(c.attentionBias, "self_attn.o_proj.bias", h)
        gateBias = try bias(c.mlpBias, "mlp.gate_proj.bias", f)
        upBias = try bias(c.mlpBias, "mlp.up_proj.bias", f)
        downBias = try bias(c.mlpBias, "mlp.down_proj.bias", h)
    }

    /// Every parameter buffer with its Hugging Face suffix, in checkpoint order.
    public var named: [(suffix: String, buffer: FloatBuffer)] {
        var list: [(String, FloatBuffer)] = [
            ("input_layernorm.weight", inputNorm),
            ("self_attn.q_proj.weight", q), ("self_attn.k_proj.weight", k),
            ("self_attn.v_proj.weight", v), ("self_attn.o_proj.weight", o),
            ("post_attention_layernorm.weight", postNorm),
            ("mlp.gate_proj.weight", gate), ("mlp.up_proj.weight", up), ("mlp.down_proj.weight", down),
        ]
        let biases: [(String, FloatBuffer?)] = [
            ("self_attn.q_proj.bias", qBias), ("self_attn.k_proj.bias", kBias),
            ("self_attn.v_proj.bias", vBias), ("self_attn.o_proj.bias", oBias),
            ("mlp.gate_proj.bias", gateBias), ("mlp.up_proj.bias", upBias), ("mlp.down_proj.bias", downBias),
        ]
        for case let (name, buffer?) in biases { list.append((name, buffer)) }
        return list
    }

    /// Number of parameters in the block.
    public var parameterCount: Int { named.reduce(0) { $0 + $1.buffer.count } + (packed?.parameterCount ?? 0) }
}

import ScalpelFormats

/// The parameters of one CLIP encoder layer, f32, in PyTorch layouts (`[out, in]` for linears).
/// Every linear and both layer norms carry a bias.
public final class CLIPEncoderLayerWeights: @unchecked Sendable {
    public let layerNorm1: FloatBuffer
    public let layerNorm1Bias: FloatBuffer
    public let q: FloatBuffer
    public let qBias: FloatBuffer
    public let k: FloatBuffer
    public let kBias: FloatBuffer
    public let v: FloatBuffer
    public let vBias: FloatBuffer
    /// `out_proj`.
    public let out: FloatBuffer
    public let outBias: FloatBuffer
    public let layerNorm2: FloatBuffer
    public let layerNorm2Bias: FloatBuffer
    public let fc1: FloatBuffer
    public let fc1Bias: FloatBuffer
    public let fc2: FloatBuffer
    public let fc2Bias: FloatBuffer

    /// Zero-filled parameters sized for `config`.
    public init(config c: ModelConfig.CLIPVision) {
        let h = c.hiddenSize, f = c.intermediateSize
        layerNorm1 = FloatBuffer(count: h)
        layerNorm1Bias = FloatBuffer(count: h)
        q = FloatBuffer(count: h * h)
        qBias = FloatBuffer(count: h)
        k = FloatBuffer(count: h * h)
        kBias = FloatBuffer(count: h)
        v = FloatBuffer(count: h * h)
        vBias = FloatBuffer(count: h)
        out = FloatBuffer(count: h * h)
        outBias = FloatBuffer(count: h)
        layerNorm2 = FloatBuffer(count: h)
        layerNorm2Bias = FloatBuffer(count: h)
        fc1 = FloatBuffer(count: f * h)
        fc1Bias = FloatBuffer(count: f)
        fc2 = FloatBuffer(count: h * f)
        fc2Bias = FloatBuffer(count: h)
    }

    /// Reads encoder layer `index` from `source`, checking every shape against `config`.
    public init(from source: any WeightSource, names: CLIPTensorNames, index i: Int,
                config c: ModelConfig.CLIPVision) throws {
        let h = c.hiddenSize, f = c.intermediateSize
        let origin = "the vision config (\(c.numHiddenLayers) layers, hidden \(h), MLP \(f))"
        func load(_ suffix: String, _ shape: [Int]) throws -> FloatBuffer {
            FloatBuffer(try source.floats(names.layer(i, suffix), shape: shape, from: origin))
        }
        layerNorm1 = try load("layer_norm1.weight", [h])
        layerNorm1Bias = try load("layer_norm1.bias", [h])
        q = try load("self_attn.q_proj.weight", [h, h])
        qBias = try load("self_attn.q_proj.bias", [h])
        k = try load("self_attn.k_proj.weight", [h, h])
        kBias = try load("self_attn.k_proj.bias", [h])
        v = try load("self_attn.v_proj.weight", [h, h])
        vBias = try load("self_attn.v_proj.bias", [h])
        out = try load("self_attn.out_proj.weight", [h, h])
        outBias = try load("self_attn.out_proj.bias", [h])
        layerNorm2 = try load("layer_norm2.weight", [h])
        layerNorm2Bias = try load("layer_norm2.bias", [h])
        fc1 = try load("mlp.fc1.weight", [f, h])
        fc1Bias = try load("mlp.fc1.bias", [f])
        fc2 = try load("mlp.fc2.weight", [h, f])
        fc2Bias = try load("mlp.fc2.bias", [h])
    }

    /// Every parameter buffer with its Hugging Face suffix, in checkpoint order.
    public var named: [(suffix: String, buffer: FloatBuffer)] {
        [
            ("self_attn.k_proj.weight", k), ("self_attn.k_proj.bias", kBias),
            ("self_attn.v_proj.weight", v), ("self_attn.v_proj.bias", vBias),
            ("self_attn.q_proj.weight", q), ("self_attn.q_proj.bias", qBias),
            ("self_attn.out_proj.weight", out), ("self_attn.out_proj.bias", outBias),
            ("layer_norm1.weight", layerNorm1), ("layer_norm1.bias", layerNorm1Bias),
            ("mlp.fc1.weight", fc1), ("mlp.fc1.bias", fc1Bias),
            ("mlp.fc2.weight", fc2), ("mlp.fc2.bias", fc2Bias),
            ("layer_norm2.weight", layerNorm2), ("layer_norm2.bias", layerNorm2Bias),
        ]
    }

    /// Number of parameters in the layer.
    public var parameterCount: Int { named.reduce(0) { $0 + $1.buffer.count } }
}

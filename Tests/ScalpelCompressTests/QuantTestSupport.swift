import Foundation
import ScalpelFormats
import ScalpelModels
@testable import ScalpelCompress

/// A small random LLaMA for the quantization tests, as a Hugging Face folder: hidden 64, MLP 128, 4 heads of
/// 16 with 2 KV heads (or 4 with `gqa: false`), so every input width holds whole groups of 32.
struct QuantTinyModel {
    let folder: String
    let config: ModelConfig.Llama

    init(layers: Int = 2, gqa: Bool = true, seed: UInt64 = 5, tied: Bool = false, biases: Bool = false) throws {
        let kvHeads = gqa ? 2 : 4
        config = ModelConfig.Llama(vocabSize: 64, hiddenSize: 64, intermediateSize: 128, numHiddenLayers: layers,
                                   numAttentionHeads: 4, numKeyValueHeads: kvHeads, rmsNormEps: 1e-5, maxPositionEmbeddings: 128,
                                   tieWordEmbeddings: tied, attentionBias: biases)
        folder = NSTemporaryDirectory() + "scalpel-quant-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var rng = QuantRandom(seed: seed)
        let c = config, h = c.hiddenSize, f = c.intermediateSize, kv = kvHeads * c.headDim
        var writer = SafetensorsWriter()
        try writer.add("model.embed_tokens.weight", floats: rng.normal(c.vocabSize * h, 1), shape: [c.vocabSize, h])
        try writer.add("model.norm.weight", floats: rng.normal(h, 0.1).map { $0 + 1 }, shape: [h])
        if !tied { try writer.add("lm_head.weight", floats: rng.normal(c.vocabSize * h, 0.2), shape: [c.vocabSize, h]) }
        for i in 0..<layers {
            let p = "model.layers.\(i)."
            try writer.add(p + "input_layernorm.weight", floats: rng.normal(h, 0.3).map { $0 + 1 }, shape: [h])
            try writer.add(p + "post_attention_layernorm.weight", floats: rng.normal(h, 0.3).map { $0 + 1 }, shape: [h])
            try writer.add(p + "self_attn.q_proj.weight", floats: rng.normal(h * h, 0.15), shape: [h, h])
            try writer.add(p + "self_attn.k_proj.weight", floats: rng.normal(kv * h, 0.15), shape: [kv, h])
            try writer.add(p + "self_attn.v_proj.weight", floats: rng.normal(kv * h, 0.15), shape: [kv, h])
            try writer.add(p + "self_attn.o_proj.weight", floats: rng.normal(h * h, 0.15), shape: [h, h])
            try writer.add(p + "mlp.gate_proj.weight", floats: rng.normal(f * h, 0.15), shape: [f, h])
            try writer.add(p + "mlp.up_proj.weight", floats: rng.normal(f * h, 0.15), shape: [f, h])
            try writer.add(p + "mlp.down_proj.weight", floats: rng.normal(h * f, 0.1), shape: [h, f])
            if biases {
                try writer.add(p + "self_attn.q_proj.bias", floats: rng.normal(h, 0.1), shape: [h])
                try writer.add(p + "self_attn.k_proj.bias", floats: rng.normal(kv, 0.1), shape: [kv])
                try writer.add(p + "self_attn.v_proj.bias", floats: rng.normal(kv, 0.1), shape: [kv])
                try writer.add(p + "self_attn.o_proj.bias", floats: rng.normal(h, 0.1), shape: [h])
            }
        }
        try writer.write(to: folder + "/model.safetensors")
        let json = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 64,
         "intermediate_size": 128, "num_hidden_layers": \(layers), "num_attention_heads": 4, "num_key_value_heads": \(kvHeads),
         "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "max_position_embeddings": 128, "tie_word_embeddings": \(tied),
         "attention_bias": \(biases), "torch_dtype": "float32"}
        """
        try json.write(toFile: folder + "/config.json", atomically: true, encoding: .utf8)
    }

    func checkpoint() throws -> Checkpoint { try Checkpoint.open(folder) }

    func runner() throws -> QuantRunner {
        let c = try checkpoint()
        return QuantRunner(source: c.weights, config: c.config.text)
    }

    /// `samples` deterministic sequences of `length` tokens.
    static func calibration(samples: Int = 4, length: Int = 16, seed: Int = 1) -> [[Int]] {
        (0..<samples).map { s in (0..<length).map { ($0 * 5 + s * 11 + seed * 7 + ($0 * $0 * 3) % 13) % 64 } }
    }

    static func temporary(_ tag: String) -> String {
        let path = NSTemporaryDirectory() + "scalpel-quant-\(tag)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// xorshift + Box–Muller, deterministic across platforms.
struct QuantRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func uniform() -> Double {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return (Double(state >> 11) + 0.5) / Double(1 << 53)
    }
    mutating func normal(_ n: Int, _ sigma: Float) -> [Float] {
        (0..<n).map { _ in Float((-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())) * sigma }
    }
}

import Foundation
import ScalpelFormats
import ScalpelModels
@testable import ScalpelCompress

/// A small random LLaMA written as a Hugging Face folder in a temporary directory.
struct TinyModel {
    let folder: String
    let config: ModelConfig.Llama

    static let vocab = 48

    init(layers: Int = 5, seed: UInt64 = 1, tied: Bool = false) throws {
        config = ModelConfig.Llama(vocabSize: Self.vocab, hiddenSize: 32, intermediateSize: 48, numHiddenLayers: layers,
                                   numAttentionHeads: 4, numKeyValueHeads: 2, rmsNormEps: 1e-5, maxPositionEmbeddings: 128,
                                   tieWordEmbeddings: tied)
        folder = Self.temporaryFolder("tiny")
        var rng = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func random(_ n: Int, scale: Float, around center: Float = 0) -> [Float] {
            (0..<n).map { _ in
                rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
                return center + scale * (Float(rng % 2_000_001) / 1_000_000 - 1)
            }
        }
        let c = config, h = c.hiddenSize, f = c.intermediateSize, kv = c.numKeyValueHeads * c.headDim
        var writer = SafetensorsWriter()
        try writer.add("model.embed_tokens.weight", floats: random(c.vocabSize * h, scale: 1), shape: [c.vocabSize, h])
        try writer.add("model.norm.weight", floats: random(h, scale: 0.2, around: 1), shape: [h])
        if !tied { try writer.add("lm_head.weight", floats: random(c.vocabSize * h, scale: 0.3), shape: [c.vocabSize, h]) }
        for i in 0..<layers {
            let p = "model.layers.\(i)."
            try writer.add(p + "input_layernorm.weight", floats: random(h, scale: 0.2, around: 1), shape: [h])
            try writer.add(p + "post_attention_layernorm.weight", floats: random(h, scale: 0.2, around: 1), shape: [h])
            try writer.add(p + "self_attn.q_proj.weight", floats: random(h * h, scale: 0.3), shape: [h, h])
            try writer.add(p + "self_attn.k_proj.weight", floats: random(kv * h, scale: 0.3), shape: [kv, h])
            try writer.add(p + "self_attn.v_proj.weight", floats: random(kv * h, scale: 0.3), shape: [kv, h])
            try writer.add(p + "self_attn.o_proj.weight", floats: random(h * h, scale: 0.3), shape: [h, h])
            try writer.add(p + "mlp.gate_proj.weight", floats: random(f * h, scale: 0.3), shape: [f, h])
            try writer.add(p + "mlp.up_proj.weight", floats: random(f * h, scale: 0.3), shape: [f, h])
            try writer.add(p + "mlp.down_proj.weight", floats: random(h * f, scale: 0.3), shape: [h, f])
        }
        try writer.write(to: folder + "/model.safetensors")
        let json = """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": \(c.vocabSize), "hidden_size": \(h),
         "intermediate_size": \(f), "num_hidden_layers": \(layers), "num_attention_heads": 4, "num_key_value_heads": 2,
         "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "max_position_embeddings": 128, "tie_word_embeddings": \(tied),
         "torch_dtype": "float32", "layer_types": [\((0..<layers).map { "\"full_attention_\($0)\"" }.joined(separator: ", "))]}
        """
        try json.write(toFile: folder + "/config.json", atomically: true, encoding: .utf8)
        try "{}".write(toFile: folder + "/tokenizer_config.json", atomically: true, encoding: .utf8)
    }

    static func temporaryFolder(_ tag: String) -> String {
        let path = NSTemporaryDirectory() + "scalpel-compress-\(tag)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func checkpoint() throws -> Checkpoint { try Checkpoint.open(folder) }
    func model() throws -> LlamaModel { try checkpoint().loadDecoder() }
    func runner(microBatch: Int = 2) throws -> CalibrationRunner { CalibrationRunner(checkpoint: try checkpoint(), microBatch: microBatch) }

    /// A deterministic token stream.
    static func tokens(_ n: Int, seed: Int = 3) -> [Int] {
        (0..<n).map { ($0 * 7 + seed * 13 + ($0 * $0) % 11) % vocab }
    }

    /// A decoder with the blocks `drop` left out.
    static func without(_ model: LlamaModel, drop: Set<Int>) -> LlamaModel {
        var c = model.config
        c.numHiddenLayers -= drop.count
        let kept = model.blocks.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
        return LlamaModel(config: c, embedTokens: model.embedTokens, blocks: kept, finalNorm: model.finalNorm,
                          lmHead: model.lmHead === model.embedTokens ? nil : model.lmHead)
    }

    /// Every hidden state of one sequence, kept: `states[ℓ]` enters block ℓ, `states[layers]` leaves the last.
    static func hiddenStates(_ model: LlamaModel, tokens: [Int]) throws -> [[Float]] {
        let x = try model.embed(tokens)
        var states = [x.array]
        let (inv, scaling) = try RopeFrequencies.compute(model.config, seqLen: tokens.count)
        let positions = (0..<tokens.count).map(Int32.init)
        for weights in model.blocks {
            LlamaBlock(config: model.config, weights: weights).forward(
                x.pointer, step: BlockStep(batch: 1, seqLen: tokens.count), positions: positions, invFreq: inv, attentionScaling: scaling)
            states.append(x.array)
        }
        return states
    }
}

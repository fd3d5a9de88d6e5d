import Foundation
import ScalpelFormats
import ScalpelModels

/// A fresh LLaVA checkpoint for training from scratch, in Hugging Face's layout: `config.json`
/// (`LlavaForConditionalGeneration`, `vision_config` + `text_config`) and `model.safetensors` with
/// weights drawn as transformers initialises them — linears and embeddings normal with standard
/// deviation `std`, biases zero, norm weights one — from a seeded generator (the same seed gives
/// the same bytes).
public enum LlavaInitializer {
    /// `config.json` for `c`, as transformers writes it (`vision_feature_layer` a number when there
    /// is one layer, a list otherwise).
    public static func configJSON(_ c: ModelConfig.Llava) -> JSONValue {
        let t = c.text, v = c.vision
        var text: [String: JSONValue] = [
            "model_type": .string("llama"), "vocab_size": .int(t.vocabSize), "hidden_size": .int(t.hiddenSize),
            "intermediate_size": .int(t.intermediateSize), "num_hidden_layers": .int(t.numHiddenLayers),
            "num_attention_heads": .int(t.numAttentionHeads), "num_key_value_heads": .int(t.numKeyValueHeads),
            "head_dim": .int(t.headDim), "rms_norm_eps": .double(t.rmsNormEps), "rope_theta": .double(t.ropeTheta),
            "max_position_embeddings": .int(t.maxPositionEmbeddings), "tie_word_embeddings": .bool(t.tieWordEmbeddings),
            "hidden_act": .string(t.hiddenAct), "attention_bias": .bool(t.attentionBias), "mlp_bias": .bool(t.mlpBias),
            "attention_dropout": .double(0), "torch_dtype": .string("float32"),
        ]
        if let bos = t.bosTokenId { text["bos_token_id"] = .int(bos) }
        if let eos = t.eosTokenIds.first { text["eos_token_id"] = .int(eos) }
        if let pad = t.padTokenId { text["pad_token_id"] = .int(pad) }
        let vision: [String: JSONValue] = [
            "model_type": .string("clip_vision_model"), "hidden_size": .int(v.hiddenSize),
            "intermediate_size": .int(v.intermediateSize), "num_hidden_layers": .int(v.numHiddenLayers),
            "num_attention_heads": .int(v.numAttentionHeads), "image_size": .int(v.imageSize), "patch_size": .int(v.patchSize),
            "num_channels": .int(v.numChannels), "layer_norm_eps": .double(v.layerNormEps), "hidden_act": .string(v.hiddenAct),
            "projection_dim": .int(v.projectionDim), "attention_dropout": .double(0),
        ]
        return .object([
            "architectures": .array([.string("LlavaForConditionalGeneration")]),
            "model_type": .string("llava"),
            "image_token_index": .int(c.imageTokenIndex),
            "image_seq_length": .int(c.imageSeqLength),
            "projector_hidden_act": .string(c.projectorHiddenAct),
            "multimodal_projector_bias": .bool(c.multimodalProjectorBias),
            "vision_feature_layer": c.visionFeatureLayers.count == 1 ? .int(c.visionFeatureLayers[0]) : .array(c.visionFeatureLayers.map { .int($0) }),
            "vision_feature_select_strategy": .string(c.visionFeatureSelectStrategy),
            "tie_word_embeddings": .bool(t.tieWordEmbeddings),
            "torch_dtype": .string("float32"),
            "text_config": .object(text),
            "vision_config": .object(vision),
        ])
    }

    /// Every tensor of a LLaVA model with config `c` under the saved names, with its shape.
    public static func tensorShapes(_ c: ModelConfig.Llava, names: LlavaTensorNames = .saved) -> [(name: String, shape: [Int])] {
        let t = c.text, v = c.vision, h = t.hiddenSize, vh = v.hiddenSize, vf = v.intermediateSize
        var list: [(String, [Int])] = []
        let cn = names.vision
        list.append((cn.patchEmbedding, [vh, v.numChannels, v.patchSize, v.patchSize]))
        list.append((cn.classEmbedding, [vh]))
        list.append((cn.positionEmbedding, [v.numPatches + 1, vh]))
        list.append((cn.preNorm("weight"), [vh]))
        list.append((cn.preNorm("bias"), [vh]))
        for i in 0..<v.numHiddenLayers {
            for (suffix, shape) in [("self_attn.q_proj", [vh, vh]), ("self_attn.k_proj", [vh, vh]), ("self_attn.v_proj", [vh, vh]),
                                    ("self_attn.out_proj", [vh, vh]), ("mlp.fc1", [vf, vh]), ("mlp.fc2", [vh, vf])] {
                list.append((cn.layer(i, suffix + ".weight"), shape))
                list.append((cn.layer(i, suffix + ".bias"), [shape[0]]))
            }
            for norm in ["layer_norm1", "layer_norm2"] {
                list.append((cn.layer(i, norm + ".weight"), [vh]))
                list.append((cn.layer(i, norm + ".bias"), [vh]))
            }
        }
        list.append((cn.postNorm("weight"), [vh]))
        list.append((cn.postNorm("bias"), [vh]))
        let inF = vh * c.visionFeatureLayers.count
        list.append((names.projector(1, "weight"), [h, inF]))
        if c.multimodalProjectorBias { list.append((names.projector(1, "bias"), [h])) }
        list.append((names.projector(2, "weight"), [h, h]))
        if c.multimodalProjectorBias { list.append((names.projector(2, "bias"), [h])) }
        let tn = names.text
        list.append((tn.embedTokens, [t.vocabSize, h]))
        for (suffix, shape) in LlamaBlockShapes.shapes(t) { list += (0..<t.numHiddenLayers).map { (tn.layer($0, suffix), shape) } }
        list.append((tn.finalNorm, [h]))
        if !t.tieWordEmbeddings { list.append((tn.head, [t.vocabSize, h])) }
        return list
    }

    /// Writes `folder/config.json` and `folder/model.safetensors` (atomically; the folder is created).
    public static func write(_ c: ModelConfig.Llava, to folder: String, seed: UInt64, std: Float = 0.02) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var rng = SeededRandom(seed: seed)
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for (name, shape) in tensorShapes(c) {
            let count = shape.reduce(1, *)
            let values: [Float]
            if name.hasSuffix("norm.weight") || name.contains("layer_norm") && name.hasSuffix(".weight")
                || name.contains("layrnorm.weight") || name.contains("layernorm.weight") {
                values = [Float](repeating: 1, count: count)
            } else if name.hasSuffix(".bias") {
                values = [Float](repeating: 0, count: count)
            } else {
                values = (0..<count).map { _ in std * rng.nextNormal() }
            }
            try writer.add(name, floats: values, shape: shape)
        }
        try writer.write(to: folder + "/model.safetensors")
        try AtomicFile.write(configJSON(c).prettyPrinted() + "\n", to: folder + "/config.json")
    }
}

/// Shapes of a LLaMA block's tensors by suffix, in checkpoint order.
enum LlamaBlockShapes {
    static func shapes(_ c: ModelConfig.Llama) -> [(String, [Int])] {
        let h = c.hiddenSize, qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim, f = c.intermediateSize
        var list: [(String, [Int])] = [
            ("input_layernorm.weight", [h]),
            ("self_attn.q_proj.weight", [qd, h]), ("self_attn.k_proj.weight", [kvd, h]),
            ("self_attn.v_proj.weight", [kvd, h]), ("self_attn.o_proj.weight", [h, qd]),
            ("post_attention_layernorm.weight", [h]),
            ("mlp.gate_proj.weight", [f, h]), ("mlp.up_proj.weight", [f, h]), ("mlp.down_proj.weight", [h, f]),
        ]
        if c.attentionBias {
            list += [("self_attn.q_proj.bias", [qd]), ("self_attn.k_proj.bias", [kvd]), ("self_attn.v_proj.bias", [kvd]), ("self_attn.o_proj.bias", [h])]
        }
        if c.mlpBias { list += [("mlp.gate_proj.bias", [f]), ("mlp.up_proj.bias", [f]), ("mlp.down_proj.bias", [h])] }
        return list
    }
}

extension SeededRandom {
    /// A standard normal sample (Box–Muller, one of the pair).
    mutating func nextNormal() -> Float {
        let u1 = Double(max(nextUnitFloat(), 1e-7)), u2 = Double(nextUnitFloat())
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }
}

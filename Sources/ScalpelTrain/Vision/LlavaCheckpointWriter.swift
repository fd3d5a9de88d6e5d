import Foundation
import ScalpelFormats
import ScalpelModels

/// Writes a LLaVA model's current weights as a Hugging Face checkpoint: `config.json` and
/// `model.safetensors` under `save_pretrained`'s names (every tensor `LlavaInitializer.tensorShapes`
/// lists, `post_layernorm` included), f32, each file atomically.
public enum LlavaCheckpointWriter {
    /// Every weight buffer of `model` by its saved name.
    public static func buffers(_ model: LlavaModel, names: LlavaTensorNames = .saved) -> [String: FloatBuffer] {
        var out: [String: FloatBuffer] = [:]
        let t = model.visionTower, cn = names.vision
        out[cn.patchEmbedding] = t.patchEmbedding
        out[cn.classEmbedding] = t.classEmbedding
        out[cn.positionEmbedding] = t.positionEmbedding
        out[cn.preNorm("weight")] = t.preNorm
        out[cn.preNorm("bias")] = t.preNormBias
        if let w = t.postNorm, let b = t.postNormBias {
            out[cn.postNorm("weight")] = w
            out[cn.postNorm("bias")] = b
        }
        for (i, layer) in t.layers.enumerated() {
            for (suffix, buffer) in layer.named { out[cn.layer(i, suffix)] = buffer }
        }
        for (suffix, buffer) in model.projector.named { out[names.projector + suffix] = buffer }
        let lm = model.languageModel, tn = names.text
        out[tn.embedTokens] = lm.embedTokens
        for (i, block) in lm.blocks.enumerated() {
            for (suffix, buffer) in block.named { out[tn.layer(i, suffix)] = buffer }
        }
        out[tn.finalNorm] = lm.finalNorm
        if lm.lmHead !== lm.embedTokens { out[tn.head] = lm.lmHead }
        return out
    }

    /// Writes `folder/config.json` and `folder/model.safetensors` for `model` (folder created).
    /// A missing `post_layernorm` is written as the identity (ones, zeros) so transformers loads
    /// every weight it expects.
    public static func write(_ model: LlavaModel, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let all = buffers(model)
        var writer = SafetensorsWriter(metadata: ["format": "pt"])
        for (name, shape) in LlavaInitializer.tensorShapes(model.config) {
            let count = shape.reduce(1, *)
            if let buffer = all[name] {
                guard buffer.count == count else { throw ModelError("tensor \(name) holds \(buffer.count) values, expected \(shape)") }
                try writer.add(name, floats: buffer.array, shape: shape)
            } else if name.hasSuffix("post_layernorm.weight") {
                try writer.add(name, floats: [Float](repeating: 1, count: count), shape: shape)
            } else if name.hasSuffix("post_layernorm.bias") {
                try writer.add(name, floats: [Float](repeating: 0, count: count), shape: shape)
            } else {
                throw ModelError("the model has no tensor \(name)")
            }
        }
        try writer.write(to: folder + "/model.safetensors")
        try AtomicFile.write(LlavaInitializer.configJSON(model.config).prettyPrinted() + "\n", to: folder + "/config.json")
    }
}

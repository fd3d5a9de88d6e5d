import ArgumentParser
import Foundation
import ScalpelFormats
import ScalpelModels

/// `scalpel inspect MODEL`: architecture, parameters by part, storage and memory.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a model: architecture, parameters by part, dtypes, file size, memory at fp16.")

    @Argument(help: "A Hugging Face model folder or a GGUF file.")
    var model: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let checkpoint = try Checkpoint.open(model)
        let inventory = ParameterInventory(source: checkpoint.weights, config: checkpoint.config)
        let text = checkpoint.config.text
        var architecture: [String: Any] = [
            "model_type": checkpoint.config.modelType,
            "vocab_size": text.vocabSize, "hidden_size": text.hiddenSize,
            "intermediate_size": text.intermediateSize, "layers": text.numHiddenLayers,
            "heads": text.numAttentionHeads, "kv_heads": text.numKeyValueHeads, "head_dim": text.headDim,
            "rope_theta": text.ropeTheta, "tied_embeddings": text.tieWordEmbeddings,
        ]
        if let vision = checkpoint.config.vision {
            architecture["vision"] = ["hidden_size": vision.hiddenSize, "layers": vision.numHiddenLayers,
                                      "image_size": vision.imageSize, "patch_size": vision.patchSize]
        }
        if json {
            try JSONOutput.print([
                "path": model, "format": checkpoint.gguf == nil ? "safetensors" : "gguf",
                "architecture": architecture, "file_bytes": checkpoint.fileBytes,
                "parameters": inventory.total, "bytes_fp16": inventory.bytesAtFP16,
                "parts": inventory.parts.map { ["name": $0.name, "parameters": $0.parameters, "dtypes": $0.dtypes] },
            ])
            return
        }
        print("\(model)")
        print("  \(checkpoint.config.modelType): \(text.numHiddenLayers) layers, hidden \(text.hiddenSize), MLP \(text.intermediateSize), \(text.numAttentionHeads) heads / \(text.numKeyValueHeads) KV heads, vocab \(text.vocabSize), rope θ \(text.ropeTheta)\(text.tieWordEmbeddings ? ", tied embeddings" : "")")
        if let vision = checkpoint.config.vision {
            print("  vision: CLIP \(vision.numHiddenLayers) layers, hidden \(vision.hiddenSize), \(vision.imageSize)px / \(vision.patchSize)px patches")
        }
        print("  file: \(Bytes.format(checkpoint.fileBytes)) (\(checkpoint.gguf == nil ? "safetensors" : "GGUF"))")
        print("  parameters: \(Count.format(inventory.total)); at fp16 \(Bytes.format(inventory.bytesAtFP16)), at fp32 \(Bytes.format(inventory.total * 4))")
        print("")
        print("  part            parameters   fp16 bytes  dtype")
        for part in inventory.parts {
            let name = part.name.padding(toLength: 14, withPad: " ", startingAt: 0)
            let count = Count.format(part.parameters)
            print("  \(name) \(String(repeating: " ", count: max(0, 11 - count.count)))\(count)  \(String(repeating: " ", count: max(0, 11 - Bytes.format(part.parameters * 2).count)))\(Bytes.format(part.parameters * 2))  \(part.dtypes.joined(separator: ","))")
        }
    }
}

/// Human-readable sizes: 1.5 GB, 98.4 MB (powers of 1000, as model cards quote them).
enum Bytes {
    static func format(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.2f %@", value, units[unit])
    }
}

/// Parameter counts: 134.5M, 7.06B.
enum Count {
    static func format(_ n: Int) -> String {
        switch n {
        case 1_000_000_000...: String(format: "%.3fB", Double(n) / 1e9)
        case 1_000_000...: String(format: "%.2fM", Double(n) / 1e6)
        case 1_000...: String(format: "%.1fK", Double(n) / 1e3)
        default: "\(n)"
        }
    }
}

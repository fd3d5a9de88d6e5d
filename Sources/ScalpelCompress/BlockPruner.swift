import Foundation
import ScalpelFormats
import ScalpelModels

/// Removes whole decoder blocks from a checkpoint and writes a Hugging Face folder.
///
/// The kept blocks are renumbered in order, `num_hidden_layers` (under `text_config` for LLaVA) is
/// updated and per-layer config lists are cut to match; every other tensor (embeddings, final
/// norm, head, vision tower, projector) and every other file in the folder is copied unchanged.
/// Safetensors tensors keep their stored bytes; a GGUF (or AWQ) input is written as f32 safetensors
/// with a config.json built from its metadata. The output appears all at once (written beside it
/// under a temporary name, then renamed); the input is only read.
public enum BlockPruner {
    public struct Summary: Sendable {
        public var originalLayers: Int
        public var keptLayers: Int
        public var dropped: [Int]
        public var tensorsWritten: Int
        public var bytesWritten: Int
        public var shards: Int
    }

    /// Checks `drop` against a decoder of `layers` blocks; returns it sorted.
    public static func validate(drop: [Int], layers: Int) throws -> [Int] {
        guard !drop.isEmpty else { throw CompressError("no blocks to drop") }
        for b in drop where b < 0 || b >= layers {
            throw CompressError("block \(b) is out of range (the decoder has \(layers) blocks: 0…\(layers - 1))")
        }
        let unique = Set(drop)
        guard unique.count == drop.count else { throw CompressError("a block is listed twice in \(drop)") }
        guard unique.count < layers else { throw CompressError("dropping all \(layers) blocks would leave no decoder") }
        return unique.sorted()
    }

    /// Prunes the checkpoint at `input` (folder or GGUF) into the new folder `output`.
    /// - Parameter shardBytes: the most bytes per safetensors shard (one `model.safetensors` when all fit).
    @discardableResult
    public static func prune(input: String, drop: [Int], output: String, shardBytes: Int = 4 << 30) throws -> Summary {
        let checkpoint = try Checkpoint.open(input)
        let layers = checkpoint.config.text.numHiddenLayers
        let dropped = try validate(drop: drop, layers: layers)
        let fm = FileManager.default
        let outURL = URL(fileURLWithPath: output).standardizedFileURL
        let inURL = URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath()
        if outURL.resolvingSymlinksInPath().path == inURL.path { throw CompressError("the output must not be the input") }
        if fm.fileExists(atPath: outURL.path) {
            let contents = (try? fm.contentsOfDirectory(atPath: outURL.path)) ?? ["?"]
            guard contents.isEmpty else { throw CompressError("\(output) already exists and is not empty") }
            try fm.removeItem(at: outURL)
        }
        var newIndex = [Int: Int]()
        for old in 0..<layers where !dropped.contains(old) { newIndex[old] = newIndex.count }
        let source = checkpoint.weights
        let body = checkpoint.config.llava != nil ? LlavaTensorNames.detect(in: source).text.body : LlamaTensorNames.detect(in: source).body
        let layerPrefix = body + "layers."

        // Plan: (new name, old name) for every kept tensor, in the source's order.
        var plan: [(String, String)] = []
        for name in source.tensorNames {
            guard name.hasPrefix(layerPrefix) else { plan.append((name, name)); continue }
            let rest = name.dropFirst(layerPrefix.count)
            guard let dot = rest.firstIndex(of: "."), let old = Int(rest[..<dot]) else { plan.append((name, name)); continue }
            guard let new = newIndex[old] else { continue }
            plan.append((layerPrefix + "\(new)" + rest[dot...], name))
        }

        let temp = outURL.deletingLastPathComponent().appendingPathComponent(".\(outURL.lastPathComponent).tmp-\(getpid())")
        try? fm.removeItem(at: temp)
        try fm.createDirectory(at: temp, withIntermediateDirectories: true)
        do {
            let folder = source as? SafetensorsFolder
            let file = source as? SafetensorsFile
            func entry(_ old: String) throws -> (SafetensorsDType, [Int], Int, () throws -> [UInt8]) {
                if let folder, let (f, t) = folder.locate(old) {
                    return (t.dtype, t.shape, t.byteCount, { Array(f.rawBytes(t)) })
                }
                if let file, let t = file.tensor(old) {
                    return (t.dtype, t.shape, t.byteCount, { Array(file.rawBytes(t)) })
                }
                guard let info = source.info(old) else { throw CompressError("tensor '\(old)' vanished from \(input)") }
                return (.f32, info.shape, info.elementCount * 4, { try SafetensorsWriter.encode(try source.floats(old), as: .f32, name: old) })
            }
            var shards: [[(String, String)]] = [[]]
            var size = 0
            for item in plan {
                let bytes = try entry(item.1).2
                if size > 0 && size + bytes > shardBytes { shards.append([]); size = 0 }
                shards[shards.count - 1].append(item)
                size += bytes
            }
            var weightMap: [String: String] = [:]
            var total = 0
            for (k, shard) in shards.enumerated() {
                let fileName = shards.count == 1 ? "model.safetensors" : String(format: "model-%05d-of-%05d.safetensors", k + 1, shards.count)
                var writer = SafetensorsWriter(metadata: ["format": "pt"])
                for (new, old) in shard {
                    let (dtype, shape, bytes, producer) = try entry(old)
                    try writer.add(new, dtype: dtype, shape: shape, producer: producer)
                    weightMap[new] = fileName
                    total += bytes
                }
                try writer.write(to: temp.appendingPathComponent(fileName).path)
            }
            if shards.count > 1 {
                let index: [String: Any] = ["metadata": ["total_size": total], "weight_map": weightMap]
                let data = try JSONSerialization.data(withJSONObject: index, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                try AtomicFile.write(Array(data), to: temp.appendingPathComponent("model.safetensors.index.json").path)
            }
            let config = try prunedConfig(checkpoint: checkpoint, keep: layers - dropped.count, dropped: dropped, layers: layers,
                                          f32: folder == nil && file == nil)
            try AtomicFile.write(Array(config), to: temp.appendingPathComponent("config.json").path)
            if checkpoint.gguf == nil {
                for name in try fm.contentsOfDirectory(atPath: inURL.path) {
                    if name == "config.json" || name.hasSuffix(".safetensors") || name == "model.safetensors.index.json" || name.hasPrefix(".") { continue }
                    var isDir: ObjCBool = false
                    let from = inURL.appendingPathComponent(name)
                    guard fm.fileExists(atPath: from.path, isDirectory: &isDir), !isDir.boolValue else { continue }
                    try fm.copyItem(at: from, to: temp.appendingPathComponent(name))
                }
            }
            try fm.moveItem(at: temp, to: outURL)
            return Summary(originalLayers: layers, keptLayers: layers - dropped.count, dropped: dropped,
                           tensorsWritten: plan.count, bytesWritten: total, shards: shards.count)
        } catch {
            try? fm.removeItem(at: temp)
            throw error
        }
    }

    /// config.json for the pruned model: the input's, edited; or one built from GGUF metadata. Numbers
    /// keep their kind (an int stays an int, a float keeps its fraction: transformers checks types).
    static func prunedConfig(checkpoint: Checkpoint, keep: Int, dropped: [Int], layers: Int, f32: Bool) throws -> Data {
        var root: [String: JSONValue]
        if checkpoint.gguf == nil {
            let url = URL(fileURLWithPath: checkpoint.path).appendingPathComponent("config.json")
            guard let object = try JSONValue.read(contentsOf: url).object else { throw CompressError("\(url.path) is not a JSON object") }
            root = object
        } else {
            root = llamaConfig(checkpoint.config.text)
        }
        func edit(_ dict: inout [String: JSONValue]) {
            dict["num_hidden_layers"] = .int(keep)
            for (key, value) in dict {
                if let list = value.array, list.count == layers {
                    dict[key] = .array(list.enumerated().filter { !dropped.contains($0.offset) }.map(\.element))
                }
            }
        }
        if checkpoint.config.llava != nil {
            var text = root["text_config"]?.object ?? [:]
            edit(&text)
            root["text_config"] = .object(text)
        } else {
            edit(&root)
        }
        if f32 {
            // Weights written as f32 (GGUF or AWQ input): the config no longer describes a quantized file.
            root["torch_dtype"] = .string("float32")
            root["quantization_config"] = nil
        }
        return Data((JSONValue.object(root).prettyPrinted() + "\n").utf8)
    }

    /// A transformers LLaMA config for `c`.
    static func llamaConfig(_ c: ModelConfig.Llama) -> [String: JSONValue] {
        var o: [String: JSONValue] = [
            "architectures": .array([.string("LlamaForCausalLM")]), "model_type": .string("llama"),
            "vocab_size": .int(c.vocabSize), "hidden_size": .int(c.hiddenSize), "intermediate_size": .int(c.intermediateSize),
            "num_hidden_layers": .int(c.numHiddenLayers), "num_attention_heads": .int(c.numAttentionHeads),
            "num_key_value_heads": .int(c.numKeyValueHeads), "head_dim": .int(c.headDim), "rms_norm_eps": .double(c.rmsNormEps),
            "rope_theta": .double(c.ropeTheta), "max_position_embeddings": .int(c.maxPositionEmbeddings),
            "tie_word_embeddings": .bool(c.tieWordEmbeddings), "hidden_act": .string(c.hiddenAct),
            "attention_bias": .bool(c.attentionBias), "mlp_bias": .bool(c.mlpBias), "torch_dtype": .string("float32"),
        ]
        if let b = c.bosTokenId { o["bos_token_id"] = .int(b) }
        if c.eosTokenIds.count == 1 { o["eos_token_id"] = .int(c.eosTokenIds[0]) } else if !c.eosTokenIds.isEmpty { o["eos_token_id"] = .array(c.eosTokenIds.map { .int($0) }) }
        if let p = c.padTokenId { o["pad_token_id"] = .int(p) }
        if let r = c.ropeScaling {
            var s: [String: JSONValue] = ["rope_type": .string(r.type)]
            if let f = r.factor { s["factor"] = .double(f) }
            if let f = r.lowFreqFactor { s["low_freq_factor"] = .double(f) }
            if let f = r.highFreqFactor { s["high_freq_factor"] = .double(f) }
            if let m = r.originalMaxPositionEmbeddings { s["original_max_position_embeddings"] = .int(m) }
            o["rope_scaling"] = .object(s)
        }
        return o
    }
}

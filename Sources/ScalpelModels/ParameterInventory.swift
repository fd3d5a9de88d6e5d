import ScalpelFormats

/// Parameters of a checkpoint counted by part, from tensor headers alone (nothing is loaded):
/// what `scalpel inspect` prints and what memory estimates start from.
public struct ParameterInventory: Sendable {
    /// One group of tensors: a part of the model.
    public struct Part: Sendable, Equatable {
        public var name: String
        public var parameters: Int
        /// Storage types seen in the part, e.g. ["BF16"] or ["Q4_1", "F32"].
        public var dtypes: [String]
    }

    /// Parts in model order: vision tower, projector, embeddings, decoder layers 0…N−1, final norm, head, other.
    public var parts: [Part]

    public var total: Int { parts.reduce(0) { $0 + $1.parameters } }

    /// Counts the tensors of `source` by part. A tied head is reported with zero parameters.
    public init(source: any WeightSource, config: ModelConfig) {
        let names = LlamaTensorNames.detect(in: source)
        var byPart: [String: (count: Int, dtypes: Set<String>)] = [:]
        var order: [String] = ["vision tower", "projector", "embeddings"]
        order += (0..<config.text.numHiddenLayers).map { "layer \($0)" }
        order += ["final norm", "lm head", "other"]
        let layerPrefix = names.body + "layers."
        for tensor in source.tensorNames {
            guard let info = source.info(tensor) else { continue }
            let part: String
            if tensor.contains("vision_tower.") {
                part = "vision tower"
            } else if tensor.contains("multi_modal_projector.") {
                part = "projector"
            } else if tensor == names.embedTokens {
                part = "embeddings"
            } else if tensor == names.finalNorm {
                part = "final norm"
            } else if tensor == names.head {
                part = "lm head"
            } else if tensor.hasPrefix(layerPrefix),
                      let index = Int(tensor.dropFirst(layerPrefix.count).prefix { $0.isNumber }) {
                part = "layer \(index)"
                if !order.contains(part) { order.insert(part, at: order.firstIndex(of: "final norm")!) }
            } else {
                part = "other"
            }
            var entry = byPart[part] ?? (0, [])
            entry.count += info.elementCount
            entry.dtypes.insert(info.dtype)
            byPart[part] = entry
        }
        if byPart["lm head"] == nil && config.text.tieWordEmbeddings {
            byPart["lm head"] = (0, ["tied"])
        }
        parts = order.compactMap { name in
            byPart[name].map { Part(name: name, parameters: $0.count, dtypes: $0.dtypes.sorted()) }
        }
    }

    /// Bytes the weights take with 16-bit storage.
    public var bytesAtFP16: Int { total * 2 }
}

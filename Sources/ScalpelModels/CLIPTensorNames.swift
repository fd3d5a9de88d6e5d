import ScalpelFormats

/// Where a CLIP vision tower's tensors sit in a checkpoint. LLaVA checkpoints hold it under
/// `vision_tower.vision_model.…` as published (transformers 4 wrote them) and under
/// `vision_tower.…` when transformers 5 saves them; transformers ≥ 4.52 holds either behind `model.`
/// in memory, and checkpoints with those names exist too. A bare `CLIPVisionModel` uses
/// `vision_model.…` (transformers 4) or no prefix (transformers 5).
public struct CLIPTensorNames: Sendable, Equatable {
    /// Prefix of every tower tensor (empty, or ending in a dot).
    public var prefix: String

    /// The names under `prefix`.
    public init(prefix: String) { self.prefix = prefix }

    /// LLaVA as published: `vision_tower.vision_model.…`.
    public static let llavaSaved = CLIPTensorNames(prefix: "vision_tower.vision_model.")
    /// LLaVA as transformers 5 saves it: `vision_tower.…`.
    public static let llavaSavedFlat = CLIPTensorNames(prefix: "vision_tower.")
    /// LLaVA in transformers 4.52+'s in-memory names: `model.vision_tower.vision_model.…`.
    public static let llavaInMemory = CLIPTensorNames(prefix: "model.vision_tower.vision_model.")
    /// LLaVA in transformers 5's in-memory names: `model.vision_tower.…`.
    public static let llavaInMemoryFlat = CLIPTensorNames(prefix: "model.vision_tower.")
    /// A bare `CLIPVisionModel` from transformers 4: `vision_model.…`.
    public static let clip = CLIPTensorNames(prefix: "vision_model.")
    /// A bare `CLIPVisionModel` from transformers 5: no prefix.
    public static let clipFlat = CLIPTensorNames(prefix: "")

    /// The patch convolution, `[hidden, channels, patch, patch]`, no bias.
    public var patchEmbedding: String { prefix + "embeddings.patch_embedding.weight" }
    /// The class token's embedding, `[hidden]`.
    public var classEmbedding: String { prefix + "embeddings.class_embedding" }
    /// One row per position (class token first), `[patches + 1, hidden]`.
    public var positionEmbedding: String { prefix + "embeddings.position_embedding.weight" }
    /// The layer norm before the encoder (`pre_layrnorm`, transformers' spelling); `part` is
    /// `weight` or `bias`.
    public func preNorm(_ part: String) -> String { prefix + "pre_layrnorm." + part }
    /// The layer norm after the encoder (`post_layernorm`), unused by LLaVA's features.
    public func postNorm(_ part: String) -> String { prefix + "post_layernorm." + part }
    /// The name of tensor `suffix` (e.g. `self_attn.q_proj.weight`) in encoder layer `index`.
    public func layer(_ index: Int, _ suffix: String) -> String { "\(prefix)encoder.layers.\(index).\(suffix)" }

    /// The layout `source` uses, judged by which prefix its embeddings, `pre_layrnorm` or encoder
    /// layers sit under (so one missing tensor does not hide the layout); LLaVA's published layout
    /// when none matches (loading then names the missing tensor).
    public static func detect(in source: any WeightSource) -> CLIPTensorNames {
        let names = source.tensorNames
        let candidates = [llavaInMemory, llavaInMemoryFlat, llavaSaved, llavaSavedFlat, clip, clipFlat]
        for candidate in candidates {
            let parts = ["embeddings.", "pre_layrnorm.", "encoder.layers."].map { candidate.prefix + $0 }
            if names.contains(where: { name in parts.contains { name.hasPrefix($0) } }) { return candidate }
        }
        return llavaSaved
    }
}

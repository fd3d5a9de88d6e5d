import ScalpelFormats

/// Where a CLIP vision tower's tensors sit in a checkpoint. Three layouts occur: a bare
/// `CLIPVisionModel` (`vision_model.…`), LLaVA as `save_pretrained` writes it
/// (`vision_tower.vision_model.…`), and LLaVA as transformers ≥ 4.52 holds it in memory
/// (`model.vision_tower.vision_model.…`).
public struct CLIPTensorNames: Sendable, Equatable {
    /// Prefix of every tower tensor, ending in `vision_model.`.
    public var prefix: String

    /// The names under `prefix`.
    public init(prefix: String) { self.prefix = prefix }

    public static let clip = CLIPTensorNames(prefix: "vision_model.")
    public static let llavaSaved = CLIPTensorNames(prefix: "vision_tower.vision_model.")
    public static let llavaInMemory = CLIPTensorNames(prefix: "model.vision_tower.vision_model.")

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

    /// The layout `source` uses, judged by where its class embedding is; LLaVA's saved layout when
    /// none matches (loading then names the missing tensor).
    public static func detect(in source: any WeightSource) -> CLIPTensorNames {
        for candidate in [llavaSaved, llavaInMemory, clip] where source.contains(candidate.classEmbedding) {
            return candidate
        }
        return llavaSaved
    }
}

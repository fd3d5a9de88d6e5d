import ScalpelFormats

/// Where a LLaVA checkpoint's three parts sit: the decoder, the CLIP tower and the projector.
/// `save_pretrained` writes `language_model.…`, `vision_tower.…` (`vision_tower.vision_model.…` in
/// published checkpoints), `multi_modal_projector.…`; transformers ≥ 4.52 holds them as
/// `model.language_model.…` (with `lm_head` at the top), `model.vision_tower.…` and
/// `model.multi_modal_projector.…`. See `CLIPTensorNames` for the tower's variants.
public struct LlavaTensorNames: Sendable, Equatable {
    public var text: LlamaTensorNames
    public var vision: CLIPTensorNames
    /// Prefix of the projector's tensors, ending in `multi_modal_projector.`.
    public var projector: String

    public init(text: LlamaTensorNames, vision: CLIPTensorNames, projector: String) {
        self.text = text
        self.vision = vision
        self.projector = projector
    }

    public static let saved = LlavaTensorNames(text: .llavaSaved, vision: .llavaSaved, projector: "multi_modal_projector.")
    public static let inMemory = LlavaTensorNames(text: .llavaInMemory, vision: .llavaInMemory,
                                                  projector: "model.multi_modal_projector.")

    /// The name of the projector's `linear_1` or `linear_2` (`layer` 1 or 2) weight or bias.
    public func projector(_ layer: Int, _ part: String) -> String { "\(projector)linear_\(layer).\(part)" }

    /// The layout of each part of `source`, detected separately (a checkpoint renamed by hand may
    /// mix them); the saved layout where nothing matches.
    public static func detect(in source: any WeightSource) -> LlavaTensorNames {
        var names = LlavaTensorNames(text: LlamaTensorNames.detect(in: source),
                                     vision: CLIPTensorNames.detect(in: source), projector: saved.projector)
        if !source.contains(names.projector(1, "weight")), source.contains(inMemory.projector(1, "weight")) {
            names.projector = inMemory.projector
        }
        return names
    }
}

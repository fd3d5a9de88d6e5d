import Foundation

/// Which parts of a model the quantizer leaves in 16-bit (`--keep-fp16`); the decoder blocks' linears are
/// always quantized. Default: all four parts kept, as the memory estimator assumes.
public struct KeepFP16: Sendable, Equatable, CustomStringConvertible {
    /// A part that can be kept in 16-bit or quantized with the decoder's scheme.
    public enum Part: String, CaseIterable, Sendable {
        /// The token embeddings (`embed_tokens`).
        case embeddings = "embed_tokens"
        /// The output projection (`lm_head`).
        case head = "lm_head"
        /// A LLaVA's CLIP tower: its attention and MLP linears.
        case vision = "vision_tower"
        /// A LLaVA's projector linears.
        case projector

        /// The names `--keep-fp16` accepts for the part (those of `scalpel estimate` included).
        var aliases: [String] {
            switch self {
            case .embeddings: ["embed_tokens", "embeddings", "embed"]
            case .head: ["lm_head", "head", "output"]
            case .vision: ["vision_tower", "vision"]
            case .projector: ["projector", "multi_modal_projector", "mm_projector"]
            }
        }
    }

    public var parts: Set<Part>

    public static let all = KeepFP16(parts: Set(Part.allCases))

    public init(parts: Set<Part>) { self.parts = parts }

    /// Parses a comma-separated list (`embed_tokens,lm_head,vision_tower,projector`; `none` or an empty
    /// list keeps nothing).
    /// - Throws: `QuantError` naming an unknown part and the accepted ones.
    public init(parsing list: String) throws {
        var parts: Set<Part> = []
        for raw in list.split(separator: ",") {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if name.isEmpty || name == "none" { continue }
            guard let part = Part.allCases.first(where: { $0.aliases.contains(name) }) else {
                throw QuantError("--keep-fp16: unknown part '\(name)' (embed_tokens, lm_head, vision_tower, projector, or none)")
            }
            parts.insert(part)
        }
        self.parts = parts
    }

    public func keeps(_ part: Part) -> Bool { parts.contains(part) }

    public var description: String {
        parts.isEmpty ? "none" : Part.allCases.filter(parts.contains).map(\.rawValue).joined(separator: ",")
    }
}

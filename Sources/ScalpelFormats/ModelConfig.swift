import Foundation

/// A model's architecture, read from a Hugging Face `config.json` or from GGUF metadata.
///
/// Both spellings transformers has written are read: the classic keys (`rope_theta`,
/// `rope_scaling`, `torch_dtype`) and the transformers-5 ones (`rope_parameters: {rope_theta,
/// rope_type, ...}`, `dtype`). Where both RoPE spellings appear, transformers 5 lets a non-empty
/// `rope_scaling` replace `rope_parameters`, and so does this reader.
public enum ModelConfig: Sendable, Equatable {
    /// A LLaMA-family decoder (`model_type: "llama"`).
    case llama(Llama)
    /// A LLaVA model: CLIP vision tower, projector and LLaMA decoder (`model_type: "llava"`).
    case llava(Llava)

    /// The decoder's configuration.
    public var text: Llama {
        switch self {
        case .llama(let l): l
        case .llava(let l): l.text
        }
    }

    /// The vision tower's configuration (LLaVA only).
    public var vision: CLIPVision? {
        if case .llava(let l) = self { return l.vision }
        return nil
    }

    /// The LLaVA-specific part (nil for a plain decoder).
    public var llava: Llava? {
        if case .llava(let l) = self { return l }
        return nil
    }

    /// `"llama"` or `"llava"`.
    public var modelType: String {
        switch self {
        case .llama: "llama"
        case .llava: "llava"
        }
    }

    /// Reads a `config.json` file.
    public init(contentsOf url: URL) throws {
        try self.init(json: try JSONValue.read(contentsOf: url), file: url.path)
    }

    /// Reads a parsed `config.json`.
    ///
    /// - Throws: `FormatError` naming the file and the key for a missing required key, a value of
    ///   the wrong type, or an impossible shape.
    public init(json: JSONValue, file: String = "config.json") throws {
        let root = try JSONFields(document: json, file: file)
        guard let modelType = try root.optionalString("model_type") else {
            throw root.missing("model_type")
        }
        switch modelType {
        case "llama", "mistral":
            self = .llama(try Llama(fields: root, requireShape: true))
        case "llava":
            self = .llava(try Llava(fields: root))
        default:
            throw root.error("model_type", "unsupported model type \(modelType.debugDescription) (supported: llama, llava)")
        }
    }
}

import ScalpelFormats

/// Where a LLaMA decoder's tensors sit in a checkpoint. Three layouts occur:
/// a plain LLaMA (`model.layers.N.…`, `lm_head.weight`), LLaVA as `save_pretrained` writes it
/// (`language_model.model.layers.N.…`, `language_model.lm_head.weight`), and LLaVA as
/// transformers ≥ 4.52 holds it in memory (`model.language_model.layers.N.…`, `lm_head.weight`).
public struct LlamaTensorNames: Sendable, Equatable {
    /// Prefix of the decoder body (embeddings, layers, final norm).
    public var body: String
    /// Name of the output projection.
    public var head: String

    public static let llama = LlamaTensorNames(body: "model.", head: "lm_head.weight")
    public static let llavaSaved = LlamaTensorNames(body: "language_model.model.", head: "language_model.lm_head.weight")
    public static let llavaInMemory = LlamaTensorNames(body: "model.language_model.", head: "lm_head.weight")

    public var embedTokens: String { body + "embed_tokens.weight" }
    public var finalNorm: String { body + "norm.weight" }
    /// The name of tensor `suffix` (e.g. `self_attn.q_proj.weight`) in decoder layer `index`.
    public func layer(_ index: Int, _ suffix: String) -> String { "\(body)layers.\(index).\(suffix)" }

    /// The layout `source` uses, judged by where its token embedding is.
    public static func detect(in source: any WeightSource) -> LlamaTensorNames {
        for candidate in [llama, llavaSaved, llavaInMemory] where source.contains(candidate.embedTokens) {
            return candidate
        }
        return llama
    }
}

extension WeightSource {
    /// The f32 values of `name`, checked to have `shape`; the error names the tensor, both shapes and
    /// what the expectation came from.
    func floats(_ name: String, shape: [Int], from origin: String) throws -> [Float] {
        guard let info = info(name) else {
            throw FormatError(file: path, "no tensor named '\(name)' (expected by \(origin))")
        }
        guard info.shape == shape else {
            throw FormatError(file: path, "tensor '\(name)' has shape \(info.shape) but \(origin) implies \(shape)")
        }
        let values = try floats(name)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw FormatError(file: path, "tensor '\(name)' holds a non-finite value (\(values[bad])) at element \(bad)")
        }
        return values
    }
}

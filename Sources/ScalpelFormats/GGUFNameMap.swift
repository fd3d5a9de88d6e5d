/// llama.cpp tensor names ↔ Hugging Face LLaMA names, and llama.cpp's Q/K row permutation.
public enum GGUFNameMap {
    private static let blockParts: [(gguf: String, hf: String)] = [
        ("attn_q", "self_attn.q_proj"),
        ("attn_k", "self_attn.k_proj"),
        ("attn_v", "self_attn.v_proj"),
        ("attn_output", "self_attn.o_proj"),
        ("ffn_gate", "mlp.gate_proj"),
        ("ffn_up", "mlp.up_proj"),
        ("ffn_down", "mlp.down_proj"),
        ("attn_norm", "input_layernorm"),
        ("ffn_norm", "post_attention_layernorm"),
    ]
    private static let globals: [(gguf: String, hf: String)] = [
        ("token_embd", "model.embed_tokens"),
        ("output_norm", "model.norm"),
        ("output", "lm_head"),
    ]

    /// Splits "stem.weight" / "stem.bias" into stem and suffix.
    private static func split(_ name: String) -> (stem: Substring, suffix: Substring)? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let suffix = name[name.index(after: dot)...]
        guard suffix == "weight" || suffix == "bias" else { return nil }
        return (name[..<dot], suffix)
    }

    /// The Hugging Face name for a llama.cpp name (`blk.3.attn_q.weight` →
    /// `model.layers.3.self_attn.q_proj.weight`), or nil when the name is not a LLaMA tensor.
    public static func huggingFaceName(forGGUF name: String) -> String? {
        guard let (stem, suffix) = split(name) else { return nil }
        if let g = globals.first(where: { $0.gguf == stem }) { return "\(g.hf).\(suffix)" }
        let parts = stem.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "blk", let layer = Int(parts[1]), layer >= 0, String(layer) == parts[1],
              let p = blockParts.first(where: { $0.gguf == parts[2] })
        else { return nil }
        return "model.layers.\(layer).\(p.hf).\(suffix)"
    }

    /// The llama.cpp name for a Hugging Face LLaMA name, or nil when there is none.
    public static func ggufName(forHuggingFace name: String) -> String? {
        guard let (stem, suffix) = split(name) else { return nil }
        if let g = globals.first(where: { $0.hf == stem }) { return "\(g.gguf).\(suffix)" }
        guard stem.hasPrefix("model.layers.") else { return nil }
        let rest = stem.dropFirst("model.layers.".count)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]), layer >= 0,
              String(layer) == rest[..<dot],
              let p = blockParts.first(where: { $0.hf == rest[rest.index(after: dot)...] })
        else { return nil }
        return "blk.\(layer).\(p.gguf).\(suffix)"
    }

    /// Which of Q and K a llama.cpp name is, with its layer, for undoing the permutation.
    public enum RopeRole: Sendable, Equatable { case query(layer: Int), key(layer: Int) }

    /// `.query` for `blk.N.attn_q.*`, `.key` for `blk.N.attn_k.*`, nil otherwise.
    public static func ropeRole(ofGGUF name: String) -> RopeRole? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "blk", let layer = Int(parts[1]), parts[3] == "weight" || parts[3] == "bias"
        else { return nil }
        switch parts[2] {
        case "attn_q": return .query(layer: layer)
        case "attn_k": return .key(layer: layer)
        default: return nil
        }
    }

    /// llama.cpp's converter permutation of Q/K rows, on row-major [rows, cols] data:
    /// `w.reshape(heads, 2, rows/heads/2, cols).swapaxes(1, 2).reshape(rows, cols)`.
    /// Row `h·d + t·d/2 + i` moves to row `h·d + 2i + t` (d = rows/heads). Nil when rows is not a multiple
    /// of 2·heads or the data is not rows × cols.
    public static func permuteRows(_ w: [Float], rows: Int, cols: Int, heads: Int) -> [Float]? {
        reorder(w, rows: rows, cols: cols, heads: heads, inverse: false)
    }

    /// The exact inverse of `permuteRows`: row `h·d + 2i + t` moves back to row `h·d + t·d/2 + i`
    /// (in numpy: `w.reshape(heads, d/2, 2, cols).swapaxes(1, 2).reshape(rows, cols)`).
    public static func unpermuteRows(_ w: [Float], rows: Int, cols: Int, heads: Int) -> [Float]? {
        reorder(w, rows: rows, cols: cols, heads: heads, inverse: true)
    }

    private static func reorder(_ w: [Float], rows: Int, cols: Int, heads: Int, inverse: Bool) -> [Float]? {
        guard heads > 0, rows >= 0, cols >= 0, rows % (2 * heads) == 0,
              let n = ByteReader.multiply(rows, cols), n == w.count
        else { return nil }
        if n == 0 { return w }
        let d = rows / heads, half = d / 2
        var out = [Float](repeating: 0, count: n)
        w.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for h in 0..<heads {
                    for t in 0..<2 {
                        for i in 0..<half {
                            let hf = h * d + t * half + i     // Hugging Face row
                            let gg = h * d + 2 * i + t        // llama.cpp row
                            let (from, to) = inverse ? (gg, hf) : (hf, gg)
                            for c in 0..<cols { dst[to * cols + c] = src[from * cols + c] }
                        }
                    }
                }
            }
        }
        return out
    }
}

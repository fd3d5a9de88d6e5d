import ScalpelTensor

/// The packed low-bit forms of a decoder block's seven linears (nil where a linear stays f32).
///
/// A block whose `LlamaBlockWeights.packed` holds one runs that linear with `PackedLinear` (fused GEMV
/// when decoding, dequantized panels and sgemm for a prompt) instead of the f32 weight, whose buffer is
/// then empty. Such a block runs forward only.
public final class PackedBlockLinears: @unchecked Sendable {
    public var q, k, v, o: PackedWeight?
    public var gate, up, down: PackedWeight?

    public init() {}

    /// The packed linear named by its module suffix (`self_attn.q_proj`, … as `LlamaBlockAdapters.moduleSuffixes`).
    public subscript(suffix: String) -> PackedWeight? {
        get {
            switch suffix {
            case "self_attn.q_proj": q
            case "self_attn.k_proj": k
            case "self_attn.v_proj": v
            case "self_attn.o_proj": o
            case "mlp.gate_proj": gate
            case "mlp.up_proj": up
            case "mlp.down_proj": down
            default: nil
            }
        }
        set {
            switch suffix {
            case "self_attn.q_proj": q = newValue
            case "self_attn.k_proj": k = newValue
            case "self_attn.v_proj": v = newValue
            case "self_attn.o_proj": o = newValue
            case "mlp.gate_proj": gate = newValue
            case "mlp.up_proj": up = newValue
            case "mlp.down_proj": down = newValue
            default: break
            }
        }
    }

    /// The packed weights present.
    public var all: [PackedWeight] { [q, k, v, o, gate, up, down].compactMap { $0 } }
    /// Weights held packed.
    public var parameterCount: Int { all.reduce(0) { $0 + $1.rows * $1.cols } }
    /// Bytes of codes, scales and zero points.
    public var byteCount: Int { all.reduce(0) { $0 + $1.byteCount } }
}

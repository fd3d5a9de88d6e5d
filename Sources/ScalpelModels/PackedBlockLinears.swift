import ScalpelTensor

/// The packed low-bit forms of a decoder block's seven linears (nil where a linear stays f32).
///
/// A block whose `LlamaBlockWeights.packed` holds one runs that linear with `PackedLinear` (fused GEMV
/// when decoding, dequantized panels and sgemm for a prompt) instead of the f32 weight, whose buffer is
/// then empty. Such a block runs forward only.
public final class PackedBlockLinears: BlockLinearSlots, @unchecked Sendable {
    public var q, k, v, o: PackedWeight?
    public var gate, up, down: PackedWeight?

    public init() {}

    /// The packed weights present.
    public var all: [PackedWeight] { [q, k, v, o, gate, up, down].compactMap { $0 } }
    /// Weights held packed.
    public var parameterCount: Int { all.reduce(0) { $0 + $1.rows * $1.cols } }
    /// Bytes of codes, scales and zero points.
    public var byteCount: Int { all.reduce(0) { $0 + $1.byteCount } }
}

/// A trainable addition to one of a decoder block's linear layers, `y = W·x (+ b) + Δ(x)` — LoRA's
/// `Δ(x) = B·A·drop(x)·scale` is the one Scalpel ships (in ScalpelTrain).
///
/// The block keeps calling its plain `Linear` kernels for the frozen base weights and asks an adapter,
/// when one is attached, to add its term right after (forward) and to add its share of `∂L/∂x` right
/// after the base's (backward). The block never learns what the adapter is, so its code, its saved
/// activations and its finite-difference checks stay as they are; an adapter keeps its own parameters
/// and gradients. `backward` receives the same `x` that `forward` saw (the block has it saved), so an
/// adapter needs no activation storage of its own and works unchanged with per-block recomputation.
public protocol LinearAdapter: AnyObject {
    /// Accumulates `out[n, outFeatures] += Δ(x[n, inFeatures])`.
    func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, n: Int)
    /// Accumulates `dX[n, inFeatures] += ∂L/∂x` through `Δ` and the adapter's own parameter
    /// gradients, given `dOut[n, outFeatures]` and the `x` that `forward` saw.
    func backward(dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, n: Int)
}

/// The adapters attached to one decoder block's seven linear layers (nil: none on that layer).
public struct LlamaBlockAdapters: BlockLinearSlots {
    public var q, k, v, o: (any LinearAdapter)?
    public var gate, up, down: (any LinearAdapter)?

    public init() {}

    /// The module suffixes (as in Hugging Face names, `self_attn.q_proj`, …) of the block's linears.
    public static let moduleSuffixes = [
        "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
        "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
    ]

    /// Whether no layer has an adapter.
    public var isEmpty: Bool { Self.moduleSuffixes.allSatisfy { self[$0] == nil } }
}

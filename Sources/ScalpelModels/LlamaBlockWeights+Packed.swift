import ScalpelFormats
import ScalpelTensor

extension LlamaBlockWeights {
    /// One of the block's seven linears.
    public enum LinearRole: Sendable, CaseIterable {
        case q, k, v, o, gate, up, down

        /// The Hugging Face module suffix (`self_attn.q_proj`, …).
        public var suffix: String {
            switch self {
            case .q: "self_attn.q_proj"
            case .k: "self_attn.k_proj"
            case .v: "self_attn.v_proj"
            case .o: "self_attn.o_proj"
            case .gate: "mlp.gate_proj"
            case .up: "mlp.up_proj"
            case .down: "mlp.down_proj"
            }
        }
    }

    /// The f32 weight, bias and packed weight of `role`.
    @inline(__always)
    func parts(_ role: LinearRole) -> (weight: FloatBuffer, bias: FloatBuffer?, packed: PackedWeight?) {
        switch role {
        case .q: (q, qBias, packed?.q)
        case .k: (k, kBias, packed?.k)
        case .v: (v, vBias, packed?.v)
        case .o: (o, oBias, packed?.o)
        case .gate: (gate, gateBias, packed?.gate)
        case .up: (up, upBias, packed?.up)
        case .down: (down, downBias, packed?.down)
        }
    }

    /// `out[n, outFeatures] = x · Wᵀ + b` for the linear `role` (with `accumulate`, added to `out`: the
    /// bias first, then the product, as the residual projections do), through its packed weight when it
    /// has one and its f32 weight otherwise.
    @inline(__always)
    func forwardLinear(_ role: LinearRole, out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, n: Int,
                       inFeatures: Int, outFeatures: Int, accumulate: Bool = false) {
        let (weight, bias, packedWeight) = parts(role)
        if let packedWeight {
            PackedLinear.forward(out: out, x: x, weight: packedWeight, bias: bias?.readPointer, n: n, accumulate: accumulate)
        } else if accumulate {
            if let bias {
                for r in 0..<n { for j in 0..<outFeatures { out[r * outFeatures + j] += bias.pointer[j] } }
            }
            Matmul.forward(out: out, a: x, b: weight.pointer, m: n, n: outFeatures, k: inFeatures, transB: true, accumulate: true)
        } else {
            Linear.forward(out: out, x: x, weight: weight.pointer, bias: bias?.readPointer, n: n,
                           inFeatures: inFeatures, outFeatures: outFeatures)
        }
    }
}

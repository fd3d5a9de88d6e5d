/// The LLaMA MLP: `out = down(silu(gate(x)) ⊙ up(x))`, three bias-free linears.
///
/// Layouts: `x[N, D]`, `wGate[F, D]`, `wUp[F, D]`, `wDown[D, F]`, `out[N, D]`; saved for backward
/// `gate[N, F]` and `up[N, F]` (pre-activation projections) and `hidden[N, F] = silu(gate) ⊙ up`.
public enum SwiGLUMLP {
    /// `gate = x·wGateᵀ`, `up = x·wUpᵀ`, `hidden = silu(gate) ⊙ up`, `out = hidden·wDownᵀ`.
    @inlinable
    public static func forward<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, gate: UnsafeMutablePointer<T>, up: UnsafeMutablePointer<T>,
        hidden: UnsafeMutablePointer<T>, x: UnsafePointer<T>,
        wGate: UnsafePointer<T>, wUp: UnsafePointer<T>, wDown: UnsafePointer<T>,
        n: Int, dim: Int, hiddenDim: Int
    ) {
        Linear.forward(out: gate, x: x, weight: wGate, bias: nil, n: n, inFeatures: dim, outFeatures: hiddenDim)
        Linear.forward(out: up, x: x, weight: wUp, bias: nil, n: n, inFeatures: dim, outFeatures: hiddenDim)
        SwiGLU.forward(out: hidden, gate: gate, up: up, count: n * hiddenDim)
        Linear.forward(out: out, x: hidden, weight: wDown, bias: nil, n: n, inFeatures: hiddenDim, outFeatures: dim)
    }

    /// Accumulates `dX` and the weight gradients (nil skips one). Uses two `[N, F]` scratch
    /// buffers, allocated for the call.
    @inlinable
    public static func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>?, dWGate: UnsafeMutablePointer<T>?, dWUp: UnsafeMutablePointer<T>?,
        dWDown: UnsafeMutablePointer<T>?, dOut: UnsafePointer<T>, x: UnsafePointer<T>,
        wGate: UnsafePointer<T>, wUp: UnsafePointer<T>, wDown: UnsafePointer<T>,
        gate: UnsafePointer<T>, up: UnsafePointer<T>, hidden: UnsafePointer<T>,
        n: Int, dim: Int, hiddenDim: Int
    ) {
        let count = n * hiddenDim
        let dHidden = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
        let dBranch = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
        defer {
            dHidden.deallocate()
            dBranch.deallocate()
        }
        dHidden.initialize(repeating: 0, count: count)
        Linear.backward(dX: dHidden, dWeight: dWDown, dBias: nil, dOut: dOut, x: hidden, weight: wDown,
                        n: n, inFeatures: hiddenDim, outFeatures: dim)
        // gate branch
        dBranch.initialize(repeating: 0, count: count)
        SwiGLU.backward(dGate: dBranch, dUp: nil, dOut: dHidden, gate: gate, up: up, count: count)
        Linear.backward(dX: dX, dWeight: dWGate, dBias: nil, dOut: dBranch, x: x, weight: wGate,
                        n: n, inFeatures: dim, outFeatures: hiddenDim)
        // up branch
        dBranch.update(repeating: 0, count: count)
        SwiGLU.backward(dGate: nil, dUp: dBranch, dOut: dHidden, gate: gate, up: up, count: count)
        Linear.backward(dX: dX, dWeight: dWUp, dBias: nil, dOut: dBranch, x: x, weight: wUp,
                        n: n, inFeatures: dim, outFeatures: hiddenDim)
    }
}

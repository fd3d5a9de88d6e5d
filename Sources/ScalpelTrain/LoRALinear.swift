import ScalpelModels

/// A LoRA adapter on one frozen linear layer `W[out, in]`: `y = W·x + B·A·drop(x)·scale`.
///
/// `A[r, in]` starts as PEFT's `kaiming_uniform_(a=√5)` (uniform in `±1/√in`), `B[out, r]` at zero,
/// so the adapted model starts equal to the base. Gradients accumulate into `gradA` and `gradB`.
/// Dropout (inverted, as `nn.Dropout`) draws its mask from `(dropoutKey, element index)` with a
/// stateless hash, so backward regenerates the very mask forward used and nothing is stored; set
/// `dropoutKey` once per forward pass over the model and `training` false for evaluation.
public final class LoRALinear: LinearAdapter, @unchecked Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let rank: Int
    public let scale: Float
    public let dropout: Float
    public let a: FloatBuffer
    public let b: FloatBuffer
    public let gradA: FloatBuffer
    public let gradB: FloatBuffer
    /// Dropout on: masks the input. Off: the adapter is deterministic.
    public var training = true
    /// Names the dropout stream; the trainer mixes seed, micro-step and module into it.
    public var dropoutKey: UInt64 = 0

    public init(inFeatures: Int, outFeatures: Int, rank: Int, scale: Float, dropout: Float = 0,
                rng: inout SeededRandom) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.rank = rank
        self.scale = scale
        self.dropout = dropout
        a = FloatBuffer(count: rank * inFeatures)
        b = FloatBuffer(count: outFeatures * rank)
        gradA = FloatBuffer(count: rank * inFeatures)
        gradB = FloatBuffer(count: outFeatures * rank)
        // kaiming_uniform_(a=√5): gain √(2/(1+5)), bound = gain·√(3/fan_in) = 1/√fan_in.
        let bound = 1 / Float(inFeatures).squareRoot()
        for i in 0..<a.count { a.pointer[i] = rng.nextFloat(in: -bound, bound) }
    }

    private var dropping: Bool { training && dropout > 0 }

    /// `drop(x)` into `u` (only called when dropping).
    private func dropInput(_ x: UnsafePointer<Float>, n: Int, into u: UnsafeMutablePointer<Float>) {
        let keep = 1 - dropout, inv = 1 / keep
        for i in 0..<(n * inFeatures) {
            u[i] = SeededRandom.unitFloat(key: dropoutKey, index: UInt64(i)) < keep ? x[i] * inv : 0
        }
    }

    /// `t[n, r] = drop(x)·Aᵀ·scale`; `u` receives `drop(x)` when dropping.
    private func project(_ x: UnsafePointer<Float>, n: Int, t: UnsafeMutablePointer<Float>, u: FloatBuffer?) -> UnsafePointer<Float> {
        var input = x
        if let u {
            dropInput(x, n: n, into: u.pointer)
            input = u.readPointer
        }
        Float.gemm(transA: false, transB: true, m: n, n: rank, k: inFeatures, alpha: scale,
                   a: input, lda: inFeatures, b: a.pointer, ldb: inFeatures, beta: 0, c: t, ldc: rank)
        return input
    }

    public func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, n: Int) {
        guard n > 0 else { return }
        let t = FloatBuffer(count: n * rank)
        _ = project(x, n: n, t: t.pointer, u: dropping ? FloatBuffer(count: n * inFeatures) : nil)
        // out += t·Bᵀ
        Float.gemm(transA: false, transB: true, m: n, n: outFeatures, k: rank, alpha: 1,
                   a: t.pointer, lda: rank, b: b.pointer, ldb: rank, beta: 1, c: out, ldc: outFeatures)
    }

    /// With `u = drop(x)`, `t = u·Aᵀ·s`: `dB += dOutᵀ·t`, `dt = dOut·B`, `dA += s·dtᵀ·u`,
    /// `dX += mask ⊙ (s·dt·A)`.
    public func backward(dX: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, n: Int) {
        guard n > 0 else { return }
        let t = FloatBuffer(count: n * rank)
        let u = dropping ? FloatBuffer(count: n * inFeatures) : nil
        let input = project(x, n: n, t: t.pointer, u: u)
        Float.gemm(transA: true, transB: false, m: outFeatures, n: rank, k: n, alpha: 1,
                   a: dOut, lda: outFeatures, b: t.pointer, ldb: rank, beta: 1, c: gradB.pointer, ldc: rank)
        let dt = t  // reuse: dt[n, r] = dOut·B
        Float.gemm(transA: false, transB: false, m: n, n: rank, k: outFeatures, alpha: 1,
                   a: dOut, lda: outFeatures, b: b.pointer, ldb: rank, beta: 0, c: dt.pointer, ldc: rank)
        Float.gemm(transA: true, transB: false, m: rank, n: inFeatures, k: n, alpha: scale,
                   a: dt.pointer, lda: rank, b: input, ldb: inFeatures, beta: 1, c: gradA.pointer, ldc: inFeatures)
        if let u {
            // du = s·dt·A, then through the mask: dX += du where kept, scaled by 1/keep.
            Float.gemm(transA: false, transB: false, m: n, n: inFeatures, k: rank, alpha: scale,
                       a: dt.pointer, lda: rank, b: a.pointer, ldb: inFeatures, beta: 0, c: u.pointer, ldc: inFeatures)
            let keep = 1 - dropout, inv = 1 / keep
            for i in 0..<(n * inFeatures)
            where SeededRandom.unitFloat(key: dropoutKey, index: UInt64(i)) < keep {
                dX[i] += u.pointer[i] * inv
            }
        } else {
            Float.gemm(transA: false, transB: false, m: n, n: inFeatures, k: rank, alpha: scale,
                       a: dt.pointer, lda: rank, b: a.pointer, ldb: inFeatures, beta: 1, c: dX, ldc: inFeatures)
        }
    }

    /// Adds `scale·B·A` to `weight[out, in]` (merging the adapter into the base).
    public func merge(into weight: UnsafeMutablePointer<Float>) {
        Float.gemm(transA: false, transB: false, m: outFeatures, n: inFeatures, k: rank, alpha: scale,
                   a: b.pointer, lda: rank, b: a.pointer, ldb: inFeatures, beta: 1, c: weight, ldc: inFeatures)
    }
}

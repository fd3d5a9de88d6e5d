import ScalpelTensor

/// One op under gradient check: its differentiable inputs, a forward over them and a backward that
/// accumulates the gradients of `Σ out ⊙ dOut` into `grads` (one array per input, pre-sized).
/// Integer inputs (ids, targets, positions) and sizes are captured by the closures.
struct GradCase<T: KernelScalar> {
    var name: String
    var inputNames: [String]
    var inputs: [[T]]
    var forward: ([[T]]) -> [T]
    var backward: (_ inputs: [[T]], _ dOut: [T], _ grads: inout [[T]]) -> Void
}

/// The table of every op with a backward, in small sizes, built the same way for Float and Double
/// (the same seeds give the same values, rounded to `T`).
enum GradCases {
    static let names: [String] = all(Double.self).map(\.name)

    static func named<T: KernelScalar>(_ name: String, _ type: T.Type) -> GradCase<T> {
        all(type).first { $0.name == name }!
    }

    static func all<T: KernelScalar>(_ type: T.Type) -> [GradCase<T>] {
        var cases: [GradCase<T>] = []
        for (tA, tB) in [(false, false), (false, true), (true, false), (true, true)] {
            cases.append(matmul(tA, tB))
        }
        cases += [
            linear(bias: true), linear(bias: false), embedding(), rmsNorm(), layerNorm(bias: true),
            layerNorm(bias: false), rope(name: "rope", positions: [0, 1, 5, 9], scaling: 1),
            rope(name: "rope scaled", positions: [3, 3, 7, 100], scaling: 0.8),
            attention(name: "attention MHA", batch: 2, seqLen: 3, heads: 2, kvHeads: 2, headDim: 4),
            attention(name: "attention GQA", batch: 2, seqLen: 4, heads: 4, kvHeads: 2, headDim: 3),
            attention(name: "attention GQA padded", batch: 2, seqLen: 4, heads: 4, kvHeads: 1, headDim: 3,
                      mask: [1, 1, 1, 1, 0, 0, 1, 1]),
            attention(name: "attention KV cache", batch: 2, seqLen: 2, heads: 2, kvHeads: 1, headDim: 4,
                      past: 3, capacity: 6, mask: [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1]),
            attention(name: "attention bidirectional", batch: 2, seqLen: 3, heads: 2, kvHeads: 2, headDim: 3,
                      mask: [1, 1, 0, 1, 1, 1], causal: false),
            // Longer than one 64-row query tile, after a cached prefix: the causal products stop
            // at each tile's last visible key.
            attention(name: "attention causal tiles", batch: 1, seqLen: 70, heads: 2, kvHeads: 1, headDim: 2,
                      past: 3),
            softmax(),
            elementwise("silu", SiLU.self), elementwise("gelu tanh", GELUTanh.self),
            elementwise("gelu erf", GELUErf.self), elementwise("quick gelu", QuickGELU.self),
            swiglu(), swigluMLP(), residual(),
            crossEntropy(name: "cross-entropy", targets: [3, -100, 0, 6, -100], ignoreIndex: -100),
            crossEntropy(name: "cross-entropy ignore 2", targets: [2, 1, 2, 0], ignoreIndex: 2),
        ]
        return cases
    }

    static func seed(_ name: String) -> UInt64 {
        name.utf8.reduce(1469598103934665603) { ($0 ^ UInt64($1)) &* 1099511628211 }
    }

    static func matmul<T: KernelScalar>(_ tA: Bool, _ tB: Bool) -> GradCase<T> {
        let (m, n, k) = (3, 4, 5)
        let name = "matmul \(tA ? "T" : "N")\(tB ? "T" : "N")"
        var rng = SplitMix(seed: seed(name))
        return GradCase(
            name: name, inputNames: ["a", "b"], inputs: [rng.array(m * k), rng.array(k * n)],
            forward: { ins in
                let b = Buffers(ins)
                return output(m * n) { Matmul.forward(out: $0, a: b[0], b: b[1], m: m, n: n, k: k, transA: tA, transB: tB) }
            },
            backward: { ins, dOut, grads in
                let b = Buffers(ins), g = Buffers(grads), d = Buffers(dOut)
                Matmul.backward(dA: g[0], dB: g[1], dOut: d[0], a: b[0], b: b[1], m: m, n: n, k: k, transA: tA, transB: tB)
                grads = g.arrays
            })
    }

    static func linear<T: KernelScalar>(bias: Bool) -> GradCase<T> {
        let (n, i, o) = (3, 5, 4)
        let name = bias ? "linear bias" : "linear"
        var rng = SplitMix(seed: seed(name))
        var inputs: [[T]] = [rng.array(n * i), rng.array(o * i)]
        if bias { inputs.append(rng.array(o)) }
        return GradCase(
            name: name, inputNames: bias ? ["x", "weight", "bias"] : ["x", "weight"], inputs: inputs,
            forward: { ins in
                let b = Buffers(ins)
                return output(n * o) {
                    Linear.forward(out: $0, x: b[0], weight: b[1], bias: bias ? UnsafePointer(b[2]) : nil,
                                   n: n, inFeatures: i, outFeatures: o)
                }
            },
            backward: { ins, dOut, grads in
                let b = Buffers(ins), g = Buffers(grads), d = Buffers(dOut)
                Linear.backward(dX: g[0], dWeight: g[1], dBias: bias ? g[2] : nil, dOut: d[0], x: b[0], weight: b[1],
                                n: n, inFeatures: i, outFeatures: o)
                grads = g.arrays
            })
    }

    static func embedding<T: KernelScalar>() -> GradCase<T> {
        let (v, dim) = (6, 4)
        let ids: [Int32] = [2, 0, 2, 5]
        var rng = SplitMix(seed: seed("embedding"))
        return GradCase(
            name: "embedding", inputNames: ["table"], inputs: [rng.array(v * dim)],
            forward: { ins in
                let b = Buffers(ins)
                return output(ids.count * dim) { Embedding.forward(out: $0, ids: ids, table: b[0], n: ids.count, dim: dim) }
            },
            backward: { _, dOut, grads in
                let g = Buffers(grads), d = Buffers(dOut)
                Embedding.backward(dTable: g[0], dOut: d[0], ids: ids, n: ids.count, dim: dim)
                grads = g.arrays
            })
    }

    static func rmsNorm<T: KernelScalar>() -> GradCase<T> {
        let (n, dim) = (3, 6)
        let eps = T(1e-5)
        var rng = SplitMix(seed: seed("rmsnorm"))
        let weight: [T] = (0..<dim).map { _ in T(1 + rng.uniform(0.5)) }
        return GradCase(
            name: "rmsnorm", inputNames: ["x", "weight"], inputs: [rng.array(n * dim), weight],
            forward: { ins in
                let b = Buffers(ins)
                return output(n * dim) { RMSNorm.forward(out: $0, rstd: nil, x: b[0], weight: b[1], n: n, dim: dim, eps: eps) }
            },
            backward: { ins, dOut, grads in
                let b = Buffers(ins), g = Buffers(grads), d = Buffers(dOut)
                let scratch = Buffers([[T](repeating: 0, count: n * dim), [T](repeating: 0, count: n)])
                RMSNorm.forward(out: scratch[0], rstd: scratch[1], x: b[0], weight: b[1], n: n, dim: dim, eps: eps)
                RMSNorm.backward(dX: g[0], dWeight: g[1], dOut: d[0], x: b[0], weight: b[1], rstd: scratch[1], n: n, dim: dim)
                grads = g.arrays
            })
    }

    static func layerNorm<T: KernelScalar>(bias: Bool) -> GradCase<T> {
        let (n, dim) = (3, 5)
        let eps = T(1e-5)
        let name = bias ? "layernorm" : "layernorm no bias"
        var rng = SplitMix(seed: seed(name))
        var inputs: [[T]] = [rng.array(n * dim), (0..<dim).map { _ in T(1 + rng.uniform(0.5)) }]
        if bias { inputs.append(rng.array(dim)) }
        return GradCase(
            name: name, inputNames: bias ? ["x", "weight", "bias"] : ["x", "weight"], inputs: inputs,
            forward: { ins in
                let b = Buffers(ins)
                return output(n * dim) {
                    LayerNorm.forward(out: $0, mean: nil, rstd: nil, x: b[0], weight: b[1],
                                      bias: bias ? UnsafePointer(b[2]) : nil, n: n, dim: dim, eps: eps)
                }
            },
            backward: { ins, dOut, grads in
                let b = Buffers(ins), g = Buffers(grads), d = Buffers(dOut)
                let s = Buffers([[T](repeating: 0, count: n * dim), [T](repeating: 0, count: n), [T](repeating: 0, count: n)])
                LayerNorm.forward(out: s[0], mean: s[1], rstd: s[2], x: b[0], weight: b[1],
                                  bias: bias ? UnsafePointer(b[2]) : nil, n: n, dim: dim, eps: eps)
                LayerNorm.backward(dX: g[0], dWeight: g[1], dBias: bias ? g[2] : nil, dOut: d[0], x: b[0], weight: b[1],
                                   mean: s[1], rstd: s[2], n: n, dim: dim)
                grads = g.arrays
            })
    }

    static func rope<T: KernelScalar>(name: String, positions: [Int32], scaling: T) -> GradCase<T> {
        let (heads, hd) = (2, 6)
        let n = positions.count
        let invFreq = Rope.defaultInvFreq(theta: 10000, headDim: hd).map { T($0) }
        var rng = SplitMix(seed: seed(name))
        return GradCase(
            name: name, inputNames: ["x"], inputs: [rng.array(n * heads * hd)],
            forward: { ins in
                let b = Buffers(ins)
                return output(n * heads * hd) {
                    Rope.forward(out: $0, x: b[0], positions: positions, invFreq: invFreq, n: n, heads: heads,
                                 headDim: hd, attentionScaling: scaling)
                }
            },
            backward: { _, dOut, grads in
                let g = Buffers(grads), d = Buffers(dOut)
                Rope.backward(dX: g[0], dOut: d[0], positions: positions, invFreq: invFreq, n: n, heads: heads,
                              headDim: hd, attentionScaling: scaling)
                grads = g.arrays
            })
    }

    static func attention<T: KernelScalar>(
        name: String, batch: Int, seqLen: Int, heads: Int, kvHeads: Int, headDim: Int,
        past: Int = 0, capacity: Int? = nil, mask: [UInt8]? = nil, causal: Bool = true
    ) -> GradCase<T> {
        let shape = Attention.Shape(batch: batch, seqLen: seqLen, heads: heads, kvHeads: kvHeads, headDim: headDim,
                                    past: past, kvCapacity: capacity, causal: causal)
        let qCount = batch * seqLen * heads * headDim
        let kvCount = batch * shape.kvCapacity * kvHeads * headDim
        var rng = SplitMix(seed: seed(name))
        let inputs: [[T]] = [rng.array(qCount, scale: 1.5), rng.array(kvCount, scale: 1.5), rng.array(kvCount)]
        func run(_ b: Buffers<T>, out: UnsafeMutablePointer<T>, probs: UnsafeMutablePointer<T>) {
            if let mask {
                Attention.forward(out: out, probs: probs, q: b[0], k: b[1], v: b[2], keyMask: mask, shape: shape)
            } else {
                Attention.forward(out: out, probs: probs, q: b[0], k: b[1], v: b[2], keyMask: nil, shape: shape)
            }
        }
        return GradCase(
            name: name, inputNames: ["q", "k", "v"], inputs: inputs,
            forward: { ins in
                let b = Buffers(ins)
                let probs = Buffers([T](repeating: 0, count: shape.probsCount))
                return output(qCount) { run(b, out: $0, probs: probs[0]) }
            },
            backward: { ins, dOut, grads in
                let b = Buffers(ins), g = Buffers(grads), d = Buffers(dOut)
                let s = Buffers([[T](repeating: 0, count: qCount), [T](repeating: 0, count: shape.probsCount)])
                run(b, out: s[0], probs: s[1])
                Attention.backward(dQ: g[0], dK: g[1], dV: g[2], dOut: d[0], probs: s[1], q: b[0], k: b[1], v: b[2],
                                   shape: shape)
                grads = g.arrays
            })
    }

    static func softmax<T: KernelScalar>() -> GradCase<T> {
        let (n, dim) = (3, 5)
        var rng = SplitMix(seed: seed("softmax"))
        return GradCase(
            name: "softmax", inputNames: ["x"], inputs: [rng.array(n * dim, scale: 2)],
            forward: { ins in
                let b = Buffers(ins)
                return output(n * dim) { Softmax.forward(out: $0, x: b[0], n: n, dim: dim) }
            },
            backward: { ins, dOut, grads in
                let b = Buffers(ins), g = Buffers(grads), d = Buffers(dOut)
                let y = Buffers([T](repeating: 0, count: n * dim))
                Softmax.forward(out: y[0], x: b[0], n: n, dim: dim)
                Softmax.backward(dX: g[0], dOut: d[0], out: y[0], n: n, dim: dim)
                grads = g.arrays
            })
    }

    static func elementwise<T: KernelScalar, A: ElementwiseActivation>(_ name: String, _ act: A.Type) -> GradCase<T> {
        let count = 16
        var rng = SplitMix(seed: seed(name))
        return GradCase(
            name: name, inputNames: ["x"], inputs: [rng.array(count, scale: 3)],
            forward: { ins in
                let b = Buffers(ins)
                return output(count) { A.forward(out: $0, x: b[0], count: count) }
            },
            backward: { ins, dOut, grads in
                let b = Buffers(ins), g = Buffers(grads), d = Buffers(dOut)
                A.backward(dX: g[0], dOut: d[0], x: b[0], count: count)
                grads = g.arrays
            })
    }

    static func swiglu<T: KernelScalar>() -> GradCase<T> {
        let count = 12
        var rng = SplitMix(seed: seed("swiglu"))
        return GradCase(
            name: "swiglu", inputNames: ["gate", "up"], inputs: [rng.array(count, scale: 3), rng.array(count, scale: 2)],
            forward: { ins in
                let b = Buffers(ins)
                return output(count) { SwiGLU.forward(out: $0, gate: b[0], up: b[1], count: count) }
            },
            backward: { ins, dOut, grads in
                let b = Buffers(ins), g = Buffers(grads), d = Buffers(dOut)
                SwiGLU.backward(dGate: g[0], dUp: g[1], dOut: d[0], gate: b[0], up: b[1], count: count)
                grads = g.arrays
            })
    }

    static func swigluMLP<T: KernelScalar>() -> GradCase<T> {
        let (n, d, f) = (3, 4, 6)
        var rng = SplitMix(seed: seed("swiglu mlp"))
        let inputs: [[T]] = [rng.array(n * d), rng.array(f * d), rng.array(f * d), rng.array(d * f)]
        return GradCase(
            name: "swiglu mlp", inputNames: ["x", "wGate", "wUp", "wDown"], inputs: inputs,
            forward: { ins in
                let b = Buffers(ins)
                let s = Buffers([T](repeating: 0, count: 3 * n * f))
                return output(n * d) {
                    SwiGLUMLP.forward(out: $0, gate: s[0], up: s[0] + n * f, hidden: s[0] + 2 * n * f, x: b[0],
                                      wGate: b[1], wUp: b[2], wDown: b[3], n: n, dim: d, hiddenDim: f)
                }
            },
            backward: { ins, dOut, grads in
                let b = Buffers(ins), g = Buffers(grads), dd = Buffers(dOut)
                let s = Buffers([[T](repeating: 0, count: n * d), [T](repeating: 0, count: 3 * n * f)])
                let gate = s[1], up = s[1] + n * f, hidden = s[1] + 2 * n * f
                SwiGLUMLP.forward(out: s[0], gate: gate, up: up, hidden: hidden, x: b[0],
                                  wGate: b[1], wUp: b[2], wDown: b[3], n: n, dim: d, hiddenDim: f)
                SwiGLUMLP.backward(dX: g[0], dWGate: g[1], dWUp: g[2], dWDown: g[3], dOut: dd[0], x: b[0],
                                   wGate: b[1], wUp: b[2], wDown: b[3], gate: gate, up: up, hidden: hidden,
                                   n: n, dim: d, hiddenDim: f)
                grads = g.arrays
            })
    }

    static func residual<T: KernelScalar>() -> GradCase<T> {
        let count = 10
        var rng = SplitMix(seed: seed("residual"))
        return GradCase(
            name: "residual", inputNames: ["a", "b"], inputs: [rng.array(count), rng.array(count)],
            forward: { ins in
                let b = Buffers(ins)
                return output(count) { Residual.forward(out: $0, a: b[0], b: b[1], count: count) }
            },
            backward: { _, dOut, grads in
                let g = Buffers(grads), d = Buffers(dOut)
                Residual.backward(dA: g[0], dB: g[1], dOut: d[0], count: count)
                grads = g.arrays
            })
    }

    static func crossEntropy<T: KernelScalar>(name: String, targets: [Int32], ignoreIndex: Int32) -> GradCase<T> {
        let (n, v) = (targets.count, 7)
        var rng = SplitMix(seed: seed(name))
        return GradCase(
            name: name, inputNames: ["logits"], inputs: [rng.array(n * v, scale: 2)],
            forward: { ins in
                let b = Buffers(ins)
                return [CrossEntropy.forward(logits: b[0], targets: targets, n: n, vocab: v, ignoreIndex: ignoreIndex).loss]
            },
            backward: { ins, dOut, grads in
                let b = Buffers(ins), g = Buffers(grads)
                let count = CrossEntropy.forward(logits: b[0], targets: targets, n: n, vocab: v, ignoreIndex: ignoreIndex).count
                CrossEntropy.backward(dLogits: g[0], logits: b[0], targets: targets, n: n, vocab: v, count: count,
                                      ignoreIndex: ignoreIndex, dLoss: dOut[0])
                grads = g.arrays
            })
    }
}

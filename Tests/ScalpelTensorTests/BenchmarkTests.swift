import Foundation
import Testing
import ScalpelTensor

/// Throughput against raw sgemm. Off by default (timings need a release build and a quiet
/// machine): `SCALPEL_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter Benchmark`.
@Suite("Benchmark", .serialized, .enabled(if: ProcessInfo.processInfo.environment["SCALPEL_BENCH"] != nil))
struct BenchmarkTests {
    /// Best wall time of `body` over `repeats` runs after one warm-up, in seconds.
    static func best(_ repeats: Int = 7, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        return best
    }

    static func buffer(_ count: Int, seed: UInt64, scale: Double = 0.05) -> UnsafeMutablePointer<Float> {
        var rng = SplitMix(seed: seed)
        let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
        for i in 0..<count { p[i] = Float(rng.uniform(scale)) }
        return p
    }

    @Test("linear 256×576→1536 reaches 90% of raw sgemm")
    func linear() {
        let (n, i, o) = (256, 576, 1536)
        let x = Self.buffer(n * i, seed: 1), w = Self.buffer(o * i, seed: 2), b = Self.buffer(o, seed: 3)
        let out = Self.buffer(n * o, seed: 4)
        defer { [x, w, b, out].forEach { $0.deallocate() } }
        // Interleaved rounds, best of each, so that load from elsewhere hits all three alike.
        var (raw, lin, linBias) = (Double.infinity, Double.infinity, Double.infinity)
        for _ in 0..<5 {
            raw = min(raw, Self.best(3) {
                BLAS.sgemm(transA: false, transB: true, m: n, n: o, k: i, a: x, lda: i, b: w, ldb: i, c: out, ldc: o)
            })
            lin = min(lin, Self.best(3) {
                Linear.forward(out: out, x: x, weight: w, bias: nil, n: n, inFeatures: i, outFeatures: o)
            })
            linBias = min(linBias, Self.best(3) {
                Linear.forward(out: out, x: x, weight: w, bias: b, n: n, inFeatures: i, outFeatures: o)
            })
        }
        let gflop = 2.0 * Double(n * i * o) * 1e-9
        print("bench linear: sgemm \(gflop / raw) GFLOP/s, linear \(raw / lin * 100)%, with bias \(raw / linBias * 100)%")
        #expect(raw / lin >= 0.9)
        #expect(raw / linBias >= 0.9)
    }

    @Test("a LLaMA block forward reaches half the sgemm roof")
    func llamaBlock() {
        // SmolLM-135M sizes: D 576, 9 heads of 64, 3 kv heads, MLP 1536; 256 tokens.
        let (t, d, h, kvh, hd, f) = (256, 576, 9, 3, 64, 1536)
        let kvd = kvh * hd
        let x = Self.buffer(t * d, seed: 1, scale: 1)
        let wq = Self.buffer(d * d, seed: 2), wk = Self.buffer(kvd * d, seed: 3), wv = Self.buffer(kvd * d, seed: 4)
        let wo = Self.buffer(d * d, seed: 5), wg = Self.buffer(f * d, seed: 6), wu = Self.buffer(f * d, seed: 7)
        let wd = Self.buffer(d * f, seed: 8), n1 = Self.buffer(d, seed: 9), n2 = Self.buffer(d, seed: 10)
        let hBuf = Self.buffer(t * d, seed: 0), q = Self.buffer(t * d, seed: 0), k = Self.buffer(t * kvd, seed: 0)
        let v = Self.buffer(t * kvd, seed: 0), att = Self.buffer(t * d, seed: 0), x1 = Self.buffer(t * d, seed: 0)
        let probs = Self.buffer(h * t * t, seed: 0), gate = Self.buffer(t * f, seed: 0), up = Self.buffer(t * f, seed: 0)
        let hidden = Self.buffer(t * f, seed: 0), mlp = Self.buffer(t * d, seed: 0), out = Self.buffer(t * d, seed: 0)
        let rstd = Self.buffer(t, seed: 0)
        defer { [x, wq, wk, wv, wo, wg, wu, wd, n1, n2, hBuf, q, k, v, att, x1, probs, gate, up, hidden, mlp, out, rstd]
            .forEach { $0.deallocate() } }
        let positions = (0..<Int32(t)).map { $0 }
        let invFreq = Rope.defaultInvFreq(theta: 10000, headDim: hd)
        let shape = Attention.Shape(batch: 1, seqLen: t, heads: h, kvHeads: kvh, headDim: hd)
        let block = Self.best(5) {
            RMSNorm.forward(out: hBuf, rstd: rstd, x: x, weight: n1, n: t, dim: d, eps: 1e-5)
            Linear.forward(out: q, x: hBuf, weight: wq, bias: nil, n: t, inFeatures: d, outFeatures: d)
            Linear.forward(out: k, x: hBuf, weight: wk, bias: nil, n: t, inFeatures: d, outFeatures: kvd)
            Linear.forward(out: v, x: hBuf, weight: wv, bias: nil, n: t, inFeatures: d, outFeatures: kvd)
            Rope.forward(out: q, x: q, positions: positions, invFreq: invFreq, n: t, heads: h, headDim: hd)
            Rope.forward(out: k, x: k, positions: positions, invFreq: invFreq, n: t, heads: kvh, headDim: hd)
            Attention.forward(out: att, probs: probs, q: q, k: k, v: v, keyMask: nil, shape: shape)
            Linear.forward(out: x1, x: att, weight: wo, bias: nil, n: t, inFeatures: d, outFeatures: d)
            Residual.forward(out: x1, a: x1, b: x, count: t * d)
            RMSNorm.forward(out: hBuf, rstd: rstd, x: x1, weight: n2, n: t, dim: d, eps: 1e-5)
            SwiGLUMLP.forward(out: mlp, gate: gate, up: up, hidden: hidden, x: hBuf, wGate: wg, wUp: wu, wDown: wd,
                              n: t, dim: d, hiddenDim: f)
            Residual.forward(out: out, a: x1, b: mlp, count: t * d)
        }
        // The roof: the block's GEMM work at the rate raw sgemm reaches on the MLP's shape.
        let rawMLP = Self.best {
            BLAS.sgemm(transA: false, transB: true, m: t, n: f, k: d, a: hBuf, lda: d, b: wg, ldb: d, c: gate, ldc: f)
        }
        let rate = 2.0 * Double(t * f * d) / rawMLP
        let flops = 2.0 * Double(t) * Double(d * d * 2 + kvd * d * 2 + f * d * 3) + 2.0 * 2 * Double(h * t * t * hd)
        let roof = flops / rate
        print("bench block: \(block * 1e3) ms, roof \(roof * 1e3) ms at \(rate * 1e-9) GFLOP/s: \(roof / block * 100)%")
        #expect(roof / block >= 0.5)
    }

    /// Per-element cost of the non-GEMM kernels on MLP- and attention-sized buffers. A generic
    /// kernel that failed to specialise runs tens of times slower than these bounds.
    @Test("elementwise kernels cost a few nanoseconds per element")
    func elementwise() {
        let (t, d, h, kvh, hd, f) = (256, 576, 9, 3, 64, 1536)
        let count = t * f
        let x = Self.buffer(count, seed: 1, scale: 3), y = Self.buffer(count, seed: 2, scale: 1)
        let o = Self.buffer(count, seed: 3), w = Self.buffer(f, seed: 4, scale: 1), rstd = Self.buffer(t, seed: 5)
        let q = Self.buffer(t * d, seed: 6, scale: 1), k = Self.buffer(t * kvh * hd, seed: 7, scale: 1)
        let v = Self.buffer(t * kvh * hd, seed: 8, scale: 1), probs = Self.buffer(h * t * t, seed: 0)
        let ids = (0..<Int32(t)).map { $0 * 7 % Int32(t) }
        defer { [x, y, o, w, rstd, q, k, v, probs].forEach { $0.deallocate() } }
        let positions = (0..<Int32(t)).map { $0 }
        let invFreq = Rope.defaultInvFreq(theta: 10000, headDim: hd)
        let shape = Attention.Shape(batch: 1, seqLen: t, heads: h, kvHeads: kvh, headDim: hd)
        let kernels: [(String, Int, () -> Void)] = [
            ("silu", count, { SiLU.forward(out: o, x: x, count: count) }),
            ("silu backward", count, { SiLU.backward(dX: o, dOut: y, x: x, count: count) }),
            ("gelu tanh", count, { GELUTanh.forward(out: o, x: x, count: count) }),
            ("gelu tanh backward", count, { GELUTanh.backward(dX: o, dOut: y, x: x, count: count) }),
            ("gelu erf", count, { GELUErf.forward(out: o, x: x, count: count) }),
            ("gelu erf backward", count, { GELUErf.backward(dX: o, dOut: y, x: x, count: count) }),
            ("quick gelu", count, { QuickGELU.forward(out: o, x: x, count: count) }),
            ("swiglu", count, { SwiGLU.forward(out: o, gate: x, up: y, count: count) }),
            ("swiglu backward", count, { SwiGLU.backward(dGate: o, dUp: o, dOut: y, gate: x, up: y, count: count) }),
            ("residual", count, { Residual.forward(out: o, a: x, b: y, count: count) }),
            ("rmsnorm", count, { RMSNorm.forward(out: o, rstd: rstd, x: x, weight: w, n: t, dim: f, eps: 1e-5) }),
            ("rmsnorm backward", count, { RMSNorm.backward(dX: o, dWeight: w, dOut: y, x: x, weight: w, rstd: rstd, n: t, dim: f) }),
            ("layernorm", count, { LayerNorm.forward(out: o, mean: rstd, rstd: rstd, x: x, weight: w, bias: w, n: t, dim: f, eps: 1e-5) }),
            ("softmax", count, { Softmax.forward(out: o, x: x, n: t, dim: f) }),
            ("cross-entropy", count, { _ = CrossEntropy.forward(logits: x, targets: ids, n: t, vocab: f) }),
            ("cross-entropy backward", count, { CrossEntropy.backward(dLogits: o, logits: x, targets: ids, n: t, vocab: f, count: t) }),
            ("embedding", t * d, { Embedding.forward(out: o, ids: ids, table: x, n: t, dim: d) }),
            ("rope", t * d, { Rope.forward(out: q, x: q, positions: positions, invFreq: invFreq, n: t, heads: h, headDim: hd) }),
            ("attention (per score)", h * t * t, { Attention.forward(out: o, probs: probs, q: q, k: k, v: v, keyMask: nil, shape: shape) }),
            ("attention backward (per score)", h * t * t, {
                Attention.backward(dQ: o, dK: y, dV: y, dOut: q, probs: probs, q: q, k: k, v: v, shape: shape)
            }),
        ]
        for (name, elements, run) in kernels {
            let ns = Self.best(7, run) * 1e9 / Double(elements)
            print("bench \(name): \(ns) ns/element")
            #expect(ns < 12, "\(name) takes \(ns) ns per element")
        }
    }
}

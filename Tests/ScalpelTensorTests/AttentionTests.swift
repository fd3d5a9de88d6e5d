import Foundation
import Testing
import ScalpelTensor

@Suite("Attention")
struct AttentionTests {
    static func random(_ shape: [Int], seed: UInt64, scale: Double = 1) throws -> Tensor<Double> {
        var rng = SplitMix(seed: seed)
        return try Tensor(shape: shape, storage: rng.array(shape.reduce(1, *), scale: scale))
    }

    @Test("the causal mask zeroes the future and the first query copies the first value")
    func causalMask() throws {
        let (b, t, h, hd) = (1, 4, 2, 3)
        let q = try Self.random([b, t, h * hd], seed: 1), k = try Self.random([b, t, h * hd], seed: 2)
        let v = try Self.random([b, t, h * hd], seed: 3)
        let (out, probs) = try Attention.forward(q: q, k: k, v: v, heads: h, kvHeads: h)
        #expect(probs.shape == [b, h, t, t])
        for head in 0..<h {
            for i in 0..<t {
                var rowSum = 0.0
                for j in 0..<t {
                    let p = probs[0, head, i, j]
                    if j > i { #expect(p == 0, "head \(head) query \(i) sees key \(j)") } else { #expect(p > 0) }
                    rowSum += p
                }
                #expect(abs(rowSum - 1) < 1e-14)
            }
            for c in 0..<hd { #expect(abs(out[0, 0, head * hd + c] - v[0, 0, head * hd + c]) < 1e-15) }
        }
    }

    @Test("without the causal mask every query sees every key")
    func bidirectional() throws {
        let (b, t, h, hd) = (1, 3, 1, 2)
        let q = try Tensor<Double>(shape: [b, t, h * hd], repeating: 0)
        let k = try Self.random([b, t, h * hd], seed: 17), v = try Self.random([b, t, h * hd], seed: 18)
        // zero queries give equal scores: each output row is the mean of the values
        let (out, probs) = try Attention.forward(q: q, k: k, v: v, heads: h, kvHeads: h, causal: false)
        #expect(close(probs.storage, [Double](repeating: 1.0 / 3, count: 9), atol: 1e-15))
        for i in 0..<t {
            for c in 0..<hd {
                #expect(abs(out[0, i, c] - (v[0, 0, c] + v[0, 1, c] + v[0, 2, c]) / 3) < 1e-15)
            }
        }
    }

    @Test("one query and one key by hand: softmax of scaled scores weights the values")
    func byHand() throws {
        // T = 2, one head of size 4: query 1 sees keys 0 and 1 with scores q·k/2.
        let q = try Tensor<Double>(shape: [1, 2, 4], storage: [0, 0, 0, 0, 1, 1, 1, 1])
        let k = try Tensor<Double>(shape: [1, 2, 4], storage: [1, 1, 1, 1, 0, 0, 0, 0])
        let v = try Tensor<Double>(shape: [1, 2, 4], storage: [1, 2, 3, 4, 5, 6, 7, 8])
        let (out, probs) = try Attention.forward(q: q, k: k, v: v, heads: 1, kvHeads: 1)
        let p0 = 1 / (1 + exp(-2.0))   // scores 4/2 = 2 and 0
        #expect(close(probs.storage, [1, 0, p0, 1 - p0], atol: 1e-15))
        let expected = [1, 2, 3, 4] + (0..<4).map { p0 * Double($0 + 1) + (1 - p0) * Double($0 + 5) }
        #expect(close(out.storage, expected, atol: 1e-14))
    }

    @Test("padding keys get no weight, and a query that sees only padding gets zeros")
    func paddingMask() throws {
        let (b, t, h, hd) = (2, 3, 2, 2)
        let q = try Self.random([b, t, h * hd], seed: 4), k = try Self.random([b, t, h * hd], seed: 5)
        let v = try Self.random([b, t, h * hd], seed: 6)
        let mask: [UInt8] = [1, 1, 1, 0, 1, 1]   // batch 1: key 0 is left padding
        let (out, probs) = try Attention.forward(q: q, k: k, v: v, heads: h, kvHeads: h, keyMask: mask)
        for head in 0..<h {
            for i in 0..<t { #expect(probs[1, head, i, 0] == 0) }
            for c in 0..<hd { #expect(out[1, 0, head * hd + c] == 0) }
            // query 1 of batch 1 sees only key 1
            for c in 0..<hd { #expect(abs(out[1, 1, head * hd + c] - v[1, 1, head * hd + c]) < 1e-15) }
        }
        // batch 0 is as without a mask
        let plain = try Attention.forward(q: q, k: k, v: v, heads: h, kvHeads: h).out
        #expect(Array(out.storage[0..<(t * h * hd)]) == Array(plain.storage[0..<(t * h * hd)]))
    }

    @Test("grouped-query attention equals multi-head attention with repeated key/value heads")
    func gqaMatchesRepeatedKV() throws {
        let (b, t, h, kvh, hd) = (2, 3, 6, 2, 4)
        let q = try Self.random([b, t, h * hd], seed: 7), k = try Self.random([b, t, kvh * hd], seed: 8)
        let v = try Self.random([b, t, kvh * hd], seed: 9)
        func repeatKV(_ x: Tensor<Double>) throws -> Tensor<Double> {
            var s: [Double] = []
            for row in 0..<(b * t) {
                for head in 0..<h {
                    let start: Int = row * kvh * hd + (head / (h / kvh)) * hd
                    s.append(contentsOf: x.storage[start..<(start + hd)])
                }
            }
            return try Tensor(shape: [b, t, h * hd], storage: s)
        }
        let gqa = try Attention.forward(q: q, k: k, v: v, heads: h, kvHeads: kvh)
        let mha = try Attention.forward(q: q, k: repeatKV(k), v: repeatKV(v), heads: h, kvHeads: h)
        #expect(close(gqa.out.storage, mha.out.storage.map { $0 }, atol: 1e-14))
        #expect(close(gqa.probs.storage, mha.probs.storage, atol: 1e-15))
    }

    @Test("a chunk after a KV cache equals the same rows of one full pass")
    func pastOffset() throws {
        let (b, total, first, h, kvh, hd) = (2, 5, 3, 4, 2, 3)
        let q = try Self.random([b, total, h * hd], seed: 10), k = try Self.random([b, total, kvh * hd], seed: 11)
        let v = try Self.random([b, total, kvh * hd], seed: 12)
        let mask: [UInt8] = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1]
        let full = try Attention.forward(q: q, k: k, v: v, heads: h, kvHeads: kvh, keyMask: mask).out
        // The second chunk: queries 3 and 4 against all five keys (past = 3).
        let width = h * hd
        var tail: [Double] = []
        for batch in 0..<b {
            let start: Int = (batch * total + first) * width, end: Int = (batch + 1) * total * width
            tail.append(contentsOf: q.storage[start..<end])
        }
        let q2 = try Tensor(shape: [b, total - first, width], storage: tail)
        let chunk = try Attention.forward(q: q2, k: k, v: v, heads: h, kvHeads: kvh, past: first, keyMask: mask).out
        for batch in 0..<b {
            for i in 0..<(total - first) {
                for c in 0..<width {
                    #expect(abs(chunk[batch, i, c] - full[batch, first + i, c]) < 1e-14)
                }
            }
        }
    }

    @Test("a KV buffer with spare capacity gives the same result as an exact one")
    func spareCapacity() throws {
        let (b, t, h, hd) = (2, 2, 2, 2)
        let q = try Self.random([b, t, h * hd], seed: 13), k = try Self.random([b, t, h * hd], seed: 14)
        let v = try Self.random([b, t, h * hd], seed: 15)
        func padded(_ x: Tensor<Double>) throws -> Tensor<Double> {
            var s: [Double] = []
            for batch in 0..<b {
                let start: Int = batch * t * h * hd
                s.append(contentsOf: x.storage[start..<(start + t * h * hd)])
                s.append(contentsOf: [Double](repeating: 99, count: 3 * h * hd))   // unused rows
            }
            return try Tensor(shape: [b, t + 3, h * hd], storage: s)
        }
        let exact = try Attention.forward(q: q, k: k, v: v, heads: h, kvHeads: h)
        let roomy = try Attention.forward(q: q, k: padded(k), v: padded(v), heads: h, kvHeads: h)
        #expect(roomy.out == exact.out)
        let dOut = try Self.random([b, t, h * hd], seed: 16)
        let g1 = try Attention.backward(dOut: dOut, probs: exact.probs, q: q, k: k, v: v, heads: h, kvHeads: h)
        let g2 = try Attention.backward(dOut: dOut, probs: roomy.probs, q: q, k: padded(k), v: padded(v), heads: h, kvHeads: h)
        #expect(g1.dQ == g2.dQ)
        #expect(g2.dK.storage.count == b * (t + 3) * h * hd)
        for batch in 0..<b {
            for row in 0..<(t + 3) {
                for c in 0..<(h * hd) {
                    let expected = row < t ? g1.dK[batch, row, c] : 0
                    #expect(g2.dK[batch, row, c] == expected)
                }
            }
        }
    }
}

@Suite("Attention against transformers")
struct AttentionParityTests {
    @Test("rope and grouped-query attention with padding match LlamaAttention's eager path")
    func matchesTransformers() throws {
        typealias F = AttentionFixture
        let rows = F.batch * F.seqLen
        let positions = (0..<rows).map { Int32($0 % F.seqLen) }
        let invFreq = Rope.defaultInvFreq(theta: 10000, headDim: F.headDim)
        let q = try Tensor<Float>(shape: [F.batch, F.seqLen, F.heads * F.headDim], storage: F.q)
        let k = try Tensor<Float>(shape: [F.batch, F.seqLen, F.kvHeads * F.headDim], storage: F.k)
        let v = try Tensor<Float>(shape: [F.batch, F.seqLen, F.kvHeads * F.headDim], storage: F.v)
        let qr = try Rope.forward(q, positions: positions, invFreq: invFreq, heads: F.heads)
        let kr = try Rope.forward(k, positions: positions, invFreq: invFreq, heads: F.kvHeads)
        #expect(maxAbsDiff(qr.storage, F.qRotated) <= 1e-6)
        let out = try Attention.forward(q: qr, k: kr, v: v, heads: F.heads, kvHeads: F.kvHeads, keyMask: F.keyMask).out
        #expect(maxAbsDiff(out.storage, F.out) <= 2e-6, "max difference \(maxAbsDiff(out.storage, F.out))")
    }
}

@Suite("Attention over several query tiles")
struct AttentionTileTests {
    /// Causal attention written out directly: every score, softmax and weighted sum in Double.
    static func naive(q: [Double], k: [Double], v: [Double], seqLen t: Int, past: Int, heads: Int, kvHeads: Int, hd: Int) -> [Double] {
        let keys = past + t, group = heads / kvHeads
        var out = [Double](repeating: 0, count: t * heads * hd)
        for h in 0..<heads {
            let j = h / group
            for i in 0..<t {
                let visible = past + i + 1
                var scores = (0..<visible).map { c -> Double in
                    (0..<hd).reduce(0) { $0 + q[i * heads * hd + h * hd + $1] * k[c * kvHeads * hd + j * hd + $1] } / Double(hd).squareRoot()
                }
                let m = scores.max()!
                scores = scores.map { Foundation.exp($0 - m) }
                let sum = scores.reduce(0, +)
                for d in 0..<hd {
                    out[i * heads * hd + h * hd + d] = (0..<visible).reduce(0) { $0 + scores[$1] / sum * v[$1 * kvHeads * hd + j * hd + d] }
                }
                _ = keys
            }
        }
        return out
    }

    @Test("a 150-token causal chunk after 10 cached positions equals the direct computation")
    func tiledForwardMatchesDirect() throws {
        let t = 150, past = 10, heads = 4, kvHeads = 2, hd = 8
        let q = try AttentionTests.random([1, t, heads * hd], seed: 1)
        let k = try AttentionTests.random([1, past + t, kvHeads * hd], seed: 2)
        let v = try AttentionTests.random([1, past + t, kvHeads * hd], seed: 3)
        let (out, _) = try Attention.forward(q: q, k: k, v: v, heads: heads, kvHeads: kvHeads, past: past)
        let expected = Self.naive(q: q.storage, k: k.storage, v: v.storage, seqLen: t, past: past, heads: heads, kvHeads: kvHeads, hd: hd)
        let diff = zip(out.storage, expected).reduce(0) { max($0, abs($1.0 - $1.1)) }
        #expect(diff < 1e-12, "max |Δ| \(diff)")
    }
}

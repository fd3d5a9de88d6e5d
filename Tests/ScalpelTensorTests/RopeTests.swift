import Foundation
import Testing
import ScalpelTensor

@Suite("Rotary embeddings")
struct RopeTests {
    @Test("position 0 leaves the input unchanged")
    func positionZero() throws {
        let x = try Tensor<Double>(shape: [1, 8], storage: [1, 2, 3, 4, 5, 6, 7, 8])
        let out = try Rope.forward(x, positions: [0], invFreq: [1, 0.5], heads: 2)
        #expect(out.storage == x.storage)
    }

    @Test("position 1 rotates the pairs (i, i + headDim/2) by invFreq[i]")
    func positionOne() throws {
        let x = try Tensor<Double>(shape: [2, 4], storage: [1, 2, 3, 4, 1, 2, 3, 4])
        let out = try Rope.forward(x, positions: [0, 1], invFreq: [1, 0.01], heads: 1)
        let (c0, s0, c1, s1) = (cos(1.0), sin(1.0), cos(0.01), sin(0.01))
        // rotate_half: out[:2] = x[:2]·cos − x[2:]·sin ; out[2:] = x[2:]·cos + x[:2]·sin
        let expected = [1, 2, 3, 4, 1 * c0 - 3 * s0, 2 * c1 - 4 * s1, 3 * c0 + 1 * s0, 4 * c1 + 2 * s1]
        #expect(close(out.storage, expected, atol: 1e-15))
    }

    @Test("attention scaling multiplies cos and sin")
    func attentionScaling() throws {
        let x = try Tensor<Double>(shape: [1, 2], storage: [1, 0])
        let out = try Rope.forward(x, positions: [2], invFreq: [0.25], heads: 1, attentionScaling: 0.5)
        #expect(close(out.storage, [0.5 * cos(0.5), 0.5 * sin(0.5)], atol: 1e-15))
    }

    @Test("backward is the inverse rotation")
    func backwardInverts() throws {
        var rng = SplitMix(seed: 11)
        let x = try Tensor<Double>(shape: [3, 12], storage: rng.array(36))
        let inv = Rope.defaultInvFreq(theta: 10000, headDim: 6).map(Double.init)
        let y = try Rope.forward(x, positions: [4, 0, 17], invFreq: inv, heads: 2)
        let back = try Rope.backward(dOut: y, positions: [4, 0, 17], invFreq: inv, heads: 2)
        #expect(close(back.storage, x.storage, atol: 1e-14))
    }

    @Test("the raw kernel runs in place")
    func inPlace() {
        var x: [Float] = [1, 2, 3, 4]
        let expected = [1 * cos(Float(1)) - 3 * sin(Float(1)), 2 * cos(Float(0.5)) - 4 * sin(Float(0.5)),
                        3 * cos(Float(1)) + 1 * sin(Float(1)), 4 * cos(Float(0.5)) + 2 * sin(Float(0.5))]
        x.withUnsafeMutableBufferPointer { p in
            Rope.forward(out: p.baseAddress!, x: p.baseAddress!, positions: [1], invFreq: [Float(1), 0.5], n: 1, heads: 1, headDim: 4)
        }
        #expect(close(x, expected.map(Double.init), atol: 1e-6))
    }

    /// `1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))` from transformers'
    /// default rope init, as float32 bit patterns (torch 2.15).
    @Test("defaultInvFreq matches transformers bit for bit", arguments: [
        (10000.0, 64, [UInt32](
            [0x3f800000, 0x3f3ff911, 0x3f0ff59a, 0x3ed7e89b, 0x3ea1e89b, 0x3e72d423, 0x3e361887, 0x3e088d77,
             0x3dcccccd, 0x3d99940d, 0x3d6655c2, 0x3d2cba15, 0x3d0186e3, 0x3cc2434f, 0x3c91ad39, 0x3c5a7bf2,
             0x3c23d70a, 0x3bf5b9b0, 0x3bb8449c, 0x3b8a2e77, 0x3b4f3e38, 0x3b1b690d, 0x3ae91528, 0x3aaec98e,
             0x3a83126f, 0x3a44948c, 0x3a136a16, 0x39dd1725, 0x39a5cb60, 0x3978a815, 0x393a7753, 0x390bd472])),
        (500000.0, 128, [UInt32](
            [0x3f800000, 0x3f508ac1, 0x3f29e1c6, 0x3f0a6384, 0x3ee177bc, 0x3eb7ab7d, 0x3e959ee3, 0x3e73c461,
             0x3e4693b0, 0x3e21c3a0, 0x3e03c6a0, 0x3dd6b19c, 0x3daee4ad, 0x3d8e7898, 0x3d681e67, 0x3d3d1684,
             0x3d1a08c8, 0x3cfaf53f, 0x3ccc6f49, 0x3ca68939, 0x3c87a9c3, 0x3c5d06ec, 0x3c340d6d, 0x3c12ac7f,
             0x3beef74f, 0x3bc2aa76, 0x3b9e9402, 0x3b812e35, 0x3b527720, 0x3b2b72dc, 0x3b0baa41, 0x3ae38c10,
             0x3ab95d21, 0x3a970023, 0x3a7603ea, 0x3a486886, 0x3a23418d, 0x3a04fdbf, 0x39d8ac81, 0x39b08199,
             0x398fc8f8, 0x396a426f, 0x393ed4f4, 0x391b7475, 0x38fd45c3, 0x38ce51f5, 0x38a8126b, 0x3888ea0f,
             0x385f10c4, 0x3835b687, 0x381406cb, 0x37f12b80, 0x37c47610, 0x37a00a69, 0x37825f34, 0x37546808,
             0x372d07a7, 0x370cf400, 0x36e5a54d, 0x36bb12c7, 0x369864a7, 0x367848c2, 0x364a41b0, 0x3624c2ff])),
    ])
    func defaultInvFreq(_ config: (Double, Int, [UInt32])) {
        let inv = Rope.defaultInvFreq(theta: config.0, headDim: config.1)
        #expect(inv.map(\.bitPattern) == config.2)
    }
}

import Foundation
import Testing
import ScalpelFormats
import ScalpelModels
import ScalpelTensor
@testable import ScalpelCompress

/// Quantized checkpoints run with their linears packed: the logits and greedy tokens equal those of the
/// same file dequantized to f32.
@Suite("Packed execution of quantized checkpoints")
struct PackedExecutionTests {
    /// The largest |Δ| between the two models' logits over a prompt (panel GEMM path) and one token (GEMV).
    static func compare(_ checkpoint: Checkpoint, expectPacked linears: Int) throws -> Float {
        let packed = try checkpoint.loadPackedDecoder(), dense = try checkpoint.loadDecoder()
        #expect(packed.packedSummary.linears == linears)
        #expect(packed.parameterCount == dense.parameterCount)
        var worst: Float = 0
        for tokens in [QuantTinyModel.calibration()[1], [5]] {
            let a = try packed.logits(tokens: tokens), b = try dense.logits(tokens: tokens)
            let scale = b.map { abs($0) }.max()!
            worst = max(worst, zip(a, b).map { abs($0 - $1) }.max()! / scale)
        }
        let prompt = QuantTinyModel.calibration()[3]
        #expect(try GreedyDecoder(model: packed).generate(prompt: prompt, maxTokens: 12, stopIds: [])
                == GreedyDecoder(model: dense).generate(prompt: prompt, maxTokens: 12, stopIds: []))
        return worst
    }

    @Test("GGUF Q4_0, Q4_1 and Q8_0 linears run packed (Q/K rows un-permuted) with the dequantized logits")
    func gguf() throws {
        let tiny = try QuantTinyModel(layers: 2, gqa: true)
        for scheme in [QuantScheme(bits: 4, groupSize: 32, symmetric: true), QuantScheme(bits: 4, groupSize: 32),
                       QuantScheme(bits: 8, groupSize: 32, symmetric: true)] {
            let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: scheme))
            let path = QuantTinyModel.temporary("packed") + ".gguf"
            try QuantExport.writeGGUF(decoder, to: path)
            let diff = try Self.compare(try Checkpoint.open(path), expectPacked: 14)
            #expect(diff <= 1e-5, "\(scheme): relative |Δ| \(diff)")
        }
    }

    @Test("AWQ GEMM folders run packed with the dequantized logits (biases included)")
    func awq() throws {
        let tiny = try QuantTinyModel(layers: 2, gqa: true, biases: true)
        let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 4, groupSize: 32)))
        let dir = QuantTinyModel.temporary("packed-awq")
        try QuantExport.writeAWQ(decoder, to: dir, sourceFolder: tiny.folder)
        let diff = try Self.compare(try Checkpoint.open(dir), expectPacked: 14)
        #expect(diff <= 1e-5, "relative |Δ| \(diff)")
    }

    @Test("AWQ groups that are not whole chunks of 32 inputs run dequantized instead")
    func awqSmallGroups() throws {
        let tiny = try QuantTinyModel(layers: 1)
        let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 4, groupSize: 16)))
        let dir = QuantTinyModel.temporary("packed-awq16")
        try QuantExport.writeAWQ(decoder, to: dir, sourceFolder: tiny.folder)
        #expect(try Self.compare(try Checkpoint.open(dir), expectPacked: 0) == 0)
    }

    @Test("A GGUF head (or tied embedding table) stored Q4_0/Q4_1/Q8_0 runs packed, with the dequantized logits")
    func packedHead() throws {
        for tied in [false, true] {
            let tiny = try QuantTinyModel(layers: 2, gqa: true, tied: tied)
            for scheme in [QuantScheme(bits: 4, groupSize: 32, symmetric: true), QuantScheme(bits: 4, groupSize: 32),
                           QuantScheme(bits: 8, groupSize: 32, symmetric: true)] {
                let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: scheme))
                decoder.keepFP16 = KeepFP16(parts: [])
                let path = QuantTinyModel.temporary("packed-head") + ".gguf"
                try QuantExport.writeGGUF(decoder, to: path)
                let checkpoint = try Checkpoint.open(path)
                let model = try checkpoint.loadPackedDecoder()
                let head = try #require(model.packedHead, "tied \(tied) \(scheme)")
                #expect(head.rows == 64 && head.cols == 64)
                #expect(tied ? model.lmHead === model.embedTokens : model.lmHead.count == 0)
                let diff = try Self.compare(checkpoint, expectPacked: 14)
                #expect(diff <= 1e-5, "tied \(tied) \(scheme): relative |Δ| \(diff)")
            }
        }
        // An F16 head (the default) stays f32.
        let tiny = try QuantTinyModel(layers: 1)
        let decoder = try tiny.runner().run(QuantSettings(method: .rtn, scheme: QuantScheme(bits: 4, groupSize: 32)))
        let path = QuantTinyModel.temporary("packed-head-f16") + ".gguf"
        try QuantExport.writeGGUF(decoder, to: path)
        #expect(try Checkpoint.open(path).loadPackedDecoder().packedHead == nil)
    }

    @Test("a plain f32 folder has nothing to pack and loads as f32")
    func plain() throws {
        let tiny = try QuantTinyModel(layers: 1)
        let diff = try Self.compare(try tiny.checkpoint(), expectPacked: 0)
        #expect(diff == 0)
    }

    @Test("QuantizedLinear packs into memory and dequantizes bit for bit", arguments: [2, 3, 4, 8])
    func quantizedLinear(bits: Int) throws {
        var rng = QuantRandom(seed: UInt64(bits))
        for (rows, cols) in [(5, 64), (3, 100), (4, 130)] {
            for group in [32, 64, 128, nil] as [Int?] {
                for symmetric in [false, true] {
                    let q = try RTN.quantize(rng.normal(rows * cols, 1), rows: rows, cols: cols,
                                             scheme: QuantScheme(bits: bits, groupSize: group, symmetric: symmetric))
                    let p = try q.packed()
                    #expect(p.dequantized() == q.dequantized(), "W\(bits) \(rows)×\(cols) g\(group ?? -1) sym \(symmetric)")
                    #expect(p.byteCount < rows * cols * bits / 8 + rows * p.groups * 3 + rows * 4 * bits)
                }
            }
        }
    }
}

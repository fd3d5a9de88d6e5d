import XCTest
import ScalpelFormats
import ScalpelModels
@testable import ScalpelCompress

final class GGUFWriterTests: XCTestCase {
    /// Bytes equal those of `gguf.quants.quantize` (ggml's reference rounding) on the fixture's blocks.
    func testQuantizedBytesMatchGGUFPackage() throws {
        let x = ggufFixtureInputBits.map { Float(bitPattern: $0) }
        XCTAssertEqual(try GGUFQuantizer.quantize(x, as: .q4_0), ggufFixtureQ40)
        XCTAssertEqual(try GGUFQuantizer.quantize(x, as: .q4_1), ggufFixtureQ41)
        XCTAssertEqual(try GGUFQuantizer.quantize(x, as: .q8_0), ggufFixtureQ80)
    }

    /// Metadata of every type and tensors of several types read back through our reader.
    func testWriterRoundTrip() throws {
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("a.u8", .uint8(7)); w.set("a.i16", .int16(-3)); w.set("a.f32", .float32(1.5)); w.set("a.f64", .float64(-2.25))
        w.set("a.bool", .bool(true)); w.set("a.u64", .uint64(1 << 40)); w.set("a.i64", .int64(-5))
        w.set("a.strings", .array([.string("x"), .string("yz")])); w.set("a.ints", .array([.int32(1), .int32(-2)]))
        let values = (0..<96).map { Float($0 % 13) * 0.25 - 1 }
        try w.addTensor("t.f32", dims: [3], type: .f32, bytes: try GGUFQuantizer.quantize([1, 2, 3], as: .f32))
        try w.addTensor("t.q8", dims: [32, 3], type: .q8_0, bytes: try GGUFQuantizer.quantize(values, as: .q8_0))
        try w.addTensor("t.q41", dims: [96], type: .q4_1, bytes: try GGUFQuantizer.quantize(values, as: .q4_1))
        let path = QuantTinyModel.temporary("gguf") + "/t.gguf"
        try w.write(to: path)
        let file = try GGUFFile(path: path)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, w.fileSize)
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.metadataKeys, w.metadata.map(\.key))
        for (k, v) in w.metadata { XCTAssertEqual(file.metadata[k], v, k) }
        XCTAssertEqual(try file.floats("t.f32"), [1, 2, 3])
        XCTAssertEqual(try file.floats("t.q8"), try GGUFDequantizer.dequantize(.q8_0, bytes: try GGUFQuantizer.quantize(values, as: .q8_0).withUnsafeBytes { UnsafeRawBufferPointer($0) }, count: 96))
        XCTAssertEqual(file.tensor("t.q41")?.dims, [96])
        XCTAssertThrowsError(try w.addTensor("t.bad", dims: [48], type: .q4_0, bytes: []))
    }

    /// A quantized decoder exported to GGUF opens with `Checkpoint.open` and gives the logits of the model
    /// built from the same weights rounded by ggml's rules (Q/K permutation undone by the reader).
    func testDecoderExportRoundTrip() throws {
        let tiny = try QuantTinyModel(layers: 2, gqa: true)
        for (method, scheme) in [(QuantMethod.gptq, QuantScheme(bits: 4, groupSize: 32)), (.rtn, QuantScheme(bits: 4, groupSize: 32, symmetric: true)),
                                 (.rtn, QuantScheme(bits: 8, groupSize: 32, symmetric: true))] {
            let decoder = try tiny.runner().run(QuantSettings(method: method, scheme: scheme), calibration: QuantTinyModel.calibration())
            let path = QuantTinyModel.temporary("gguf") + "/model.gguf"
            let size = try QuantExport.writeGGUF(decoder, to: path)
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, size)
            let loaded = try Checkpoint.open(path)
            let (a, b) = (loaded.config.text, decoder.config)
            XCTAssertEqual([a.vocabSize, a.hiddenSize, a.intermediateSize, a.numHiddenLayers, a.numAttentionHeads, a.numKeyValueHeads, a.headDim],
                           [b.vocabSize, b.hiddenSize, b.intermediateSize, b.numHiddenLayers, b.numAttentionHeads, b.numKeyValueHeads, b.headDim])
            XCTAssertEqual(a.ropeTheta, b.ropeTheta)
            XCTAssertEqual(a.rmsNormEps, b.rmsNormEps, accuracy: 1e-12)
            XCTAssertEqual(a.tieWordEmbeddings, b.tieWordEmbeddings)
            let file = try XCTUnwrap(loaded.gguf)
            let type = try QuantExport.ggufType(for: scheme)
            XCTAssertEqual(file.tensor("blk.0.attn_q.weight")?.type, type)
            XCTAssertEqual(file.tensor("token_embd.weight")?.type, .f16)
            XCTAssertEqual(file.metadata["llama.vocab_size"]?.int, 64)

            // Expected: each linear's values rounded by ggml row by row (the permutation moves whole rows,
            // so it does not change the blocks), embeddings and head through fp16.
            let source = try tiny.checkpoint().weights
            let expected = try decoder.model()
            func ggml(_ v: [Float], _ t: GGUFTensorType) throws -> [Float] {
                let bytes = try GGUFQuantizer.quantize(v, as: t)
                return try bytes.withUnsafeBytes { try GGUFDequantizer.dequantize(t, bytes: $0, count: v.count) }
            }
            for (i, block) in expected.blocks.enumerated() {
                for (name, buffer) in zip(QuantizedBlock.linearNames, [block.q, block.k, block.v, block.o, block.gate, block.up, block.down]) {
                    let v = method == .rtn ? try source.floats("model.layers.\(i).\(name).weight") : buffer.array
                    let r = try ggml(v, type)
                    buffer.pointer.update(from: r, count: r.count)
                }
            }
            for buffer in [expected.embedTokens, expected.lmHead] {
                for j in 0..<buffer.count { buffer.pointer[j] = Float(Float16(buffer.pointer[j])) }
            }
            let tokens = QuantTinyModel.calibration()[1]
            XCTAssertEqual(try loaded.loadDecoder().logits(tokens: tokens), try expected.logits(tokens: tokens), "\(method) \(scheme)")
        }
    }

    func testSchemesWithoutAGGUFType() {
        XCTAssertThrowsError(try QuantExport.ggufType(for: QuantScheme(bits: 3, groupSize: 32)))
        XCTAssertEqual(try QuantExport.ggufType(for: QuantScheme(bits: 4, groupSize: 32)), .q4_1)
    }
}

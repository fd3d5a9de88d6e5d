import Testing
@testable import ScalpelFormats

/// Dequantization must equal `gguf.quants.dequantize` bit for bit (expected values written by
/// scripts/fixtures/make_gguf_fixtures.py).
@Suite struct GGUFDequantTests {
    static let names: [String] = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"]
        .flatMap { ["\($0).quantized", "\($0).random"] } + ["cube", "vec"]

    @Test(arguments: names)
    func bitForBit(_ name: String) throws {
        let file = try GGUFFile(path: FormatsTesting.fixture("gguf/quants.gguf"))
        let expected = try SafetensorsFile(path: FormatsTesting.fixture("gguf/quants_expected.safetensors"))
        let got = try file.floats(name)
        let want = try expected.floats(name)
        #expect(expected.tensor(name)?.shape == file.tensor(name)?.shape)
        #expect(got.count == want.count)
        let mismatches = zip(got, want).enumerated().filter { $0.element.0.bitPattern != $0.element.1.bitPattern }
        let first = mismatches.first.map { "index \($0.offset): \($0.element.0) vs \($0.element.1)" } ?? ""
        let count = mismatches.count
        #expect(count == 0, "\(name): \(count) mismatches, first at \(first)")
    }

    @Test func publicEntryPoint() throws {
        // One Q8_0 block: d = 0.5, q = -16…15.
        var block = GGUFBuilder.le(Float16(0.5).bitPattern)
        block += (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }
        let values = try block.withUnsafeBytes { try GGUFDequantizer.dequantize(.q8_0, bytes: $0, count: 32) }
        #expect(values == (0..<32).map { Float($0 - 16) * 0.5 })
        FormatsTesting.expectError("33 elements of Q8_0 do not fit 34 bytes") {
            _ = try block.withUnsafeBytes { try GGUFDequantizer.dequantize(.q8_0, bytes: $0, count: 33) }
        }
        FormatsTesting.expectError("64 elements of Q8_0 do not fit 34 bytes") {
            _ = try block.withUnsafeBytes { try GGUFDequantizer.dequantize(.q8_0, bytes: $0, count: 64) }
        }
        FormatsTesting.expectError("cannot dequantize type Q2_K") {
            _ = try block.withUnsafeBytes { try GGUFDequantizer.dequantize(.q2_K, bytes: $0, count: 256) }
        }
    }

    @Test func integerAndF64Types() throws {
        var b = GGUFBuilder()
        b.data = [0xFF, 0x7F, 0x80] + [UInt8](repeating: 0, count: 29)
        b.tensorInfo("i8", dims: [3], type: 24, offset: 0)
        b.data += GGUFBuilder.le(Int16(-300)) + GGUFBuilder.le(Int16(7)) + [UInt8](repeating: 0, count: 28)
        b.tensorInfo("i16", dims: [2], type: 25, offset: 32)
        b.data += GGUFBuilder.le(Int32(-70000)) + [UInt8](repeating: 0, count: 28)
        b.tensorInfo("i32", dims: [1], type: 26, offset: 64)
        b.data += GGUFBuilder.le((0.1).bitPattern)
        b.tensorInfo("f64", dims: [1], type: 28, offset: 96)
        let f = try GGUFFile(bytes: b.bytes())
        #expect(try f.floats("i8") == [-1, 127, -128])
        #expect(try f.floats("i16") == [-300, 7])
        #expect(try f.floats("i32") == [-70000])
        #expect(try f.floats("f64") == [Float(0.1)])
    }

    @Test func unsupportedTypeNamesTensorAndType() throws {
        var b = GGUFBuilder()
        b.data = [UInt8](repeating: 0, count: 84)
        b.tensorInfo("blk.0.ffn_up.weight", dims: [256], type: 10, offset: 0)
        let f = try GGUFFile(bytes: b.bytes(), name: "q2.gguf")
        FormatsTesting.expectError("q2.gguf", "tensor 'blk.0.ffn_up.weight'", "type Q2_K", "cannot dequantize") {
            _ = try f.floats("blk.0.ffn_up.weight")
        }
        let source = try GGUFWeightSource(file: f)
        #expect(source.info("model.layers.0.mlp.up_proj.weight") == WeightInfo(dtype: "Q2_K", shape: [256]))
        FormatsTesting.expectError("Q2_K") { _ = try source.floats("model.layers.0.mlp.up_proj.weight") }
    }
}

import Testing
@testable import ScalpelFormats

@Suite struct GGUFReaderTests {
    let file: GGUFFile

    init() throws {
        file = try GGUFFile(path: FormatsTesting.fixture("gguf/quants.gguf"))
    }

    @Test func header() {
        #expect(file.version == 3)
        #expect(file.alignment == 64)
        #expect(file.dataStart % 64 == 0)
        #expect(file.architecture == "llama")
        #expect(file.metadataKeys.first == "general.architecture")
        #expect(file.metadataKeys.count == file.metadata.count)
    }

    @Test func metadataOfAllThirteenTypes() {
        let m = file.metadata
        #expect(m["test.u8"] == .uint8(200))
        #expect(m["test.i8"] == .int8(-100))
        #expect(m["test.u16"] == .uint16(60000))
        #expect(m["test.i16"] == .int16(-30000))
        #expect(m["test.u32"] == .uint32(4_000_000_000))
        #expect(m["test.i32"] == .int32(-2_000_000_000))
        #expect(m["test.f32"] == .float32(0.15625))
        #expect(m["test.u64"] == .uint64(18_000_000_000_000_000_000))
        #expect(m["test.i64"] == .int64(-9_000_000_000_000_000_000))
        #expect(m["test.f64"] == .float64(-2.5e-300))
        #expect(m["test.bool"] == .bool(true))
        #expect(m["test.string"] == .string("dermatología ✓ 皮膚"))
        #expect(m["test.strings"] == .array([.string("a"), .string(""), .string("ß")]))
        #expect(m["test.u8s"] == .array([.uint8(1), .uint8(2), .uint8(255)]))
        #expect(m["test.floats"] == .array([.float32(1.5), .float32(-0.25)]))
        #expect(m["test.nested"] == .array([
            .array([.int32(1), .int32(2)]), .array([.int32(3)]), .array([.int32(4), .int32(5), .int32(6)]),
        ]))
        #expect(m["test.nested_strings"]?.array?[0].array?[1].string == "y")
        #expect(m["general.alignment"]?.int == 64)
        #expect(m["test.u64"]?.int == nil)
    }

    @Test func tensorInfos() throws {
        let types: [String] = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"]
        let expected = types.flatMap { ["\($0).quantized", "\($0).random"] } + ["cube", "vec"]
        #expect(file.tensorNames == expected)
        for t in file.tensors {
            #expect(t.offset % 64 == 0)
            #expect(t.type.name == String(t.name.split(separator: ".")[0]) || t.type == .f32)
        }
        let q4k = try #require(file.tensor("Q4_K.random"))
        #expect(q4k.dims == [256, 4] && q4k.shape == [4, 256])
        #expect(q4k.byteCount == 4 * 144)
        #expect(file.tensor("cube")?.dims == [32, 3, 2])
        #expect(file.tensor("cube")?.shape == [2, 3, 32])
        #expect(file.tensor("vec")?.elementCount == 7)
    }

    @Test func version2ReadsTheSame() throws {
        var bytes = try FormatsTesting.fixtureBytes("gguf/quants.gguf")
        bytes[4] = 2
        let v2 = try GGUFFile(bytes: bytes, name: "v2.gguf")
        #expect(v2.version == 2)
        #expect(v2.tensorNames == file.tensorNames)
        #expect(try v2.floats("Q4_K.random") == file.floats("Q4_K.random"))
    }

    @Test func tensorTypeTable() {
        // Block sizes and bytes per block as in gguf.constants.GGML_QUANT_SIZES.
        let table: [GGUFTensorType: (Int, Int)] = [
            .f32: (1, 4), .f16: (1, 2), .bf16: (1, 2), .q4_0: (32, 18), .q4_1: (32, 20), .q5_0: (32, 22),
            .q5_1: (32, 24), .q8_0: (32, 34), .q8_1: (32, 40), .q2_K: (256, 84), .q3_K: (256, 110),
            .q4_K: (256, 144), .q5_K: (256, 176), .q6_K: (256, 210), .q8_K: (256, 292), .iq4_NL: (32, 18),
            .iq4_XS: (256, 136), .i8: (1, 1), .i64: (1, 8), .f64: (1, 8), .tq2_0: (256, 66), .mxfp4: (32, 17),
        ]
        for (type, (block, bytes)) in table {
            #expect(type.blockSize == block, "\(type.name)")
            #expect(type.bytesPerBlock == bytes, "\(type.name)")
        }
        #expect(GGUFTensorType(rawValue: 30) == .bf16)
        #expect(GGUFTensorType(rawValue: 4) == nil)
    }

    @Test func builtFileWithDefaultAlignment() throws {
        var b = GGUFBuilder()
        b.kv("general.architecture", string: "llama")
        b.f32("a", dims: [3], values: [1, 2, 3])
        b.f32("b", dims: [2, 2], values: [4, 5, 6, 7])
        let f = try GGUFFile(bytes: b.bytes())
        #expect(f.alignment == 32)
        #expect(try f.floats("a") == [1, 2, 3])
        #expect(try f.floats("b") == [4, 5, 6, 7])
        #expect(f.tensor("b")?.offset == 32)
        FormatsTesting.expectError("no tensor named 'c'") { _ = try f.floats("c") }
    }

    @Test func filesWithoutTensors() throws {
        var b = GGUFBuilder()
        b.kv("k", u32: 1)
        let f = try GGUFFile(bytes: b.header())
        #expect(f.tensors.isEmpty && f.metadata["k"] == .uint32(1))
        #expect(try GGUFFile(bytes: GGUFBuilder().header()).metadata.isEmpty)
    }

    @Test func emptyArraysAndScalarTensors() throws {
        var b = GGUFBuilder()
        b.kv("empty", type: 9, GGUFBuilder.le(UInt32(8)) + GGUFBuilder.le(UInt64(0)))
        b.f32("scalar", dims: [], values: [42])
        let f = try GGUFFile(bytes: b.bytes())
        #expect(f.metadata["empty"] == .array([]))
        #expect(f.tensor("scalar")?.shape == [])
        #expect(try f.floats("scalar") == [42])
    }
}

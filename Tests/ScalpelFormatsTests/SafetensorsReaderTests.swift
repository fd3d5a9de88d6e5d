import Testing
@testable import ScalpelFormats

@Suite struct SafetensorsReaderTests {
    let file: SafetensorsFile

    init() throws {
        file = try SafetensorsFile(path: FormatsTesting.fixture("safetensors/reference.safetensors"))
    }

    @Test func headerAndMetadata() throws {
        #expect(file.metadata == ["format": "np"])
        #expect(file.dataStart % 8 == 0)
        #expect(Set(file.tensorNames) == [
            "a.f16", "b.f32", "c.i32", "d.i8", "e.u8", "f.i64", "g.f64", "h.i16", "scalar", "empty",
            "name with \"quotes\" and ü",
        ])
        // tensors come in data order
        let offsets = file.tensors.map(\.dataOffsets.lowerBound)
        #expect(offsets == offsets.sorted())
        #expect(file.tensor("b.f32")?.dtype == .f32)
        #expect(file.tensor("b.f32")?.shape == [2, 3])
        #expect(file.tensor("scalar")?.shape == [])
        #expect(file.tensor("empty")?.shape == [0, 4])
        #expect(file.info("a.f16") == WeightInfo(dtype: "F16", shape: [2, 2]))
        #expect(file.info("nope") == nil)
        #expect(file.contains("h.i16"))
    }

    @Test func floatsOfEveryDtype() throws {
        #expect(try file.floats("b.f32") == [-1, -0.5, 0, 0.5, 1, 1.5])
        #expect(try file.floats("a.f16") == [1, -2, 0.5, 65504])
        #expect(try file.floats("c.i32") == [-7, 0, 2147483648])
        #expect(try file.floats("d.i8") == [-128, 5, 127])
        #expect(try file.floats("e.u8") == [0, 255])
        #expect(try file.floats("f.i64") == [-1_099_511_627_776, 3])
        #expect(try file.floats("g.f64") == [Float(0.1), -3])
        #expect(try file.floats("h.i16") == [-300, 300])
        #expect(try file.floats("scalar") == [2])
        #expect(try file.floats("empty") == [])
        #expect(try file.floats("name with \"quotes\" and ü") == [1])
    }

    @Test func rawBytesPointIntoTheMapping() throws {
        let raw = try file.rawBytes("c.i32")
        #expect(raw.count == 12)
        #expect(raw.loadUnaligned(fromByteOffset: 0, as: Int32.self) == -7)
        let base = UnsafeRawPointer(file.storage.base!)
        #expect(raw.baseAddress! - base == file.dataStart + file.tensor("c.i32")!.dataOffsets.lowerBound)
    }

    @Test func missingTensor() {
        FormatsTesting.expectError("reference.safetensors", "no tensor named 'zzz'") { _ = try file.floats("zzz") }
        FormatsTesting.expectError("no tensor named 'zzz'") { _ = try file.rawBytes("zzz") }
    }

    @Test func fp8CannotConvert() throws {
        var w = SafetensorsWriter()
        try w.add("x", dtype: .f8e4m3, shape: [2], bytes: [1, 2])
        let f = try SafetensorsFile(bytes: try w.serialized(), name: "fp8")
        #expect(f.info("x")?.dtype == "F8_E4M3")
        FormatsTesting.expectError("tensor 'x'", "F8_E4M3", "cannot be converted") { _ = try f.floats("x") }
    }

    @Test func openThroughWeightSources() throws {
        let source = try WeightSources.open(FormatsTesting.fixture("safetensors/reference.safetensors"))
        #expect(source is SafetensorsFile)
        #expect(try source.floats("b.f32").count == 6)
    }

    @Test func headerMayUseWhitespaceEscapesAndUnknownFields() throws {
        let json = #" { "t\u00fc" : { "shape":[2], "extra": {"k": [1, 2.5, null, true]}, "dtype" : "F32", "data_offsets":[0,8] } } "#
        let f = try SafetensorsFile(bytes: SafetensorsHostileTests.file(header: json, data: [UInt8](repeating: 0, count: 8)))
        #expect(f.tensorNames == ["tü"])
    }
}

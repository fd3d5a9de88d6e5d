import Foundation
import Testing
import ScalpelTensor
@testable import ScalpelFormats

@Suite struct SafetensorsWriterTests {
    @Test func bytesEqualTheReferenceImplementation() throws {
        let path = FormatsTesting.fixture("safetensors/reference.safetensors")
        let reference = try FormatsTesting.fixtureBytes("safetensors/reference.safetensors")
        let file = try SafetensorsFile(path: path)
        var w = SafetensorsWriter(metadata: file.metadata)
        // Added in a scrambled order: the writer sorts like the reference does.
        for t in file.tensors.reversed() {
            try w.add(t.name, dtype: t.dtype, shape: t.shape, bytes: Array(file.rawBytes(t)))
        }
        #expect(try w.serialized() == reference)
    }

    @Test func emptyFilesMatchTheReferenceTests() throws {
        #expect(try SafetensorsWriter().serialized() == [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
        let withMeta = try SafetensorsWriter(metadata: ["framework": "pt"]).serialized()
        #expect(withMeta == [
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32,
        ])
        let one = try {
            var w = SafetensorsWriter()
            try w.add("attn0", floats: [0, 1, 2, 3, 4, 5], shape: [1, 1, 2, 3])
            return try w.serialized()
        }()
        #expect(Array(one.prefix(8)) == [72, 0, 0, 0, 0, 0, 0, 0])
        #expect(String(decoding: one[8..<80], as: UTF8.self)
            == #"{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       "#)
    }

    @Test func headerIsAlwaysPaddedToEightBytes() throws {
        for length in 1...17 {
            var w = SafetensorsWriter()
            try w.add(String(repeating: "n", count: length), floats: [1], shape: [1])
            let f = try SafetensorsFile(bytes: try w.serialized())
            #expect(f.dataStart % 8 == 0)
        }
    }

    @Test func roundTripF32F16BF16AndInts() throws {
        let values: [Float] = [0, -0, 1, -1.5, 3.14159, 1e-8, 65519, 70000, -2.5e38, .infinity]
        var w = SafetensorsWriter(metadata: ["note": "line\n\"quoted\"\t\u{1}", "b": "ü"])
        try w.add("x.f32", floats: values, shape: [2, 5])
        try w.add("x.f16", floats: values, shape: [10], as: .f16)
        try w.add("x.bf16", floats: values, shape: [5, 2], as: .bf16)
        try w.add("x.i32", int32: [1, -2, .max], shape: [3])
        let f = try SafetensorsFile(bytes: try w.serialized())
        #expect(f.metadata == ["note": "line\n\"quoted\"\t\u{1}", "b": "ü"])
        #expect(FormatsTesting.bitEqual(try f.floats("x.f32"), values))
        #expect(FormatsTesting.bitEqual(try f.floats("x.f16"), values.map { HalfPrecision.f16ToFloat(HalfPrecision.floatToF16($0)) }))
        #expect(FormatsTesting.bitEqual(try f.floats("x.bf16"), values.map { HalfPrecision.bf16ToFloat(HalfPrecision.floatToBF16($0)) }))
        #expect(try f.floats("x.i32") == [1, -2, Float(Int32.max)])
        #expect(f.info("x.bf16") == WeightInfo(dtype: "BF16", shape: [5, 2]))
        // Larger alignment first: F32 and I32 (4 bytes) before BF16 and F16 (2 bytes).
        #expect(f.tensors.map(\.name) == ["x.f32", "x.i32", "x.bf16", "x.f16"])
    }

    @Test func refusesBadInput() throws {
        var w = SafetensorsWriter()
        try w.add("a", floats: [1, 2], shape: [2])
        FormatsTesting.expectError("tensor 'a' was added twice") { try w.add("a", floats: [1, 2], shape: [2]) }
        FormatsTesting.expectError("'b'", "needs 12 bytes, got 8") { try w.add("b", floats: [1, 2], shape: [3]) }
        FormatsTesting.expectError("'__metadata__' cannot name a tensor") { try w.add("__metadata__", floats: [1], shape: [1]) }
        FormatsTesting.expectError("'c'", "negative or overflows") { try w.add("c", floats: [], shape: [-1]) }
        FormatsTesting.expectError("not I8") { try w.add("d", floats: [1], shape: [1], as: .i8) }
        #expect(w.count == 1)
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporaryFiles() throws {
        let dir = try FormatsTesting.temporaryFolder()
        defer { FormatsTesting.remove(dir) }
        let path = dir + "/model.safetensors"
        var w = SafetensorsWriter()
        try w.add("a", floats: [1, 2, 3], shape: [3])
        try w.write(to: path)
        #expect(try SafetensorsFile(path: path).floats("a") == [1, 2, 3])

        var w2 = SafetensorsWriter()
        try w2.add("b", dtype: .f32, shape: [2]) { [0, 0, 128, 63, 0, 0, 0, 64] }
        try w2.write(to: path)
        #expect(try SafetensorsFile(path: path).floats("b") == [1, 2])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["model.safetensors"])
    }

    @Test func failedWriteKeepsTheOldFile() throws {
        let dir = try FormatsTesting.temporaryFolder()
        defer { FormatsTesting.remove(dir) }
        let path = dir + "/model.safetensors"
        try AtomicFile.write("old", to: path)
        var w = SafetensorsWriter()
        try w.add("a", floats: [1], shape: [1])
        try w.add("b", dtype: .f32, shape: [2]) { [1, 2, 3] }
        FormatsTesting.expectError("tensor 'b'", "producer returned 3 bytes", "needs 8") { try w.write(to: path) }
        #expect(String(decoding: try FormatsTesting.fixtureData(path), as: UTF8.self) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["model.safetensors"])

        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try AtomicFile.write(to: path) { out in
                try out.write("partial")
                throw Boom()
            }
        }
        #expect(String(decoding: try FormatsTesting.fixtureData(path), as: UTF8.self) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["model.safetensors"])
    }

    @Test func atomicWriteOfLargeBuffers() throws {
        let dir = try FormatsTesting.temporaryFolder()
        defer { FormatsTesting.remove(dir) }
        let path = dir + "/big.bin"
        let chunk = [UInt8](repeating: 7, count: 700_000)
        let written = try AtomicFile.write(to: path) { out -> Int in
            try out.write(chunk)
            try out.write(chunk)
            try out.write([UInt8](repeating: 9, count: 3_000_000))
            try out.write(contentsOf: [Float(1)])
            return out.bytesWritten
        }
        #expect(written == 4_400_004)
        let back = try FormatsTesting.fixtureData(path)
        #expect(back.count == written)
        #expect(back[1_399_999] == 7 && back[1_400_000] == 9 && back[4_399_999] == 9)
        #expect(Array(back.suffix(4)) == [0, 0, 128, 63])
    }

    @Test func atomicWriteIntoAMissingFolderFails() {
        FormatsTesting.expectError("/no/such/folder/x.bin", "cannot create a temporary file") {
            try AtomicFile.write([1], to: "/no/such/folder/x.bin")
        }
    }
}

extension FormatsTesting {
    /// The bytes of any file.
    static func fixtureData(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

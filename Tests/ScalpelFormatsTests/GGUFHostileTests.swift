import Testing
@testable import ScalpelFormats

/// Broken and malicious GGUF files: each must throw a `FormatError` that names the problem.
@Suite struct GGUFHostileTests {
    static func parse(_ b: GGUFBuilder) throws { _ = try GGUFFile(bytes: b.bytes(), name: "bad.gguf") }
    static func parse(_ bytes: [UInt8]) throws { _ = try GGUFFile(bytes: bytes, name: "bad.gguf") }


    @Test func truncatedAtEveryCut() throws {
        let bytes = try FormatsTesting.fixtureBytes("gguf/llama_tiny.gguf")
        let whole = try GGUFFile(bytes: bytes)
        let needed = whole.tensors.map { whole.dataStart + $0.offset + $0.byteCount }.max()!
        for cut in 0..<bytes.count {
            do {
                _ = try GGUFFile(bytes: Array(bytes[..<cut]), name: "cut.gguf")
                #expect(cut >= needed, "cut at \(cut) was accepted")
            } catch is FormatError {
            } catch {
                Issue.record("cut at \(cut): \(error)")
            }
        }
    }

    @Test func badMagicAndVersions() {
        FormatsTesting.expectError("bad.gguf", "too short to be a GGUF file (3 bytes)") { try Self.parse([0x47, 0x47, 0x55]) }
        var b = GGUFBuilder()
        b.magic = Array("GGML".utf8)
        FormatsTesting.expectError("not a GGUF file", "'GGML'") { try Self.parse(b) }
        b.magic = [0x00, 0xFF, 0x47, 0x47]
        FormatsTesting.expectError("not a GGUF file", "\\x0\\xffGG") { try Self.parse(b) }
        b = GGUFBuilder()
        b.version = 1
        FormatsTesting.expectError("GGUF version 1 is not supported") { try Self.parse(b) }
        b.version = 4
        FormatsTesting.expectError("unsupported GGUF version 4") { try Self.parse(b) }
        b.version = 0x0300_0000
        FormatsTesting.expectError("big-endian GGUF is not supported") { try Self.parse(b) }
        FormatsTesting.expectError("truncated", "version") { try Self.parse(Array("GGUF".utf8) + [3]) }
    }

    @Test func hugeCountsAreRefusedBeforeAllocating() {
        var b = GGUFBuilder()
        b.tensorCountOverride = .max
        FormatsTesting.expectError("tensor count 18446744073709551615 is impossible") { try Self.parse(b) }
        b.tensorCountOverride = 1 << 40
        FormatsTesting.expectError("tensor count 1099511627776 is impossible") { try Self.parse(b) }
        b = GGUFBuilder()
        b.kvCountOverride = .max
        FormatsTesting.expectError("metadata count 18446744073709551615 is impossible") { try Self.parse(b) }
        b = GGUFBuilder()
        b.kv("k", u32: 1)
        b.kvCountOverride = 3
        FormatsTesting.expectError("metadata count 3 is impossible") { try Self.parse(b.header()) }
    }

    @Test func hugeStringAndArrayLengths() {
        // Key length.
        var raw = Array("GGUF".utf8) + GGUFBuilder.le(UInt32(3)) + GGUFBuilder.le(UInt64(0)) + GGUFBuilder.le(UInt64(1))
        raw += GGUFBuilder.le(UInt64.max) + [UInt8](repeating: 0x61, count: 16)
        FormatsTesting.expectError("length of metadata key 0", "too large") { try Self.parse(raw) }
        raw = Array(raw.prefix(24)) + GGUFBuilder.le(UInt64(1 << 40)) + [UInt8](repeating: 0x61, count: 16)
        FormatsTesting.expectError("truncated", "needs 1099511627776 bytes for metadata key 0") { try Self.parse(raw) }
        // String value length.
        var b = GGUFBuilder()
        b.kv("s", type: 8, GGUFBuilder.le(UInt64.max) + Array("abc".utf8))
        FormatsTesting.expectError("metadata 's': string length 18446744073709551615 runs past the end") { try Self.parse(b) }
        // Array length.
        b = GGUFBuilder()
        b.kv("a", type: 9, GGUFBuilder.le(UInt32(0)) + GGUFBuilder.le(UInt64.max))
        FormatsTesting.expectError("metadata 'a': array length 18446744073709551615 cannot fit") { try Self.parse(b) }
        b = GGUFBuilder()
        b.kv("a", type: 9, GGUFBuilder.le(UInt32(8)) + GGUFBuilder.le(UInt64(1 << 30)) + [UInt8](repeating: 0, count: 64))
        FormatsTesting.expectError("metadata 'a': array length 1073741824 cannot fit") { try Self.parse(b.header()) }
        b = GGUFBuilder()
        b.kv("a", type: 9, GGUFBuilder.le(UInt32(9)) + GGUFBuilder.le(UInt64(6)) + [UInt8](repeating: 0, count: 64))
        FormatsTesting.expectError("metadata 'a': array length 6 cannot fit") { try Self.parse(b.header()) }
        // Tensor name length.
        b = GGUFBuilder()
        b.infos = [GGUFBuilder.le(UInt64.max) + [UInt8](repeating: 0, count: 24)]
        FormatsTesting.expectError("name length of tensor 0", "too large") { try Self.parse(b) }
    }

    @Test func badMetadataValues() {
        var b = GGUFBuilder()
        b.kv("k", type: 13, [0, 0, 0, 0])
        FormatsTesting.expectError("metadata 'k' has unknown value type 13") { try Self.parse(b) }
        b = GGUFBuilder()
        b.kv("k", type: 9, GGUFBuilder.le(UInt32(77)) + GGUFBuilder.le(UInt64(1)) + [0, 0, 0, 0])
        FormatsTesting.expectError("metadata 'k': unknown array element type 77") { try Self.parse(b) }
        b = GGUFBuilder()
        b.kv("k", type: 8, GGUFBuilder.le(UInt64(2)) + [0xC3, 0x28])
        FormatsTesting.expectError("string of metadata 'k' is not valid UTF-8") { try Self.parse(b) }
        b = GGUFBuilder()
        b.kvs = [GGUFBuilder.le(UInt64(2)) + [0xFF, 0xFF] + GGUFBuilder.le(UInt32(0)) + [1]]
        FormatsTesting.expectError("metadata key 0 is not valid UTF-8") { try Self.parse(b) }
        b = GGUFBuilder()
        b.kv("k", u32: 1)
        b.kv("k", u32: 2)
        FormatsTesting.expectError("metadata key 'k' appears twice") { try Self.parse(b) }
        b = GGUFBuilder()
        var nested: [UInt8] = []
        for _ in 0..<12 { nested += GGUFBuilder.le(UInt32(9)) + GGUFBuilder.le(UInt64(1)) }
        nested += GGUFBuilder.le(UInt32(0)) + GGUFBuilder.le(UInt64(1)) + [5]
        b.kv("deep", type: 9, nested)
        FormatsTesting.expectError("metadata 'deep': arrays nested deeper than 8 levels") { try Self.parse(b) }
        b = GGUFBuilder()
        b.kv("u32", type: 4, [1, 2])
        FormatsTesting.expectError("truncated", "value of 'u32'") { try Self.parse(b.header()) }
    }

    @Test func alignment() {
        for (value, message) in [(UInt32(48), "general.alignment 48 is not a power of two"),
                                 (0, "general.alignment 0 is not a power of two")] {
            var b = GGUFBuilder()
            b.kv("general.alignment", u32: value)
            FormatsTesting.expectError(message) { try Self.parse(b) }
        }
        var b = GGUFBuilder()
        b.kv("general.alignment", string: "32")
        FormatsTesting.expectError("general.alignment must be an integer") { try Self.parse(b) }
        b = GGUFBuilder()
        b.kv("general.alignment", u32: 16)
        b.alignment = 16
        b.f32("a", dims: [2], values: [1, 2])
        b.f32("b", dims: [2], values: [3, 4])
        #expect(throws: Never.self) { try Self.parse(b) }
    }

    @Test func badTensorInfos() {
        var b = GGUFBuilder()
        b.data = [UInt8](repeating: 0, count: 64)
        b.tensorInfo("five", dims: [1, 1, 1, 1, 1], type: 0, offset: 0)
        FormatsTesting.expectError("tensor 'five' has 5 dimensions (at most 4 are allowed)") { try Self.parse(b) }

        b.infos = []
        b.tensorInfo("odd", dims: [4], type: 99, offset: 0)
        FormatsTesting.expectError("tensor 'odd' has unknown type 99") { try Self.parse(b) }

        b.infos = []
        b.tensorInfo("mis", dims: [4], type: 0, offset: 4)
        FormatsTesting.expectError("tensor 'mis': offset 4 is not a multiple of the alignment 32") { try Self.parse(b) }

        b.infos = []
        b.tensorInfo("q", dims: [48, 2], type: 2, offset: 0)
        FormatsTesting.expectError("tensor 'q': first dimension 48 is not a multiple of the Q4_0 block size 32") { try Self.parse(b) }

        b.infos = []
        b.tensorInfo("big", dims: [17], type: 0, offset: 0)
        FormatsTesting.expectError("tensor 'big' (68 bytes at data offset 0) runs past the end of the file") { try Self.parse(b) }

        b.infos = []
        b.tensorInfo("far", dims: [1], type: 0, offset: UInt64(Int.max) - 31)
        FormatsTesting.expectError("tensor 'far'", "runs past the end of the file") { try Self.parse(b) }

        b.infos = []
        b.tensorInfo("huge", dims: [1 << 32, 1 << 32], type: 0, offset: 0)
        FormatsTesting.expectError("tensor 'huge': dimensions [4294967296, 4294967296] × F32 overflow") { try Self.parse(b) }

        b.infos = []
        b.tensorInfo("neg", dims: [UInt64.max], type: 0, offset: 0)
        FormatsTesting.expectError("tensor 'neg': dimension 0 is 18446744073709551615, too large") { try Self.parse(b) }

        b.infos = []
        b.tensorInfo("huge2", dims: [1 << 40, 1 << 30], type: 8 - 8, offset: 0)
        FormatsTesting.expectError("tensor 'huge2'", "overflow") { try Self.parse(b) }

        b.infos = []
        b.tensorInfo("far2", dims: [1], type: 0, offset: UInt64.max - 31)
        FormatsTesting.expectError("tensor 'far2': offset 18446744073709551584 is too large") { try Self.parse(b) }
    }

    @Test func overlappingAndDuplicateTensors() {
        var b = GGUFBuilder()
        b.data = [UInt8](repeating: 0, count: 128)
        b.tensorInfo("a", dims: [16], type: 0, offset: 0)
        b.tensorInfo("b", dims: [8], type: 0, offset: 32)
        FormatsTesting.expectError("tensors 'a' (data bytes 0..<64) and 'b' (data bytes 32..<64) overlap") { try Self.parse(b) }
        b.infos = []
        b.tensorInfo("a", dims: [8], type: 0, offset: 0)
        b.tensorInfo("a", dims: [8], type: 0, offset: 32)
        FormatsTesting.expectError("tensor name 'a' appears twice") { try Self.parse(b) }
        b.infos = []
        b.tensorInfo("a", dims: [8], type: 0, offset: 0)
        b.tensorInfo("empty", dims: [0, 3], type: 0, offset: 0)
        #expect(throws: Never.self) { try Self.parse(b) }
    }

    @Test func refusesFoldersAndEmptyFiles() throws {
        let dir = try FormatsTesting.temporaryFolder()
        defer { FormatsTesting.remove(dir) }
        FormatsTesting.expectError("is a folder") { _ = try GGUFFile(path: dir) }
        try AtomicFile.write([], to: dir + "/e.gguf")
        FormatsTesting.expectError("e.gguf: file is empty") { _ = try GGUFFile(path: dir + "/e.gguf") }
    }

    @Test func randomMutationsNeverTrap() throws {
        let original = try FormatsTesting.fixtureBytes("gguf/llama_tiny.gguf")
        let headerEnd = try GGUFFile(bytes: original).dataStart
        var rng = FormatsTesting.Rng(state: 11)
        var parsed = 0
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<headerEnd, using: &rng)
                bytes[at] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                let f = try GGUFFile(bytes: bytes)
                for t in f.tensors where t.type.canDequantize && t.elementCount < 1 << 20 { _ = try f.floats(t.name) }
                if let s = try? GGUFWeightSource(file: f) {
                    for n in s.tensorNames where s.info(n)!.elementCount < 1 << 20 { _ = try? s.floats(n) }
                }
                parsed += 1
            } catch is FormatError {
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        #expect(parsed < 3000)
    }
}

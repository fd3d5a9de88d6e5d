import Testing
@testable import ScalpelFormats

/// MappedFile, ByteReader and AtomicFile, the pieces both formats stand on.
@Suite struct SafetensorsIOTests {
    @Test func mappedFileRefusals() throws {
        let dir = try FormatsTesting.temporaryFolder()
        defer { FormatsTesting.remove(dir) }
        FormatsTesting.expectError(dir, "is a folder, not a file") { _ = try MappedFile(path: dir) }
        FormatsTesting.expectError("/dev/null", "is not a regular file") { _ = try MappedFile(path: "/dev/null") }
        FormatsTesting.expectError(dir + "/none", "cannot open", "No such file") { _ = try MappedFile(path: dir + "/none") }
        try AtomicFile.write([], to: dir + "/empty")
        FormatsTesting.expectError("empty: file is empty") { _ = try MappedFile(path: dir + "/empty") }
        let empty = try MappedFile(path: dir + "/empty", allowEmpty: true)
        #expect(empty.count == 0 && empty.base == nil && empty.bytes.isEmpty)
    }

    @Test func mappedFileBytes() throws {
        let dir = try FormatsTesting.temporaryFolder()
        defer { FormatsTesting.remove(dir) }
        try AtomicFile.write([1, 2, 3, 250], to: dir + "/f")
        let m = try MappedFile(path: dir + "/f")
        #expect(m.count == 4 && Array(m.bytes) == [1, 2, 3, 250])
        let mem = MappedFile(bytes: [9, 8], name: "buf")
        #expect(mem.path == "buf" && Array(mem.bytes) == [9, 8])
        #expect(MappedFile(bytes: []).count == 0)
    }

    @Test func byteReaderReadsLittleEndian() throws {
        let m = MappedFile(bytes: [0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x80, 0x3F, 0xFF, 0x68, 0x69], name: "r")
        var r = m.reader()
        #expect(try r.u16("a") == 0x0201)
        #expect(try r.u16("b") == 0x0403)
        #expect(try r.f32("c") == 1)
        #expect(try r.i8("d") == -1)
        #expect(try r.utf8(2, "e") == "hi")
        #expect(r.isAtEnd && r.remaining == 0)
        FormatsTesting.expectError("r: truncated: needs 4 bytes for the next thing at offset 11, only 0 left") {
            _ = try r.u32("the next thing")
        }
    }

    @Test func byteReaderRefusals() throws {
        var r = MappedFile(bytes: GGUFBuilder.le(UInt64.max) + [0xC3, 0x28], name: "r").reader()
        FormatsTesting.expectError("size 18446744073709551615 is too large") { _ = try r.count64("size") }
        FormatsTesting.expectError("name is not valid UTF-8") { _ = try r.utf8(2, "name") }
        FormatsTesting.expectError("needs -1 bytes") { _ = try r.bytes(-1, "x") }
        FormatsTesting.expectError("at offset 99 is outside the file (10 bytes)") { try r.seek(to: 99, "y") }
        try r.seek(to: 10, "end")
        #expect(r.isAtEnd)
    }

    @Test func checkedArithmetic() {
        #expect(ByteReader.multiply(Int.max, 2) == nil)
        #expect(ByteReader.multiply(1 << 31, 1 << 31) == 1 << 62)
        #expect(ByteReader.add(Int.max, 1) == nil)
        #expect(ByteReader.product([]) == 1)
        #expect(ByteReader.product([3, 0, Int.max]) == 0)
        #expect(ByteReader.product([1 << 32, 1 << 32]) == nil)
        #expect(ByteReader.product([2, -1]) == nil)
        #expect(ByteReader.alignUp(33, to: 32) == 64)
        #expect(ByteReader.alignUp(64, to: 32) == 64)
        #expect(ByteReader.alignUp(Int.max - 3, to: 32) == nil)
    }

    @Test func atomicTextAndReplace() throws {
        let dir = try FormatsTesting.temporaryFolder()
        defer { FormatsTesting.remove(dir) }
        try AtomicFile.write("one", to: dir + "/t.txt")
        try AtomicFile.write("two, longer", to: dir + "/t.txt")
        #expect(String(decoding: try FormatsTesting.fixtureData(dir + "/t.txt"), as: UTF8.self) == "two, longer")
        FormatsTesting.expectError("is not a file name") { try AtomicFile.write("x", to: dir + "/") }
    }
}

import Testing
@testable import ScalpelFormats

/// Broken and malicious safetensors files: each must throw a `FormatError` that names the problem.
@Suite struct SafetensorsHostileTests {
    /// A file with the given header text (length written honestly unless `length` is given) and data.
    static func file(header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        return GGUFBuilder.le(length ?? UInt64(h.count)) + h + data
    }

    static func parse(_ header: String, data: [UInt8] = [], length: UInt64? = nil) throws {
        _ = try SafetensorsFile(bytes: file(header: header, data: data, length: length), name: "bad.safetensors")
    }

    static func entry(name: String = "t", dtype: String = "F32", shape: String = "[2]", offsets: String = "[0,8]") -> String {
        #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
    }

    let zeros8 = [UInt8](repeating: 0, count: 8)

    @Test func truncatedAtEveryCut() throws {
        let bytes = try FormatsTesting.fixtureBytes("safetensors/reference.safetensors")
        #expect(throws: Never.self) { try SafetensorsFile(bytes: bytes) }
        for cut in 0..<bytes.count {
            #expect(throws: FormatError.self, "cut at \(cut)") {
                try SafetensorsFile(bytes: Array(bytes[..<cut]), name: "cut.safetensors")
            }
        }
    }

    @Test func tooShortForTheLength() {
        FormatsTesting.expectError("bad.safetensors", "too short", "3 bytes") {
            _ = try SafetensorsFile(bytes: [1, 2, 3], name: "bad.safetensors")
        }
    }

    @Test func lyingHeaderLength() {
        FormatsTesting.expectError("header length 500", "runs past the end of the file") {
            try Self.parse("{}", length: 500)
        }
        FormatsTesting.expectError("header length 1", "too small") { try Self.parse("{", length: 1) }
        FormatsTesting.expectError("header length 0", "too small") { try Self.parse("", length: 0) }
        FormatsTesting.expectError("header length 100000001", "limit") { try Self.parse("{}", length: 100_000_001) }
        FormatsTesting.expectError("header length 18446744073709551615", "limit") { try Self.parse("{}", length: .max) }
    }

    @Test func headerNotJSON() {
        FormatsTesting.expectError("header is not valid JSON") { try Self.parse("not json") }
        FormatsTesting.expectError("header is not valid JSON", "unexpected end") { try Self.parse(#"{"a":{"#) }
        FormatsTesting.expectError("header is not valid JSON", "after the JSON value") { try Self.parse("{} {}") }
        FormatsTesting.expectError("header is not valid JSON", "expected a string key") { try Self.parse(#"{"a":1,}"#) }
        FormatsTesting.expectError("header is an array, not a JSON object") { try Self.parse("[1, 2]") }
        FormatsTesting.expectError("header is a string") { try Self.parse(#""{}""#) }
        FormatsTesting.expectError("header is not valid JSON", "control character") { try Self.parse("{\"a\n\":1}") }
        FormatsTesting.expectError("header is not valid JSON", "unpaired surrogate") { try Self.parse(#"{"\ud800":1}"#) }
        FormatsTesting.expectError("header is not valid JSON", "leading zero") { try Self.parse(#"{"a":01}"#) }
        // Where: line and column, and the byte of the header.
        FormatsTesting.expectError("header is not valid JSON at line 1, column 8 (byte 7 of the header): expected a string key") {
            try Self.parse(#"{"a":1,}"#)
        }
        FormatsTesting.expectError("header is not valid JSON at line 3, column 1 (byte 9 of the header): unterminated string") {
            try Self.parse("{\n\"a\":1,\n\"b")
        }
        // What serde_json refuses is refused here too, though config files may have it.
        FormatsTesting.expectError("header is not valid JSON", "unexpected character 'N'") { try Self.parse(#"{"a":NaN}"#) }
        FormatsTesting.expectError("header is not valid JSON", "unexpected character '\\xef'") { try Self.parse("\u{FEFF}{}") }
    }

    @Test func invalidUTF8InHeader() {
        let inString: [UInt8] = Array("{\"".utf8) + [0xFF, 0xFE] + Array("\":1}".utf8)
        FormatsTesting.expectError("header is not valid JSON", "not valid UTF-8") {
            _ = try SafetensorsFile(bytes: GGUFBuilder.le(UInt64(inString.count)) + inString)
        }
        let bare: [UInt8] = [0x7B, 0xFF, 0x7D]
        FormatsTesting.expectError("header is not valid JSON", "expected a string key") {
            _ = try SafetensorsFile(bytes: GGUFBuilder.le(UInt64(bare.count)) + bare)
        }
        let value: [UInt8] = Array("{\"a\":".utf8) + [0xFF] + [0x7D]
        FormatsTesting.expectError("header is not valid JSON", "unexpected character '\\xff'") {
            _ = try SafetensorsFile(bytes: GGUFBuilder.le(UInt64(value.count)) + value)
        }
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        FormatsTesting.expectError("nested deeper than") { try Self.parse(deep) }
    }

    @Test func duplicateKeys() {
        FormatsTesting.expectError("\"t\" appears twice") {
            try Self.parse("{" + Self.entry() + "," + Self.entry() + "}", data: zeros8)
        }
        // Inside an entry too, and said where.
        FormatsTesting.expectError("header is not valid JSON at line 1, column 21", #"key "dtype" appears twice"#) {
            try Self.parse(#"{"t":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}"#, data: zeros8)
        }
    }

    @Test func offsetsOutsideTheData() {
        FormatsTesting.expectError("tensor 't'", "[0, 16]", "run past the end of the data region (8 bytes)") {
            try Self.parse("{" + Self.entry(shape: "[4]", offsets: "[0,16]") + "}", data: zeros8)
        }
        FormatsTesting.expectError("tensor 't'", "[12, 8]", "begin after they end") {
            try Self.parse("{" + Self.entry(offsets: "[12,8]") + "}", data: zeros8)
        }
        FormatsTesting.expectError("tensor 't'", "too large") {
            try Self.parse("{" + Self.entry(offsets: "[0,18446744073709551615]") + "}", data: zeros8)
        }
        FormatsTesting.expectError("tensor 't'", "expected non-negative integers") {
            try Self.parse("{" + Self.entry(offsets: "[0,99999999999999999999999]") + "}", data: zeros8)
        }
        // Exact to the last digit: never rounded through Double.
        FormatsTesting.expectError("tensor 't': 'data_offsets' value 18446744073709551615 is too large") {
            try Self.parse("{" + Self.entry(offsets: "[0,18446744073709551615]") + "}", data: zeros8)
        }
        FormatsTesting.expectError("tensor 't': 'data_offsets' value 9223372036854775808 is too large") {
            try Self.parse("{" + Self.entry(offsets: "[0,9223372036854775808]") + "}", data: zeros8)
        }
        FormatsTesting.expectError("tensor 't'", "[0, 9007199254740993]", "run past the end of the data region") {
            try Self.parse("{" + Self.entry(offsets: "[0,9007199254740993]") + "}", data: zeros8)
        }
    }

    @Test func overlappingTensors() {
        let header = "{" + Self.entry(name: "a", shape: "[2]", offsets: "[0,8]") + ","
            + Self.entry(name: "b", shape: "[2]", offsets: "[4,12]") + "}"
        FormatsTesting.expectError("tensors 'a'", "'b'", "overlap") {
            try Self.parse(header, data: [UInt8](repeating: 0, count: 12))
        }
        // Touching is fine, and so is a gap.
        let touching = "{" + Self.entry(name: "a", offsets: "[0,8]") + "," + Self.entry(name: "b", offsets: "[12,20]") + "}"
        #expect(throws: Never.self) { try Self.parse(touching, data: [UInt8](repeating: 0, count: 20)) }
    }

    @Test func byteCountDisagreesWithShape() {
        FormatsTesting.expectError("tensor 't'", "shape [3] × F32 needs 12 bytes", "hold 8") {
            try Self.parse("{" + Self.entry(shape: "[3]") + "}", data: zeros8)
        }
        FormatsTesting.expectError("shape [2] × F16 needs 4 bytes") {
            try Self.parse("{" + Self.entry(dtype: "F16") + "}", data: zeros8)
        }
    }

    @Test func shapeProductOverflow() {
        FormatsTesting.expectError("tensor 't'", "overflows") {
            try Self.parse("{" + Self.entry(shape: "[4294967296,4294967296]") + "}", data: zeros8)
        }
        FormatsTesting.expectError("tensor 't'", "overflows") {
            try Self.parse("{" + Self.entry(shape: "[2305843009213693952]") + "}", data: zeros8)
        }
    }

    @Test func unknownDtype() {
        FormatsTesting.expectError("tensor 't' has unknown dtype 'F17'") {
            try Self.parse("{" + Self.entry(dtype: "F17") + "}", data: zeros8)
        }
        FormatsTesting.expectError("'dtype' is an integer") {
            try Self.parse(#"{"t":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}"#, data: zeros8)
        }
    }

    @Test func malformedEntries() {
        FormatsTesting.expectError("tensor 't' has no 'shape'") {
            try Self.parse(#"{"t":{"dtype":"F32","data_offsets":[0,8]}}"#, data: zeros8)
        }
        FormatsTesting.expectError("tensor 't' has no 'data_offsets'") {
            try Self.parse(#"{"t":{"dtype":"F32","shape":[2]}}"#, data: zeros8)
        }
        FormatsTesting.expectError("tensor 't' has no 'dtype'") {
            try Self.parse(#"{"t":{"shape":[2],"data_offsets":[0,8]}}"#, data: zeros8)
        }
        FormatsTesting.expectError("tensor 't' is described by an array") { try Self.parse(#"{"t":[1]}"#, data: zeros8) }
        FormatsTesting.expectError("'shape' is a string") {
            try Self.parse("{" + Self.entry(shape: "\"2\"") + "}", data: zeros8)
        }
        FormatsTesting.expectError("'shape' holds -2") { try Self.parse("{" + Self.entry(shape: "[-2]") + "}", data: zeros8) }
        FormatsTesting.expectError("'shape' holds 2.0") { try Self.parse("{" + Self.entry(shape: "[2.0]") + "}", data: zeros8) }
        FormatsTesting.expectError("'shape' holds 2.0") { try Self.parse("{" + Self.entry(shape: "[2e0]") + "}", data: zeros8) }
        FormatsTesting.expectError("'data_offsets' has 3 values") {
            try Self.parse("{" + Self.entry(offsets: "[0,4,8]") + "}", data: zeros8)
        }
    }

    @Test func metadataMustBeStrings() {
        FormatsTesting.expectError("__metadata__ entry 'n' is an integer") { try Self.parse(#"{"__metadata__":{"n":1}}"#) }
        FormatsTesting.expectError("__metadata__ is an array") { try Self.parse(#"{"__metadata__":["x"]}"#) }
        FormatsTesting.expectError("__metadata__ entry 'x' is a number") { try Self.parse(#"{"__metadata__":{"x":1.5}}"#) }
        #expect(throws: Never.self) { try Self.parse(#"{"__metadata__":{"k":"v","\u00e9":"\n"}}"#) }
    }

    @Test func refusesFoldersEmptyAndMissingFiles() throws {
        let dir = try FormatsTesting.temporaryFolder()
        defer { FormatsTesting.remove(dir) }
        FormatsTesting.expectError(dir, "is a folder") { _ = try SafetensorsFile(path: dir) }
        try FormatsTesting.write([], to: dir + "/empty.safetensors")
        FormatsTesting.expectError("empty.safetensors", "file is empty") { _ = try SafetensorsFile(path: dir + "/empty.safetensors") }
        FormatsTesting.expectError("nothing.safetensors", "cannot open") { _ = try SafetensorsFile(path: dir + "/nothing.safetensors") }
    }

    @Test func randomMutationsNeverTrap() throws {
        let original = try FormatsTesting.fixtureBytes("safetensors/reference.safetensors")
        var rng = FormatsTesting.Rng(state: 7)
        var parsed = 0
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<min(bytes.count, 400), using: &rng)
                bytes[at] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                let f = try SafetensorsFile(bytes: bytes)
                for name in f.tensorNames where f.tensor(name)!.dtype.convertsToFloat { _ = try f.floats(name) }
                parsed += 1
            } catch is FormatError {
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        #expect(parsed < 3000)
    }
}

import Testing
@testable import ScalpelFormats

/// The one JSON parser: hostile input (deep nesting, repeated keys, huge integers, broken UTF-8,
/// unterminated strings) must be refused with a message that says where, never trap or round.
@Suite struct JSONParserTests {
    /// Parses `bytes` with `options`, through the raw-buffer entry the safetensors reader uses.
    static func parse(_ bytes: [UInt8], _ options: JSONValue.ParseOptions = .standard) throws -> JSONValue {
        try bytes.withUnsafeBytes { try JSONValue.parse($0, options: options) }
    }

    static func parse(_ text: String, _ options: JSONValue.ParseOptions = .standard) throws -> JSONValue {
        try parse(Array(text.utf8), options)
    }

    /// Expects `bytes` to be refused with a problem containing `problem`, at `line` and `column`.
    static func expectFailure(_ bytes: [UInt8], _ options: JSONValue.ParseOptions, _ problem: String,
                              line: Int, column: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let value = try parse(bytes, options)
            Issue.record("parsed as \(value.briefDescription), expected \(problem)", sourceLocation: sourceLocation)
        } catch let error as JSONValue.ParseError {
            #expect(error.problem.contains(problem), "\(error.problem) lacks \(problem)", sourceLocation: sourceLocation)
            #expect(error.location == "line \(line), column \(column)", "\(error.problem)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    static func expectFailure(_ text: String, _ options: JSONValue.ParseOptions, _ problem: String,
                              line: Int, column: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        expectFailure(Array(text.utf8), options, problem, line: line, column: column, sourceLocation: sourceLocation)
    }

    /// The same, with the options config files are read with.
    static func expectFailure(_ bytes: [UInt8], _ problem: String, line: Int, column: Int,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        expectFailure(bytes, .standard, problem, line: line, column: column, sourceLocation: sourceLocation)
    }

    static func expectFailure(_ text: String, _ problem: String, line: Int, column: Int,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        expectFailure(Array(text.utf8), .standard, problem, line: line, column: column, sourceLocation: sourceLocation)
    }

    // MARK: - Nesting

    @Test func deepNestingIsRefusedAtTheCap() throws {
        for (options, cap) in [(JSONValue.ParseOptions.standard, 512), (.strict, 64)] {
            let ok = String(repeating: "[", count: cap) + String(repeating: "]", count: cap)
            #expect(throws: Never.self) { try Self.parse(ok, options) }
            let over = String(repeating: "[", count: cap + 1) + String(repeating: "]", count: cap + 1)
            Self.expectFailure(over, options, "nested deeper than \(cap) levels", line: 1, column: cap + 1)
            // Objects count as levels too.
            let objects = String(repeating: #"{"a":"#, count: cap + 1) + "1" + String(repeating: "}", count: cap + 1)
            Self.expectFailure(objects, options, "nested deeper than \(cap) levels", line: 1, column: 5 * cap + 1)
        }
        // Far past the cap, with nothing closed: refused at the cap, not by running out of stack.
        let hostile = String(repeating: "[", count: 1_000_000)
        Self.expectFailure(hostile, .standard, "nested deeper than 512 levels", line: 1, column: 513)
        let mixed = String(repeating: #"[{"k":"#, count: 200_000)
        Self.expectFailure(mixed, .strict, "nested deeper than 64 levels", line: 1, column: 6 * 32 + 1)
    }

    // MARK: - Keys

    @Test func duplicateKeys() throws {
        // Config files: the last value wins, as in Python's json.
        let doc = "{\"a\": 1,\n \"b\": {\"c\": 2, \"c\": 3},\n \"a\": 4}"
        let v = try Self.parse(doc)
        #expect(v["a"] == .int(4))
        #expect(v["b"]?["c"] == .int(3))
        // Strict (safetensors headers and indexes): refused where the repeat starts, however deep.
        Self.expectFailure(doc, .strict, #"key "c" appears twice"#, line: 2, column: 16)
        Self.expectFailure(#"{"x": [{"k": 1, "k": 1}]}"#, .strict, #"key "k" appears twice"#, line: 1, column: 17)
        // Keys are compared after unescaping.
        #expect(try Self.parse(#"{"E": 3, "e": 4}"#, .strict).object?.count == 2)
        Self.expectFailure(#"{"\u0041": 1, "A": 2}"#, .strict, #"key "A" appears twice"#, line: 1, column: 15)
        // A long or multi-line key is quoted on one line, shortened.
        let long = String(repeating: "k", count: 100) + "\\n"
        do {
            _ = try Self.parse("{\"\(long)\": 1, \"\(long)\": 2}", .strict)
            Issue.record("a repeated long key was accepted")
        } catch let error as JSONValue.ParseError {
            #expect(error.problem == "key \"" + String(repeating: "k", count: 40) + "…\" appears twice")
        }
        Self.expectFailure(#"{"a\nb": 1, "a\nb": 2}"#, .strict, #"key "a\nb" appears twice"#, line: 1, column: 13)
    }

    // MARK: - Numbers

    @Test func integersAreExactTo64Bits() throws {
        let v = try Self.parse("""
        [0, -0, 9007199254740993, -9007199254740993, 9223372036854775807, -9223372036854775808,
         9223372036854775808, 18446744073709551615, 18446744073709551616, -9223372036854775809,
         99999999999999999999999, 1.5, 1e3, 2E-2, -0.0]
        """, .strict)
        let a = try #require(v.array)
        #expect(a[0] == .int(0))
        #expect(a[1] == .int(0))
        // 2^53 + 1 does not survive a trip through Double.
        #expect(a[2] == .int(9_007_199_254_740_993))
        #expect(a[3] == .int(-9_007_199_254_740_993))
        #expect(a[4] == .int(.max))
        #expect(a[5] == .int(.min))
        #expect(a[6] == .uint(9_223_372_036_854_775_808))
        #expect(a[7] == .uint(.max))
        #expect(a[7].uint64 == .max && a[7].int == nil && a[7].kindDescription == "an integer")
        // Past 64 bits only a floating-point value is left; it is never taken for an integer.
        #expect(a[8] == .double(18_446_744_073_709_551_616))
        #expect(a[8].uint64 == nil)
        #expect(a[9] == .double(-9_223_372_036_854_775_808))
        #expect(a[10] == .double(1e23) && a[10].uint64 == nil)
        #expect(a[11] == .double(1.5))
        #expect(a[12] == .double(1000) && a[12].uint64 == nil && a[12].int == 1000)
        #expect(a[13] == .double(0.02))
        #expect(a[14].double == 0 && a[14].double?.sign == .minus)
        #expect(JSONValue.int(-1).uint64 == nil && JSONValue.int(7).uint64 == 7)
        // 20 digits that overflow the accumulator partway.
        #expect(try Self.parse("28446744073709551615") == .double(28_446_744_073_709_551_616))
        #expect(try Self.parse("1e999") == .double(.infinity))
    }

    @Test func numberSyntax() throws {
        Self.expectFailure("01", "leading zero", line: 1, column: 2)
        Self.expectFailure("[-00]", "leading zero", line: 1, column: 4)
        Self.expectFailure("-", "unexpected end of input", line: 1, column: 2)
        Self.expectFailure("-a", "expected digits", line: 1, column: 2)
        Self.expectFailure("1.", "expected digits after '.'", line: 1, column: 3)
        Self.expectFailure("1.e5", "expected digits after '.'", line: 1, column: 3)
        Self.expectFailure("1e+", "expected digits in the exponent", line: 1, column: 4)
        Self.expectFailure(".5", "unexpected character '.'", line: 1, column: 1)
        Self.expectFailure("+1", "unexpected character '+'", line: 1, column: 1)
        Self.expectFailure("0x10", "unexpected text after the JSON value", line: 1, column: 2)
        // Python's non-finite numbers: accepted for config files, refused in strict mode.
        let nonFinite = try #require(try Self.parse("[NaN, Infinity, -Infinity]").array)
        #expect(nonFinite[0].double?.isNaN == true && nonFinite[1] == .double(.infinity) && nonFinite[2] == .double(-.infinity))
        Self.expectFailure("[NaN]", .strict, "unexpected character 'N'", line: 1, column: 2)
        Self.expectFailure("[-Infinity]", .strict, "expected digits", line: 1, column: 3)
        Self.expectFailure("[Nan]", "expected NaN", line: 1, column: 2)
    }

    // MARK: - Strings

    @Test func invalidUTF8IsRefusedWhereItIs() {
        func inString(_ bad: [UInt8]) -> [UInt8] { Array("{\n \"ok é\": \"ab".utf8) + bad + Array("\"}".utf8) }
        // line 2: ` "ok é": "ab` is 12 scalars, so the bad byte is in column 13.
        for bad: [UInt8] in [
            [0xFF], [0xFE], [0x80],               // never valid / a lone continuation byte
            [0xC0, 0xAF], [0xC1, 0xBF],           // overlong two-byte forms
            [0xE0, 0x80, 0xAF],                   // overlong three-byte form
            [0xF0, 0x80, 0x80, 0xAF],             // overlong four-byte form
            [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], // UTF-16 surrogates encoded directly
            [0xF4, 0x90, 0x80, 0x80],             // above U+10FFFF
            [0xF5, 0x80, 0x80, 0x80],
            [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98], // cut short by the closing quote
            [0xC3, 0x41],                         // a lead byte without its continuation
        ] {
            Self.expectFailure(inString(bad), "not valid UTF-8", line: 2, column: 13)
        }
        // Cut short by the end of the input.
        Self.expectFailure([0x22, 0x61, 0xE2, 0x82], "not valid UTF-8", line: 1, column: 3)
        // Outside strings a high byte is just an unexpected character.
        Self.expectFailure([0x5B, 0xFF, 0x5D], "unexpected character '\\xff'", line: 1, column: 2)
        // The boundaries of each range are accepted.
        for good: [UInt8] in [[0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
                              [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF]] {
            let value = try? Self.parse(inString(good), .strict)
            #expect(value?["ok é"]?.string == "ab" + String(decoding: good, as: UTF8.self), "\(good)")
        }
    }

    @Test func escapesMustNameScalars() throws {
        let v = try Self.parse(#"["\u00e9\ud83d\ude00\u0000\/\b\f\n\r\t\"\\", "a\uD834\uDD1Eb"]"#, .strict)
        #expect(v.array?[0] == .string("é😀\u{0}/\u{8}\u{C}\n\r\t\"\\"))
        #expect(v.array?[1] == .string("a𝄞b"))
        Self.expectFailure(#"["x\ud800"]"#, "unpaired surrogate", line: 1, column: 4)
        Self.expectFailure(#"["x\ud800\n"]"#, "unpaired surrogate", line: 1, column: 4)
        Self.expectFailure(#"["x\ud800\u0041"]"#, "unpaired surrogate", line: 1, column: 4)
        Self.expectFailure(#"["x\ud800\ud800"]"#, "unpaired surrogate", line: 1, column: 4)
        Self.expectFailure(#"["\udc00"]"#, "unpaired surrogate", line: 1, column: 3)
        Self.expectFailure(#"["\u12g4"]"#, "invalid hex digit 'g'", line: 1, column: 7)
        Self.expectFailure(#"["\x"]"#, "invalid escape '\\x'", line: 1, column: 3)
        Self.expectFailure("[\"\\\u{1}\"]", "invalid escape '\\\\x01'", line: 1, column: 3)
        Self.expectFailure("[\"a\tb\"]", "control character \\x09 in a string", line: 1, column: 4)
        Self.expectFailure([0x22, 0x00, 0x22], "control character \\x00 in a string", line: 1, column: 2)
        // DEL and the C1 range are ordinary characters in JSON.
        #expect(try Self.parse("\"\u{7F}\u{85}\"") == .string("\u{7F}\u{85}"))
    }

    @Test func unterminatedStringsPointAtTheirStart() {
        Self.expectFailure(#""abc"#, "unterminated string", line: 1, column: 1)
        Self.expectFailure("{\n  \"key\": \"value", "unterminated string", line: 2, column: 10)
        Self.expectFailure(#"["abc\"#, "unterminated string", line: 1, column: 2)
        Self.expectFailure(#"["abc\""#, "unterminated string", line: 1, column: 2)
        Self.expectFailure(#"["\u12"#, #"unexpected end of input in a \u escape"#, line: 1, column: 7)
        Self.expectFailure(#"{"k"#, "unterminated string", line: 1, column: 2)
    }

    // MARK: - Documents

    @Test func structureErrorsSayWhere() {
        Self.expectFailure("", "unexpected end of input", line: 1, column: 1)
        Self.expectFailure("  \n ", "unexpected end of input", line: 2, column: 2)
        Self.expectFailure("{\"a\": 1,\n  }", "expected a string key", line: 2, column: 3)
        Self.expectFailure("[1,\n2,\n]", "unexpected character ']'", line: 3, column: 1)
        Self.expectFailure("[1 2]", "expected ',' or ']' in an array", line: 1, column: 4)
        Self.expectFailure(#"{"a" 1}"#, "expected ':' after a key", line: 1, column: 6)
        Self.expectFailure(#"{"a": 1 "b": 2}"#, "expected ',' or '}' in an object", line: 1, column: 9)
        Self.expectFailure("{} {}", "unexpected text after the JSON value", line: 1, column: 4)
        Self.expectFailure("[tru]", "expected true", line: 1, column: 2)
        Self.expectFailure("[nul", "unexpected end of input", line: 1, column: 5)
        // Columns count characters, not bytes.
        Self.expectFailure(#"{"é😀": x}"#, "unexpected character 'x'", line: 1, column: 8)
        // The public entry point reports through FormatError with the file name.
        #expect(throws: FormatError(file: "conf.json", "invalid JSON at line 2, column 1: unexpected character '}'")) {
            try JSONValue.parse(string: "[1,\n}", file: "conf.json")
        }
    }

    @Test func byteOrderMark() throws {
        let withBOM: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"a": 1}"#.utf8)
        #expect(try Self.parse(withBOM)["a"] == .int(1))
        #expect(try JSONValue.parse(withBOM)["a"] == .int(1))
        Self.expectFailure(withBOM, .strict, "unexpected character '\\xef'", line: 1, column: 1)
    }

    @Test func parsesInPlaceInsideALargerBuffer() throws {
        // The safetensors reader hands the parser the header where it lies in the mapped file.
        let file: [UInt8] = [1, 2, 3] + Array(#"{"n": 18446744073709551615}"#.utf8) + [0xFF, 0x00]
        let v = try file.withUnsafeBytes { raw in
            try JSONValue.parse(UnsafeRawBufferPointer(rebasing: raw[3..<(file.count - 2)]), options: .strict)
        }
        #expect(v["n"]?.uint64 == .max)
        // Every generic entry reads the same bytes the same way.
        let text = "[1, \"é\", {\"k\": null}]"
        let expected = try Self.parse(text)
        #expect(try JSONValue.parse(string: text) == expected)
        #expect(try JSONValue.parse(Array(text.utf8)) == expected)
        #expect(try JSONValue.parse(Array(text.utf8)[...]) == expected)
        #expect(try JSONValue.parse(text.utf8.lazy.map { $0 }) == expected)
    }

    @Test func truncationAtEveryCutIsRefused() throws {
        let doc = #"{"a": [1, -2.5e3, true, false, null, "x\u00e9\ud83d\ude00"], "b": {"c": 18446744073709551615}}"#
        let bytes = Array(doc.utf8)
        #expect(throws: Never.self) { try Self.parse(bytes, .strict) }
        for cut in 0..<bytes.count {
            #expect(throws: JSONValue.ParseError.self, "cut at \(cut)") { try Self.parse(Array(bytes[..<cut]), .strict) }
        }
    }

    @Test func fieldsNameIntegersTooLargeForInt() throws {
        let doc = try JSONValue.parse(string: #"{"big": 18446744073709551615, "list": [1, 9223372036854775808]}"#)
        let fields = try JSONFields(document: doc, file: "config.json")
        FormatsTesting.expectError("config.json: big: integer 18446744073709551615 is too large") { _ = try fields.int("big") }
        FormatsTesting.expectError("config.json: list[1]: integer 9223372036854775808 is too large") {
            _ = try fields.optionalIntList("list")
        }
        FormatsTesting.expectError("config.json: big: integer 18446744073709551615 is too large") {
            _ = try fields.optionalIntList("big")
        }
        #expect(try fields.double("big") == 18_446_744_073_709_551_616)
    }

    // MARK: - Writing

    @Test func writtenStringsReadBackUnchanged() throws {
        var controls = ""
        for c in 0..<0x20 { controls.unicodeScalars.append(Unicode.Scalar(UInt8(c))) }
        for s in ["", "plain", "quote \" and backslash \\", controls + "\u{7F}", "é😀𝄞 \u{2028}", "/"] {
            var out: [UInt8] = []
            JSONValue.appendString(s, to: &out)
            #expect(try Self.parse(out, .strict) == .string(s))
        }
        var out: [UInt8] = []
        JSONValue.appendString("a\"\\\u{8}\u{C}\n\r\t\u{1}\u{1F}é/", to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""a\"\\\b\f\n\r\t\u0001\u001fé/""#)
    }
}

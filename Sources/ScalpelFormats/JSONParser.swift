import Foundation

extension JSONValue {
    /// What a document may contain beyond RFC 8259, and how far it may nest.
    ///
    /// Every option keeps the parser bounded and exact: strings are always validated as UTF-8 (escapes
    /// and surrogate pairs included), integers always keep their exact 64-bit value, and nesting is always
    /// capped, so hostile input is refused with a message instead of overflowing the stack.
    struct ParseOptions: Sendable {
        /// Objects and arrays may nest this many levels (the top-level container is level 1).
        var maxDepth: Int
        /// Whether an object that repeats a key is refused; otherwise the last value wins.
        var rejectsDuplicateKeys: Bool
        /// Whether a UTF-8 byte order mark before the value is skipped.
        var allowsByteOrderMark: Bool
        /// Whether `NaN`, `Infinity` and `-Infinity`, which Python's `json` writes, are read as numbers.
        var allowsNonFiniteNumbers: Bool

        /// Config, tokenizer and template files as Python and the Hugging Face libraries write them.
        static let standard = ParseOptions(maxDepth: 512, rejectsDuplicateKeys: false,
                                           allowsByteOrderMark: true, allowsNonFiniteNumbers: true)
        /// RFC 8259 exactly, with unique keys and 64 levels at most: what safetensors headers and indexes
        /// must be (the reference implementation reads them with serde_json, which is as strict).
        static let strict = ParseOptions(maxDepth: 64, rejectsDuplicateKeys: true,
                                         allowsByteOrderMark: false, allowsNonFiniteNumbers: false)
    }

    /// Why a document is not JSON, and where: `offset` counts bytes from the start of the parsed buffer,
    /// `line` and `column` count from 1 (columns in Unicode scalars).
    struct ParseError: Error, Sendable, Equatable {
        var problem: String
        var offset: Int
        var line: Int
        var column: Int

        /// "line 2, column 20".
        var location: String { "line \(line), column \(column)" }
    }

    /// Parses a complete JSON document (RFC 8259) from UTF-8 bytes.
    ///
    /// - Parameter file: the name used in errors (`path: problem`).
    /// - Throws: `FormatError` with the line and column of the first problem.
    public static func parse<Bytes: Collection>(_ bytes: Bytes, file: String = "<json>") throws -> JSONValue
    where Bytes.Element == UInt8 {
        do {
            let inPlace = try bytes.withContiguousStorageIfAvailable { try parse(UnsafeRawBufferPointer($0), options: .standard) }
            if let value = inPlace { return value }
            return try Array(bytes).withUnsafeBytes { try parse($0, options: .standard) }
        } catch let error as ParseError {
            throw FormatError(file: file, "invalid JSON at \(error.location): \(error.problem)")
        }
    }

    /// Parses a JSON document held in a string.
    public static func parse(string: String, file: String = "<json>") throws -> JSONValue {
        try parse(string.utf8, file: file)
    }

    /// Reads and parses a JSON file.
    public static func read(contentsOf url: URL) throws -> JSONValue {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FormatError(file: url.path, "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(data, file: url.path)
    }

    /// Parses one JSON value that fills `bytes` (whitespace may surround it), reading the bytes where they
    /// are: a memory-mapped header is never copied.
    static func parse(_ bytes: UnsafeRawBufferPointer, options: ParseOptions = .standard) throws(ParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, options: options)
        return try parser.parseDocument()
    }
}

/// A recursive-descent JSON parser over a byte buffer, bounded for hostile input (see `JSONValue.ParseOptions`).
struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    let options: JSONValue.ParseOptions
    var index = 0
    var depth = 0

    init(bytes: UnsafeRawBufferPointer, options: JSONValue.ParseOptions) {
        self.bytes = bytes
        self.options = options
    }

    mutating func parseDocument() throws(JSONValue.ParseError) -> JSONValue {
        if options.allowsByteOrderMark, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            index = 3
        }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if index != bytes.count { throw fail("unexpected text after the JSON value") }
        return value
    }

    /// The error for `problem` at byte `position` (the current one by default), with its line and column.
    func fail(_ problem: String, at position: Int? = nil) -> JSONValue.ParseError {
        let at = min(position ?? index, bytes.count)
        var line = 1
        var column = 1
        for i in 0..<at {
            if bytes[i] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if bytes[i] & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONValue.ParseError(problem: problem, offset: at, line: line, column: column)
    }

    /// A byte as it reads in a message: printable ASCII as itself, anything else as `\xNN`.
    static func show(_ c: UInt8) -> String {
        (0x21...0x7E).contains(c) ? String(UnicodeScalar(c)) : "\\x" + (c < 16 ? "0" : "") + String(c, radix: 16)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONValue.ParseError) -> JSONValue {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        // Python's json writes these for non-finite floats.
        case UInt8(ascii: "N") where options.allowsNonFiniteNumbers: try expectWord("NaN"); return .double(.nan)
        case UInt8(ascii: "I") where options.allowsNonFiniteNumbers: try expectWord("Infinity"); return .double(.infinity)
        case let c: throw fail("unexpected character '\(Self.show(c))'")
        }
    }

    mutating func expectWord(_ word: StaticString) throws(JSONValue.ParseError) {
        let count = word.utf8CodeUnitCount
        for k in 0..<count {
            guard index + k < bytes.count else { throw fail("unexpected end of input", at: index + k) }
            guard bytes[index + k] == word.utf8Start[k] else { throw fail("expected \(word)") }
        }
        index += count
    }

    mutating func enter() throws(JSONValue.ParseError) {
        depth += 1
        if depth > options.maxDepth { throw fail("nested deeper than \(options.maxDepth) levels") }
    }

    mutating func parseObject() throws(JSONValue.ParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input inside an object") }
            guard bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyStart = index
            let key = try parseString()
            if options.rejectsDuplicateKeys, members[key] != nil {
                throw fail("key \(JSONValue.brief(key)) appears twice", at: keyStart)
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
            index += 1
            skipWhitespace()
            members[key] = try parseValue()
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input inside an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            throw fail("expected ',' or '}' in an object")
        }
    }

    mutating func parseArray() throws(JSONValue.ParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input inside an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            throw fail("expected ',' or ']' in an array")
        }
    }

    func isDigit(_ k: Int) -> Bool {
        k < bytes.count && bytes[k] >= UInt8(ascii: "0") && bytes[k] <= UInt8(ascii: "9")
    }

    /// A number as RFC 8259 writes it. Integers are accumulated exactly (never through `Double`): `.int`
    /// when they fit, `.uint` above `Int.max` up to `UInt64.max`, `.double` only beyond 64 bits.
    mutating func parseNumber() throws(JSONValue.ParseError) -> JSONValue {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative {
            index += 1
            if options.allowsNonFiniteNumbers, index < bytes.count, bytes[index] == UInt8(ascii: "I") {
                try expectWord("Infinity")
                return .double(-.infinity)
            }
        }
        guard isDigit(index) else {
            throw fail(index < bytes.count ? "expected digits in a number" : "unexpected end of input in a number")
        }
        var magnitude: UInt64 = 0
        var overflow = false
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if isDigit(index) { throw fail("leading zero in a number") }
        } else {
            while isDigit(index) {
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
                magnitude = sum
                overflow = overflow || o1 || o2
                index += 1
            }
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard isDigit(index) else { throw fail("expected digits after '.' in a number") }
            while isDigit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { throw fail("expected digits in the exponent of a number") }
            while isDigit(index) { index += 1 }
        }
        if isInteger && !overflow {
            if !negative {
                return magnitude <= UInt64(Int.max) ? .int(Int(magnitude)) : .uint(magnitude)
            }
            if magnitude <= UInt64(Int.max) { return .int(-Int(magnitude)) }
            if magnitude == UInt64(Int.max) + 1 { return .int(.min) }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text) else { throw fail("invalid number \(text)", at: start) }
        return .double(value)
    }

    mutating func parseHex4() throws(JSONValue.ParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw fail("unexpected end of input in a \\u escape") }
            let c = bytes[index]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: throw fail("invalid hex digit '\(Self.show(c))' in a \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// The length of the well-formed UTF-8 sequence that starts at `i` with a byte of 0x80 or more
    /// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or nil.
    func utf8SequenceLength(at i: Int) -> Int? {
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        let length: Int
        switch bytes[i] {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return nil
        }
        guard bytes.count - i >= length, bytes[i + 1] >= low, bytes[i + 1] <= high else { return nil }
        for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return nil }
        return length
    }

    /// A string literal: raw bytes must be well-formed UTF-8 without control characters, and `\u` escapes
    /// must name scalars (a high surrogate only as the first half of a pair).
    mutating func parseString() throws(JSONValue.ParseError) -> String {
        let quote = index
        index += 1
        var decoded: [UInt8] = []
        var escaped = false
        var plainFrom = index
        while true {
            guard index < bytes.count else { throw fail("unterminated string", at: quote) }
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let plain = UnsafeRawBufferPointer(rebasing: bytes[plainFrom..<index])
                index += 1
                if !escaped { return String(decoding: plain, as: UTF8.self) }
                decoded.append(contentsOf: plain)
                return String(decoding: decoded, as: UTF8.self)
            }
            if c >= 0x80 {
                guard let length = utf8SequenceLength(at: index) else {
                    throw fail("string is not valid UTF-8 (byte \(Self.show(c)))")
                }
                index += length
                continue
            }
            if c < 0x20 { throw fail("control character \(Self.show(c)) in a string") }
            if c != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            escaped = true
            decoded.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[plainFrom..<index]))
            let escapeStart = index
            index += 1
            guard index < bytes.count else { throw fail("unterminated string", at: quote) }
            let e = bytes[index]
            index += 1
            switch e {
            case UInt8(ascii: "\""): decoded.append(0x22)
            case UInt8(ascii: "\\"): decoded.append(0x5C)
            case UInt8(ascii: "/"): decoded.append(0x2F)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate in a \\u escape", at: escapeStart)
                    }
                    index += 2
                    let low = try parseHex4()
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw fail("unpaired surrogate in a \\u escape", at: escapeStart)
                    }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw fail("unpaired surrogate in a \\u escape", at: escapeStart)
                }
                // Every code outside the surrogate range up to 0x10FFFF is a scalar.
                guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape", at: escapeStart) }
                UTF8.encode(scalar) { decoded.append($0) }
            default:
                throw fail("invalid escape '\\\(Self.show(e))'", at: escapeStart)
            }
            plainFrom = index
        }
    }
}

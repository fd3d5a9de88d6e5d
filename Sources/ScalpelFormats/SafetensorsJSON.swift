/// The small JSON model the safetensors header and index need, with a strict, bounded parser.
///
/// Written for hostile input: nesting is capped, object keys must be unique, strings must be valid
/// UTF-8 (escapes included), and integers keep their exact value as `UInt64` instead of going through
/// `Double`, so offsets and shapes are never silently rounded.
indirect enum SafetensorsJSON {
    case object([SafetensorsJSONMember])
    case array([SafetensorsJSON])
    case string(String)
    /// A non-negative integer literal without fraction or exponent that fits in 64 bits.
    case integer(UInt64)
    /// Any other number, as written.
    case number(String)
    case bool(Bool)
    case null

    /// Names the kind of value, for messages.
    var kind: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .integer: "a number"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// A short rendering of the value for messages.
    var brief: String {
        switch self {
        case .object: "{…}"
        case .array(let a): "[" + a.prefix(4).map(\.brief).joined(separator: ", ") + (a.count > 4 ? ", …]" : "]")
        case .string(let s): "\"" + (s.count > 40 ? String(s.prefix(40)) + "…" : s) + "\""
        case .integer(let v): String(v)
        case .number(let s): s
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        }
    }

    struct ParseError: Error {
        var message: String
        var offset: Int
    }

    /// Parses one JSON value that fills `bytes` (whitespace may surround it).
    static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(ParseError) -> SafetensorsJSON {
        var p = Parser(bytes: bytes, maxDepth: maxDepth)
        p.skipWhitespace()
        let v = try p.value(depth: 0)
        p.skipWhitespace()
        if p.i < bytes.count { throw ParseError(message: "unexpected data after the JSON value", offset: p.i) }
        return v
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        let maxDepth: Int
        var i = 0

        init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        func fail(_ message: String) -> ParseError { ParseError(message: message, offset: i) }

        mutating func skipWhitespace() {
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { break }
            }
        }

        mutating func value(depth: Int) throws(ParseError) -> SafetensorsJSON {
            guard i < bytes.count else { throw fail("unexpected end of JSON") }
            switch bytes[i] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw fail("unexpected character '\(Self.show(bytes[i]))'")
            }
        }

        static func show(_ c: UInt8) -> String {
            (0x21...0x7E).contains(c) ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
        }

        mutating func literal(_ word: StaticString) throws(ParseError) {
            let n = word.utf8CodeUnitCount
            guard bytes.count - i >= n else { throw fail("unexpected end of JSON") }
            for k in 0..<n where bytes[i + k] != word.utf8Start[k] {
                throw fail("invalid literal")
            }
            i += n
        }

        mutating func object(depth: Int) throws(ParseError) -> SafetensorsJSON {
            if depth > maxDepth { throw fail("nested deeper than \(maxDepth) levels") }
            i += 1
            var members: [SafetensorsJSONMember] = []
            var seen = Set<String>()
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard i < bytes.count else { throw fail("unexpected end of JSON inside an object") }
                guard bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let keyAt = i
                let key = try string()
                if !seen.insert(key).inserted {
                    throw ParseError(message: "key \"\(key)\" appears twice", offset: keyAt)
                }
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                skipWhitespace()
                members.append(SafetensorsJSONMember(key: key, value: try value(depth: depth)))
                skipWhitespace()
                guard i < bytes.count else { throw fail("unexpected end of JSON inside an object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws(ParseError) -> SafetensorsJSON {
            if depth > maxDepth { throw fail("nested deeper than \(maxDepth) levels") }
            i += 1
            var items: [SafetensorsJSON] = []
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth))
                skipWhitespace()
                guard i < bytes.count else { throw fail("unexpected end of JSON inside an array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard bytes.count - i >= 4 else { throw fail("unexpected end of JSON in a \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
                default: throw fail("invalid \\u escape")
                }
                v = v << 4 | UInt32(d)
                i += 1
            }
            return v
        }

        mutating func string() throws(ParseError) -> String {
            let start = i
            i += 1
            var out: [UInt8] = []
            var plainFrom = i
            while true {
                guard i < bytes.count else { throw ParseError(message: "unterminated string", offset: start) }
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[plainFrom..<i]))
                    i += 1
                    break
                }
                if c < 0x20 { throw fail("control character in a string") }
                if c != UInt8(ascii: "\\") { i += 1; continue }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[plainFrom..<i]))
                i += 1
                guard i < bytes.count else { throw ParseError(message: "unterminated string", offset: start) }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard bytes.count - i >= 2, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate in a \\u escape")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate in a \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("unpaired surrogate in a \\u escape")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    throw fail("invalid escape '\\\(Self.show(e))'")
                }
                plainFrom = i
            }
            guard let s = String(validating: out, as: UTF8.self) else {
                throw ParseError(message: "string is not valid UTF-8", offset: start)
            }
            return s
        }

        mutating func number() throws(ParseError) -> SafetensorsJSON {
            let start = i
            var plain = true
            if bytes[i] == UInt8(ascii: "-") { plain = false; i += 1 }
            func digit(_ k: Int) -> Bool { k < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[k]) }
            guard digit(i) else { throw fail("invalid number") }
            if bytes[i] == UInt8(ascii: "0") {
                i += 1
                if digit(i) { throw fail("leading zero in a number") }
            } else {
                while digit(i) { i += 1 }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                plain = false
                i += 1
                guard digit(i) else { throw fail("invalid number") }
                while digit(i) { i += 1 }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                plain = false
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digit(i) else { throw fail("invalid number") }
                while digit(i) { i += 1 }
            }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            if plain, let v = UInt64(text) { return .integer(v) }
            return .number(text)
        }
    }

    // MARK: - Writing (the byte layout serde_json produces)

    /// Appends `s` as a JSON string literal, escaped the way serde_json escapes it.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        let hex = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(0x22)
    }
}

/// One `"key": value` pair of a JSON object, in document order.
struct SafetensorsJSONMember {
    var key: String
    var value: SafetensorsJSON
}

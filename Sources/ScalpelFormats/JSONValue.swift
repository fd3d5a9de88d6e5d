/// A parsed JSON document, with integers kept apart from other numbers.
///
/// Every JSON file Scalpel reads goes through `JSONValue.parse`: configs, tokenizers and chat templates
/// (read leniently, the way Python's `json` writes them) and safetensors headers and indexes (read
/// strictly; see `JSONValue.ParseOptions`). Integers keep their exact value up to 64 bits, so offsets and
/// shapes are never rounded through `Double`. The typed readers in `ModelConfig` and `Tokenizer` pull fields
/// out with `JSONFields`, whose errors name the file and key.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number written without a fraction or exponent that fits in an `Int`.
    case int(Int)
    /// A number written without a fraction or exponent that is above `Int.max` but fits in a `UInt64`,
    /// kept exact. The parser never produces it for a value that fits in `.int`.
    case uint(UInt64)
    /// Any other number (with a fraction or exponent, or an integer too large for 64 bits).
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// An object; when a key repeats, the last value wins (as in Python's `json`) unless the document
    /// was parsed with `ParseOptions.strict`, which refuses it.
    case object([String: JSONValue])

    /// The value as an integer: an `int`, or a `double` with no fractional part that fits.
    public var int: Int? {
        switch self {
        case .int(let v): return v
        case .double(let v):
            guard v.rounded() == v, let i = Int(exactly: v) else { return nil }
            return i
        default: return nil
        }
    }

    /// The value as an exact unsigned 64-bit integer: a non-negative `int`, or a `uint`. Never rounds.
    public var uint64: UInt64? {
        switch self {
        case .int(let v): v >= 0 ? UInt64(v) : nil
        case .uint(let v): v
        default: nil
        }
    }

    /// The value as a floating-point number, when it is numeric.
    public var double: Double? {
        switch self {
        case .int(let v): Double(v)
        case .uint(let v): Double(v)
        case .double(let v): v
        default: nil
        }
    }

    /// The value as a boolean, when it is one.
    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as a string, when it is one.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The elements, when the value is an array.
    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members, when the value is an object.
    public var object: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// Whether the value is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A member of an object (nil for a missing key or a value that is not an object).
    public subscript(key: String) -> JSONValue? {
        object?[key]
    }

    /// A short name of the value's kind, for error messages ("a string", "an object", ...).
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .uint: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// A short, one-line rendering of the value for error messages (`[1, 2, 3, 4, …]`, `"abc"`, `{…}`).
    var briefDescription: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let v): String(v)
        case .uint(let v): String(v)
        case .double(let v): String(v)
        case .string(let s): Self.brief(s)
        case .array(let a): "[" + a.prefix(4).map(\.briefDescription).joined(separator: ", ") + (a.count > 4 ? ", …]" : "]")
        case .object: "{…}"
        }
    }

    /// A string quoted for a one-line message: at most 40 characters, control characters escaped.
    static func brief(_ s: String) -> String {
        var out = "\""
        for (i, c) in s.unicodeScalars.enumerated() {
            if i == 40 {
                out += "…"
                break
            }
            out += c.value < 0x20 || c == "\u{7F}" ? c.escaped(asASCII: true) : String(c)
        }
        return out + "\""
    }

    // MARK: - Writing (the byte layout serde_json produces)

    /// Appends `s` as a JSON string literal, escaped the way serde_json escapes it: `"` and `\`, the short
    /// escapes for backspace, form feed, newline, carriage return and tab, `\u00XX` for the other control
    /// characters, and every other byte (UTF-8 included) as it is.
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

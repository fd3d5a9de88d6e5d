/// A parsed JSON document, with integers kept apart from other numbers.
///
/// Config and tokenizer files are read into this type by `JSONValue.parse(_:)`; the typed readers in
/// `ModelConfig` and `Tokenizer` then pull fields out of it with errors that name the file and key.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number written without a fraction or exponent that fits in an `Int`.
    case int(Int)
    /// Any other number.
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// An object; when a key repeats, the last value wins (as in Python's `json`).
    case object([String: JSONValue])

    /// The value as an integer: an `int`, or a `double` with no fractional part.
    public var int: Int? {
        switch self {
        case .int(let v): return v
        case .double(let v):
            guard v.rounded() == v, let i = Int(exactly: v) else { return nil }
            return i
        default: return nil
        }
    }

    /// The value as a floating-point number, when it is numeric.
    public var double: Double? {
        switch self {
        case .int(let v): Double(v)
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
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

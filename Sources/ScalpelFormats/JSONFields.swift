/// Typed access to the members of a JSON object, with errors that name the file and the key path
/// (`config.json: text_config.hidden_size: expected an integer, found a string`).
struct JSONFields {
    let object: [String: JSONValue]
    let file: String
    /// Dotted path of this object inside the document ("" at the top).
    let path: String

    init(_ object: [String: JSONValue], file: String, path: String = "") {
        self.object = object
        self.file = file
        self.path = path
    }

    /// Wraps a top-level value that must be an object.
    init(document: JSONValue, file: String) throws {
        guard let object = document.object else {
            throw FormatError(file: file, "expected a JSON object at the top level, found \(document.kindDescription)")
        }
        self.init(object, file: file)
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ message: String) -> FormatError {
        FormatError(file: file, "\(keyPath(key)): \(message)")
    }

    func missing(_ key: String) -> FormatError {
        FormatError(file: file, "missing required key \(keyPath(key))")
    }

    /// Whether the key is present with a non-null value.
    func has(_ key: String) -> Bool {
        if let v = object[key], !v.isNull { return true }
        return false
    }

    /// The value, treating `null` as absent.
    func value(_ key: String) -> JSONValue? {
        guard let v = object[key], !v.isNull else { return nil }
        return v
    }

    /// `v` as an `Int`, or an error naming `key` (an integer beyond `Int` is named as too large).
    func integer(_ v: JSONValue, _ key: String) throws -> Int {
        if let i = v.int { return i }
        if case .uint(let u) = v { throw error(key, "integer \(u) is too large") }
        throw error(key, "expected an integer, found \(v.kindDescription)")
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard let v = value(key) else { return nil }
        return try integer(v, key)
    }

    func int(_ key: String) throws -> Int {
        guard let i = try optionalInt(key) else { throw missing(key) }
        return i
    }

    func optionalDouble(_ key: String) throws -> Double? {
        guard let v = value(key) else { return nil }
        guard let d = v.double else { throw error(key, "expected a number, found \(v.kindDescription)") }
        return d
    }

    func double(_ key: String) throws -> Double {
        guard let d = try optionalDouble(key) else { throw missing(key) }
        return d
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.bool else { throw error(key, "expected true or false, found \(v.kindDescription)") }
        return b
    }

    func bool(_ key: String) throws -> Bool {
        guard let b = try optionalBool(key) else { throw missing(key) }
        return b
    }

    func optionalString(_ key: String) throws -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw error(key, "expected a string, found \(v.kindDescription)") }
        return s
    }

    func string(_ key: String) throws -> String {
        guard let s = try optionalString(key) else { throw missing(key) }
        return s
    }

    func optionalArray(_ key: String) throws -> [JSONValue]? {
        guard let v = value(key) else { return nil }
        guard let a = v.array else { throw error(key, "expected an array, found \(v.kindDescription)") }
        return a
    }

    func array(_ key: String) throws -> [JSONValue] {
        guard let a = try optionalArray(key) else { throw missing(key) }
        return a
    }

    func optionalObject(_ key: String) throws -> JSONFields? {
        guard let v = value(key) else { return nil }
        guard let o = v.object else { throw error(key, "expected an object, found \(v.kindDescription)") }
        return JSONFields(o, file: file, path: keyPath(key))
    }

    func object(_ key: String) throws -> JSONFields {
        guard let o = try optionalObject(key) else { throw missing(key) }
        return o
    }

    /// An integer or a list of integers (as `eos_token_id` may be).
    func optionalIntList(_ key: String) throws -> [Int]? {
        guard let v = value(key) else { return nil }
        if let i = v.int { return [i] }
        if case .uint(let u) = v { throw error(key, "integer \(u) is too large") }
        if let a = v.array {
            return try a.enumerated().map { index, element in try integer(element, "\(key)[\(index)]") }
        }
        throw error(key, "expected an integer or a list of integers, found \(v.kindDescription)")
    }
}

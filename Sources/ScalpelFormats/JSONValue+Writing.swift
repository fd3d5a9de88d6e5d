extension JSONValue {
    /// The value as JSON text: two-space indentation, object keys sorted, integers written exactly,
    /// non-finite doubles as `null` (JSON has no NaN). What config and adapter files are written with.
    public func prettyPrinted() -> String {
        var out = ""
        write(to: &out, indent: "")
        return out
    }

    /// `s` as a JSON string literal, quotes included.
    public static func quoted(_ s: String) -> String {
        var bytes: [UInt8] = []
        appendString(s, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value as one line of JSON: no whitespace, object keys sorted, integers exact, non-finite
    /// doubles as `null`. What JSON-lines streams (the event protocol) are written with.
    public func compact() -> String {
        var out = ""
        writeCompact(to: &out)
        return out
    }

    private func writeCompact(to out: inout String) {
        switch self {
        case .null, .bool, .int, .uint, .double, .string: write(to: &out, indent: "")
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.writeCompact(to: &out)
            }
            out += "]"
        case .object(let dict):
            out += "{"
            for (i, key) in dict.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                out += Self.quoted(key) + ":"
                dict[key]!.writeCompact(to: &out)
            }
            out += "}"
        }
    }

    private func write(to out: inout String, indent: String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .double(let d): out += d.isFinite ? "\(d)" : "null"
        case .string(let s): out += Self.quoted(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += indent + "  "
                item.write(to: &out, indent: indent + "  ")
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += indent + "]"
        case .object(let dict):
            if dict.isEmpty { out += "{}"; return }
            out += "{\n"
            let keys = dict.keys.sorted()
            for (i, key) in keys.enumerated() {
                out += indent + "  " + Self.quoted(key) + ": "
                dict[key]!.write(to: &out, indent: indent + "  ")
                out += i + 1 < keys.count ? ",\n" : "\n"
            }
            out += indent + "}"
        }
    }
}

extension Theme {
    /// The keys a theme file may set, each with what it colours.
    public static let fileKeys: [(key: String, meaning: String)] = [
        ("name", "display name (a quoted string)"),
        ("background", "screen background"),
        ("text", "body text"),
        ("muted", "secondary text: labels, hints, axes"),
        ("accent", "titles, keys, active tab"),
        ("border", "box borders and dividers"),
        ("selection", "selected row (drawn reversed)"),
        ("heat", "heatmap ramp, low to high (a list of at least two colours)"),
        ("good", "success"),
        ("warn", "warnings"),
        ("bad", "errors and the prune marker"),
        ("series", "chart series colours (a list)"),
    ]

    /// Parses a theme file.
    ///
    /// The format is a small subset of TOML, one `key = value` per line:
    /// ```
    /// # Comments start with '#' outside quotes; blank lines are ignored.
    /// name       = "Solarized dark"
    /// background = "#002b36"        # hex colour: "#rrggbb" or "#rgb" (quoted, since '#' starts comments)
    /// text       = default          # the terminal's own colour
    /// muted      = 245              # xterm 256-colour index 0-255
    /// accent     = "bright-cyan"    # a named colour, quoted or bare
    /// heat       = ["#440154", "#21918c", "#fde725"]   # lists use brackets, on one line
    /// ```
    /// Named colours are `black red green yellow blue magenta cyan white` and their `bright-` forms.
    /// Keys are those in ``fileKeys``; keys left out keep `base`'s values. Unknown keys, repeated keys,
    /// malformed values and unknown colours are errors carrying their line number.
    public init(parsing text: String, base: Theme = .default) throws(ThemeError) {
        var theme = base
        var seen: [String: Int] = [:]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = try ThemeLexer.stripComment(String(rawLine), line: lineNumber)
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw ThemeError(line: lineNumber, message: "expected 'key = value', found \"\(ThemeLexer.trim(line))\"")
            }
            let key = ThemeLexer.trim(String(line[..<eq]))
            let rawValue = ThemeLexer.trim(String(line[line.index(after: eq)...]))
            guard !key.isEmpty else { throw ThemeError(line: lineNumber, message: "missing key before '='") }
            guard !rawValue.isEmpty else { throw ThemeError(line: lineNumber, message: "missing value for '\(key)'") }
            if let first = seen[key] {
                throw ThemeError(line: lineNumber, message: "'\(key)' is already set on line \(first)")
            }
            seen[key] = lineNumber
            let value = try ThemeLexer.value(rawValue, line: lineNumber)
            func color() throws(ThemeError) -> Color { try ThemeLexer.color(value, key: key, line: lineNumber) }
            func colors(minimum: Int) throws(ThemeError) -> [Color] {
                try ThemeLexer.colors(value, key: key, minimum: minimum, line: lineNumber)
            }
            switch key {
            case "name":
                guard case .string(let s) = value else {
                    throw ThemeError(line: lineNumber, message: "'name' must be a quoted string")
                }
                theme.name = s
            case "background": theme.background = try color()
            case "text": theme.text = try color()
            case "muted": theme.muted = try color()
            case "accent": theme.accent = try color()
            case "border": theme.border = try color()
            case "selection": theme.selection = try color()
            case "good": theme.good = try color()
            case "warn": theme.warn = try color()
            case "bad": theme.bad = try color()
            case "heat": theme.heat = try colors(minimum: 2)
            case "series": theme.series = try colors(minimum: 1)
            default:
                let known = Theme.fileKeys.map(\.key).joined(separator: ", ")
                throw ThemeError(line: lineNumber, message: "unknown key '\(key)' (known keys: \(known))")
            }
        }
        self = theme
    }

    /// The theme written in the file format, one key per line (parsing it gives this theme back).
    public var fileText: String {
        func list(_ cs: [Color]) -> String { "[" + cs.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        var out = "name = \"\(name)\"\n"
        let single: [(String, Color)] = [("background", background), ("text", text), ("muted", muted),
                                         ("accent", accent), ("border", border), ("selection", selection),
                                         ("good", good), ("warn", warn), ("bad", bad)]
        for (k, c) in single { out += "\(k) = \"\(c)\"\n" }
        out += "heat = \(list(heat))\n"
        out += "series = \(list(series))\n"
        return out
    }
}

/// The values and helpers of the theme file reader.
enum ThemeLexer {
    /// A parsed right-hand side.
    enum Value: Equatable {
        case string(String)
        case bare(String)
        case list([Value])
    }

    static func trim(_ s: String) -> String {
        var sub = Substring(s)
        while let f = sub.first, f == " " || f == "\t" || f == "\r" { sub = sub.dropFirst() }
        while let l = sub.last, l == " " || l == "\t" || l == "\r" { sub = sub.dropLast() }
        return String(sub)
    }

    /// The line up to a `#` that is outside double quotes.
    static func stripComment(_ line: String, line number: Int) throws(ThemeError) -> String {
        var inQuotes = false
        var out = ""
        for c in line {
            if c == "\"" { inQuotes.toggle() }
            if c == "#" && !inQuotes { break }
            out.append(c)
        }
        if inQuotes { throw ThemeError(line: number, message: "unterminated string (missing closing '\"')") }
        return out
    }

    static func value(_ text: String, line: Int) throws(ThemeError) -> Value {
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw ThemeError(line: line, message: "list is missing its closing ']'") }
            let body = trim(String(text.dropFirst().dropLast()))
            if body.isEmpty { return .list([]) }
            var items: [Value] = []
            for part in body.split(separator: ",", omittingEmptySubsequences: false) {
                let item = trim(String(part))
                if item.isEmpty {
                    throw ThemeError(line: line, message: "empty list item (check for a doubled or trailing ',')")
                }
                if item.hasPrefix("[") { throw ThemeError(line: line, message: "lists cannot be nested") }
                items.append(try value(item, line: line))
            }
            return .list(items)
        }
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else {
                throw ThemeError(line: line, message: "unterminated string (missing closing '\"')")
            }
            let inner = String(text.dropFirst().dropLast())
            if inner.contains("\"") { throw ThemeError(line: line, message: "unexpected '\"' inside a string") }
            return .string(inner)
        }
        if text.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "]" || $0 == "," }) {
            throw ThemeError(line: line, message: "unexpected text in value \"\(text)\" (quote strings, use [a, b] for lists)")
        }
        return .bare(text)
    }

    static func color(_ value: Value, key: String, line: Int) throws(ThemeError) -> Color {
        switch value {
        case .string(let s), .bare(let s):
            if let c = Color(parsing: s) { return c }
            throw ThemeError(line: line, message: "unknown colour \"\(s)\" for '\(key)' (use a name such as \"cyan\" or "
                             + "\"bright-black\", \"#rrggbb\", an index 0-255, or default)")
        case .list:
            throw ThemeError(line: line, message: "'\(key)' takes one colour, not a list")
        }
    }

    static func colors(_ value: Value, key: String, minimum: Int, line: Int) throws(ThemeError) -> [Color] {
        let items: [Value]
        if case .list(let l) = value { items = l } else { items = [value] }
        guard items.count >= minimum else {
            throw ThemeError(line: line, message: "'\(key)' needs at least \(minimum) colour\(minimum == 1 ? "" : "s"), found \(items.count)")
        }
        var out: [Color] = []
        for item in items { out.append(try color(item, key: key, line: line)) }
        return out
    }
}

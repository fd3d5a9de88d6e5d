extension Color: CustomStringConvertible {
    /// Parses a colour as written in theme files.
    ///
    /// Accepted forms: `default` (or `reset`); a name such as `cyan` or `bright-black` (also
    /// `bright_black`, `brightblack`, and `gray`/`grey` for white, `dark-gray` for bright black);
    /// `#rrggbb` or `#rgb`; a 256-colour index `0`–`255`.
    public init?(parsing text: String) {
        let s = text.lowercased().filter { $0 != " " }
        if s == "default" || s == "reset" || s == "none" {
            self = .reset
            return
        }
        if s.hasPrefix("#") {
            let hex = Array(s.dropFirst())
            func digit(_ c: Character) -> UInt8? { c.hexDigitValue.map { UInt8($0) } }
            let digits = hex.compactMap(digit)
            guard digits.count == hex.count else { return nil }
            if digits.count == 6 {
                self = .rgb(digits[0] << 4 | digits[1], digits[2] << 4 | digits[3], digits[4] << 4 | digits[5])
                return
            }
            if digits.count == 3 {
                self = .rgb(digits[0] * 17, digits[1] * 17, digits[2] * 17)
                return
            }
            return nil
        }
        if let n = Int(s) {
            guard (0...255).contains(n) else { return nil }
            self = .indexed(UInt8(n))
            return
        }
        let key = s.replacingDashes()
        switch key {
        case "gray", "grey": self = .white; return
        case "darkgray", "darkgrey": self = .brightBlack; return
        default: break
        }
        for a in AnsiColor.allCases where a.name.replacingDashes() == key {
            self = .ansi(a)
            return
        }
        return nil
    }

    /// The colour in theme-file syntax: `default`, a name, an index or `#rrggbb`.
    public var description: String {
        switch self {
        case .reset: return "default"
        case .ansi(let a): return a.name
        case .indexed(let i): return String(i)
        case .rgb(let r, let g, let b): return "#" + Color.hex(r) + Color.hex(g) + Color.hex(b)
        }
    }

    static func hex(_ v: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String(digits[Int(v >> 4)]) + String(digits[Int(v & 15)])
    }
}

extension String {
    /// The string without `-` and `_` separators.
    fileprivate func replacingDashes() -> String { filter { $0 != "-" && $0 != "_" } }
}

/// How many colours a terminal can show; themes and colours are adapted down to it.
public enum ColorSupport: Int, Comparable, CaseIterable, Sendable {
    /// Eight colours (`TERM=xterm`, `screen`).
    case ansi8 = 8
    /// The 16 named colours.
    case ansi16 = 16
    /// The xterm 256-colour palette.
    case indexed256 = 256
    /// 24-bit colour.
    case trueColor = 16_777_216

    /// The support level for a terminal that reports `colors` colours (as curses' `COLORS`).
    public init(colorCount colors: Int) {
        if colors >= 16_777_216 { self = .trueColor }
        else if colors >= 256 { self = .indexed256 }
        else if colors >= 16 { self = .ansi16 }
        else { self = .ansi8 }
    }

    /// Orders by the number of colours.
    public static func < (lhs: ColorSupport, rhs: ColorSupport) -> Bool { lhs.rawValue < rhs.rawValue }
}

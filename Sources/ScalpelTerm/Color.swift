/// A terminal colour: the terminal's default, one of the 16 named colours, a 256-colour index or RGB.
public enum Color: Hashable, Sendable {
    /// The terminal's own default foreground or background.
    case reset
    /// One of the 16 named colours.
    case ansi(AnsiColor)
    /// An entry of the xterm 256-colour palette.
    case indexed(UInt8)
    /// A 24-bit colour.
    case rgb(UInt8, UInt8, UInt8)

    /// Named black.
    public static let black = Color.ansi(.black)
    /// Named red.
    public static let red = Color.ansi(.red)
    /// Named green.
    public static let green = Color.ansi(.green)
    /// Named yellow.
    public static let yellow = Color.ansi(.yellow)
    /// Named blue.
    public static let blue = Color.ansi(.blue)
    /// Named magenta.
    public static let magenta = Color.ansi(.magenta)
    /// Named cyan.
    public static let cyan = Color.ansi(.cyan)
    /// Named white (a light grey on most terminals).
    public static let white = Color.ansi(.white)
    /// Bright black (a dark grey on most terminals).
    public static let brightBlack = Color.ansi(.brightBlack)
    /// Bright white.
    public static let brightWhite = Color.ansi(.brightWhite)
}

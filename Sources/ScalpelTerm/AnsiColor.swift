/// One of the 16 colours every colour terminal names: eight base colours and their bright variants.
public enum AnsiColor: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case black = 0, red, green, yellow, blue, magenta, cyan, white
    case brightBlack, brightRed, brightGreen, brightYellow, brightBlue, brightMagenta, brightCyan, brightWhite

    /// The name used in theme files, such as `bright-blue`.
    public var name: String {
        switch self {
        case .black: "black"
        case .red: "red"
        case .green: "green"
        case .yellow: "yellow"
        case .blue: "blue"
        case .magenta: "magenta"
        case .cyan: "cyan"
        case .white: "white"
        case .brightBlack: "bright-black"
        case .brightRed: "bright-red"
        case .brightGreen: "bright-green"
        case .brightYellow: "bright-yellow"
        case .brightBlue: "bright-blue"
        case .brightMagenta: "bright-magenta"
        case .brightCyan: "bright-cyan"
        case .brightWhite: "bright-white"
        }
    }

    /// Whether this is one of the eight bright variants.
    public var isBright: Bool { rawValue >= 8 }

    /// The base colour of a bright variant (itself for a base colour).
    public var base: AnsiColor { AnsiColor(rawValue: rawValue & 7)! }

    /// The theme-file name.
    public var description: String { name }
}

/// One screen cell: a grapheme and the style it is drawn with.
///
/// A double-width grapheme occupies two cells: the first holds the symbol, the second holds the empty
/// string (a *continuation*) and is never written to the terminal by itself.
public struct Cell: Hashable, Sendable, CustomStringConvertible {
    /// The grapheme shown, `" "` when blank, `""` for the second half of a wide symbol.
    public var symbol: String
    /// The cell's colours and attributes (`subModifier` is always empty).
    public var style: Style

    /// Creates a cell.
    public init(_ symbol: String = " ", style: Style = Style()) {
        self.symbol = symbol
        self.style = Style(fg: style.fg, bg: style.bg, modifiers: style.addModifier)
    }

    /// A blank cell in the terminal's default colours.
    public static let empty = Cell()

    /// Whether this cell is the second half of a wide symbol.
    public var isContinuation: Bool { symbol.isEmpty }

    /// The columns the symbol takes on screen (0 for a continuation).
    public var width: Int { symbol.displayWidth }

    /// The attributes switched on for this cell.
    public var modifiers: Modifier { style.addModifier }

    /// Lays `patch` over the cell's style.
    public mutating func patchStyle(_ patch: Style) {
        let s = style.patched(with: patch)
        style = Style(fg: s.fg, bg: s.bg, modifiers: s.addModifier)
    }

    /// Makes the cell blank in default colours.
    public mutating func reset() { self = .empty }

    /// The symbol and its style, for test failure messages.
    public var description: String { "\"\(symbol)\" \(style)" }
}

import ScalpelTerm

/// What is drawn over the current screen and takes the keys while open.
public enum Overlay: Hashable, Sendable {
    /// Nothing: keys go to the screen.
    case none
    /// The `?` key list, scrolled by `scroll` lines.
    case help(scroll: Int)
    /// The command palette with what has been typed and the highlighted entry.
    case palette(query: String, selected: Int)

    /// The keymap context of the overlay, `nil` for none.
    public var context: String? {
        switch self {
        case .none: nil
        case .help: Keymap.helpContext
        case .palette: Keymap.paletteContext
        }
    }
}

/// The box-drawing characters a `Block` uses for its border.
public enum BorderType: Hashable, Sendable, CaseIterable {
    /// `┌─┐│└┘`
    case plain
    /// `╭─╮│╰╯`
    case rounded
    /// `╔═╗║╚╝`
    case double
    /// `┏━┓┃┗┛`
    case thick
    /// `+-+|++`, for terminals without box-drawing glyphs.
    case ascii

    /// The six symbols: horizontal, vertical, top-left, top-right, bottom-left, bottom-right.
    public var symbols: (horizontal: String, vertical: String, topLeft: String, topRight: String, bottomLeft: String, bottomRight: String) {
        switch self {
        case .plain: ("─", "│", "┌", "┐", "└", "┘")
        case .rounded: ("─", "│", "╭", "╮", "╰", "╯")
        case .double: ("═", "║", "╔", "╗", "╚", "╝")
        case .thick: ("━", "┃", "┏", "┓", "┗", "┛")
        case .ascii: ("-", "|", "+", "+", "+", "+")
        }
    }
}

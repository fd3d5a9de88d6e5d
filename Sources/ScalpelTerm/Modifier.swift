/// Text attributes a terminal can apply to a cell.
public struct Modifier: OptionSet, Hashable, Sendable, CustomStringConvertible {
    /// The attribute bits.
    public let rawValue: UInt8

    /// Creates a set from raw bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Bold (or bright) text.
    public static let bold = Modifier(rawValue: 1 << 0)
    /// Dim text.
    public static let dim = Modifier(rawValue: 1 << 1)
    /// Italic text.
    public static let italic = Modifier(rawValue: 1 << 2)
    /// Underlined text.
    public static let underline = Modifier(rawValue: 1 << 3)
    /// Foreground and background swapped.
    public static let reverse = Modifier(rawValue: 1 << 4)

    /// Names of the attributes set, joined by `+` (`none` when empty).
    public var description: String {
        let names: [(Modifier, String)] = [(.bold, "bold"), (.dim, "dim"), (.italic, "italic"),
                                           (.underline, "underline"), (.reverse, "reverse")]
        let set = names.filter { contains($0.0) }.map(\.1)
        return set.isEmpty ? "none" : set.joined(separator: "+")
    }
}

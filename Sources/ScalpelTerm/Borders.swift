/// Which sides of a `Block` have a border.
public struct Borders: OptionSet, Hashable, Sendable {
    /// The side bits.
    public let rawValue: UInt8

    /// Creates a set from raw bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The top side.
    public static let top = Borders(rawValue: 1 << 0)
    /// The right side.
    public static let right = Borders(rawValue: 1 << 1)
    /// The bottom side.
    public static let bottom = Borders(rawValue: 1 << 2)
    /// The left side.
    public static let left = Borders(rawValue: 1 << 3)
    /// No side.
    public static let none: Borders = []
    /// All four sides.
    public static let all: Borders = [.top, .right, .bottom, .left]
}

/// Space left empty on each side of a rectangle.
public struct Margin: Hashable, Sendable {
    /// Rows left empty above.
    public var top: Int
    /// Columns left empty on the right.
    public var right: Int
    /// Rows left empty below.
    public var bottom: Int
    /// Columns left empty on the left.
    public var left: Int

    /// A margin with each side given; negative values count as zero.
    public init(top: Int = 0, right: Int = 0, bottom: Int = 0, left: Int = 0) {
        self.top = max(0, top)
        self.right = max(0, right)
        self.bottom = max(0, bottom)
        self.left = max(0, left)
    }

    /// `horizontal` columns on the left and right, `vertical` rows above and below.
    public init(horizontal: Int = 0, vertical: Int = 0) {
        self.init(top: vertical, right: horizontal, bottom: vertical, left: horizontal)
    }

    /// The same margin on all four sides.
    public init(_ all: Int) {
        self.init(top: all, right: all, bottom: all, left: all)
    }

    /// No margin.
    public static let zero = Margin()
}

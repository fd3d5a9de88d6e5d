/// The size of a terminal or region in columns and rows.
public struct Size: Hashable, Sendable, CustomStringConvertible {
    /// Columns.
    public var width: Int
    /// Rows.
    public var height: Int

    /// Creates a size; negative values count as zero.
    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The rectangle of this size at the origin.
    public var rect: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// `width×height`.
    public var description: String { "\(width)×\(height)" }
}

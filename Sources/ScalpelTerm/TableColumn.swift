/// One column of a `Table`: its header, width constraint and text alignment.
public struct TableColumn: Hashable, Sendable {
    /// The header text.
    public var title: String
    /// How wide the column is (see `Layout`).
    public var width: Constraint
    /// How cell text sits in the column.
    public var alignment: Alignment

    /// Creates a column.
    public init(_ title: String, width: Constraint = .fill(1), alignment: Alignment = .left) {
        self.title = title
        self.width = width
        self.alignment = alignment
    }
}

/// The column a `Table` is sorted by and the direction, shown as `▲` or `▼` after the header.
public struct TableSort: Hashable, Sendable {
    /// The column index.
    public var column: Int
    /// Whether larger values come first.
    public var descending: Bool

    /// Creates a sort order.
    public init(column: Int, descending: Bool = false) {
        self.column = column
        self.descending = descending
    }

    /// The header indicator: `▲` ascending, `▼` descending.
    public var indicator: String { descending ? "▼" : "▲" }

    /// Compares two cell texts: numerically when both read as numbers, otherwise by text.
    public static func ascending(_ a: String, _ b: String) -> Bool {
        if let x = Double(a.filter { $0 != " " && $0 != "," && $0 != "%" }),
           let y = Double(b.filter { $0 != " " && $0 != "," && $0 != "%" }) {
            return x < y
        }
        return a.lowercased() < b.lowercased()
    }
}

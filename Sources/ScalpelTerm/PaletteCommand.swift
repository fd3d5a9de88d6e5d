/// One entry of the command palette.
public struct PaletteCommand: Hashable, Sendable {
    /// The action identifier run when the entry is chosen.
    public var id: String
    /// The text shown and matched against the query.
    public var title: String
    /// The key that runs the action directly, shown on the right; `nil` for none.
    public var key: String?

    /// Creates an entry.
    public init(id: String, title: String, key: String? = nil) {
        self.id = id
        self.title = title
        self.key = key
    }
}

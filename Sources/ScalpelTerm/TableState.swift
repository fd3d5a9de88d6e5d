/// What a `Table` remembers between frames: the selected row and the first row shown.
public struct TableState: Hashable, Sendable {
    /// The selected row (in display order), or `nil` for none.
    public var selected: Int?
    /// The first row shown; adjusted while rendering so the selection stays visible.
    public var offset: Int

    /// Creates a state.
    public init(selected: Int? = nil, offset: Int = 0) {
        self.selected = selected
        self.offset = offset
    }

    /// Moves the selection by `delta` rows within `0..<rowCount` (selecting the first row if none was).
    public mutating func move(by delta: Int, rowCount: Int) {
        guard rowCount > 0 else { selected = nil; return }
        let current = selected ?? (delta >= 0 ? -1 : rowCount)
        selected = min(rowCount - 1, max(0, current + delta))
    }

    /// The offset that shows `selected` inside a window of `visible` rows out of `rowCount`,
    /// moving as little as possible from `offset`.
    public static func scrolled(offset: Int, selected: Int?, visible: Int, rowCount: Int) -> Int {
        guard visible > 0, rowCount > 0 else { return 0 }
        var o = max(0, offset)
        if let s = selected {
            if s < o { o = s }
            if s >= o + visible { o = s - visible + 1 }
        }
        return max(0, min(o, rowCount - visible))
    }
}

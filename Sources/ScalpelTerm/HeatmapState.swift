/// What a `Heatmap` remembers between frames: the cursor cell and the scroll offsets.
public struct HeatmapState: Hashable, Sendable {
    /// The cursor's row (layer).
    public var row: Int
    /// The cursor's column (criterion).
    public var column: Int
    /// The first row shown; adjusted while rendering so the cursor stays visible.
    public var rowOffset: Int
    /// The first column shown; adjusted while rendering so the cursor stays visible.
    public var columnOffset: Int

    /// Creates a state.
    public init(row: Int = 0, column: Int = 0, rowOffset: Int = 0, columnOffset: Int = 0) {
        self.row = row
        self.column = column
        self.rowOffset = rowOffset
        self.columnOffset = columnOffset
    }

    /// Moves the cursor by the given steps, staying inside a `rows`×`columns` grid.
    public mutating func move(rows dr: Int = 0, columns dc: Int = 0, rowCount: Int, columnCount: Int) {
        row = min(max(0, rowCount - 1), max(0, row + dr))
        column = min(max(0, columnCount - 1), max(0, column + dc))
    }
}

/// Rows of text under a header: column widths by constraint, a highlighted selected row, an optional
/// sort indicator, and scrolling that keeps the selection in view.
public struct Table: StatefulWidget, Widget, Hashable, Sendable {
    /// The columns.
    public var columns: [TableColumn]
    /// The rows, each with one string per column (missing cells are blank).
    public var rows: [[String]]
    /// The sort shown in the header (apply it to `rows` with ``sort(by:descending:)``).
    public var sort: TableSort?
    /// Empty columns between neighbouring columns.
    public var columnSpacing: Int
    /// Whether the header row is drawn.
    public var showHeader: Bool

    /// Creates a table.
    public init(columns: [TableColumn], rows: [[String]], sort: TableSort? = nil, columnSpacing: Int = 1, showHeader: Bool = true) {
        self.columns = columns
        self.rows = rows
        self.sort = sort
        self.columnSpacing = columnSpacing
        self.showHeader = showHeader
    }

    /// Sorts `rows` by `column` (numerically where both cells are numbers; stable) and shows the indicator.
    public mutating func sort(by column: Int, descending: Bool = false) {
        let indexed = rows.enumerated().map { ($0.offset, $0.element) }
        let cell = { (row: [String]) in column < row.count ? row[column] : "" }
        rows = indexed.sorted { a, b in
            let (x, y) = (cell(a.1), cell(b.1))
            if descending ? TableSort.ascending(y, x) : TableSort.ascending(x, y) { return true }
            if descending ? TableSort.ascending(x, y) : TableSort.ascending(y, x) { return false }
            return a.0 < b.0
        }.map(\.1)
        sort = TableSort(column: column, descending: descending)
    }

    /// A copy sorted by `column`; see ``sort(by:descending:)``.
    public func sorted(by column: Int, descending: Bool = false) -> Table {
        var t = self
        t.sort(by: column, descending: descending)
        return t
    }

    /// The rows visible below the header in an area `height` rows tall.
    public func visibleRowCount(height: Int) -> Int { max(0, height - (showHeader ? 1 : 0)) }

    /// Renders with no selection, from the first row.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        var state = TableState()
        render(into: &buffer, area: area, theme: theme, state: &state)
    }

    /// Draws the header and visible rows, scrolling `state.offset` to keep the selection visible.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme, state: inout TableState) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty, !columns.isEmpty else { return }
        let cells = Layout.horizontal(columns.map(\.width), spacing: columnSpacing).split(Rect(x: area.x, y: 0, width: area.width, height: 1))
        var y = area.top
        if showHeader {
            for (c, column) in columns.enumerated() where cells[c].width > 0 {
                var title = column.title
                if let sort, sort.column == c { title += " " + sort.indicator }
                let text = title.padded(toWidth: cells[c].width, alignment: column.alignment)
                buffer.setString(cells[c].x, y, text, style: Style(fg: theme.accent, modifiers: .bold))
            }
            y += 1
        }
        let visible = area.bottom - y
        if let s = state.selected, s >= rows.count { state.selected = rows.isEmpty ? nil : rows.count - 1 }
        state.offset = TableState.scrolled(offset: state.offset, selected: state.selected, visible: visible, rowCount: rows.count)
        guard visible > 0 else { return }
        for (i, row) in rows.enumerated().dropFirst(state.offset).prefix(visible) {
            for (c, column) in columns.enumerated() where cells[c].width > 0 {
                let value = c < row.count ? row[c] : ""
                let text = value.padded(toWidth: cells[c].width, alignment: column.alignment)
                buffer.setString(cells[c].x, y, text, style: Style(fg: theme.text))
            }
            if i == state.selected {
                buffer.setStyle(Rect(x: area.x, y: y, width: area.width, height: 1), theme.selectionStyle)
            }
            y += 1
        }
    }
}

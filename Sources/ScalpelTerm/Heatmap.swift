/// Layers × criteria as coloured cells: each value is placed on the theme's heat ramp, normalised
/// per column (so criteria with different scales are comparable at a glance).
///
/// ```
///   #  cos    ppl    grad
///   0 ██████ ██████ ██████    ← cells: blanks on the ramp colour of their value
/// ✗ 1 ██████ [0.42] ██████    ← ✗: layer toggled for pruning; [..]: the cursor and its value
/// ppl 100 ████████ 1310  layer 1 = 0.42     1–6/12
/// ```
/// The header row names the criteria, the left gutter the layers; the legend row shows the ramp with
/// the cursor column's minimum and maximum, the cursor's value and, when scrolled, the rows shown.
public struct Heatmap: StatefulWidget, Widget, Hashable, Sendable {
    /// The values, `values[row][column]`; non-finite values draw as `·`.
    public var values: [[Double]]
    /// One title per column.
    public var columnTitles: [String]
    /// One label per row; `nil` numbers rows from 0 (layer indices).
    public var rowLabels: [String]?
    /// Rows toggled for pruning, shown with ``marker``.
    public var marked: Set<Int>
    /// Columns of each cell (at least 1).
    public var cellWidth: Int
    /// The symbol in the gutter of marked rows.
    public var marker: String
    /// Whether the legend row is drawn (it needs at least three rows).
    public var showLegend: Bool

    /// Creates a heatmap.
    public init(values: [[Double]], columnTitles: [String], rowLabels: [String]? = nil, marked: Set<Int> = [],
                cellWidth: Int = 6, marker: String = "✗", showLegend: Bool = true) {
        self.values = values
        self.columnTitles = columnTitles
        self.rowLabels = rowLabels
        self.marked = marked
        self.cellWidth = max(1, cellWidth)
        self.marker = marker
        self.showLegend = showLegend
    }

    /// The number of rows.
    public var rowCount: Int { values.count }
    /// The number of columns (the longest of the titles and the rows).
    public var columnCount: Int { max(columnTitles.count, values.map(\.count).max() ?? 0) }

    /// The value at (`row`, `column`), NaN when missing.
    public func value(row: Int, column: Int) -> Double {
        guard row >= 0, row < values.count, column >= 0, column < values[row].count else { return .nan }
        return values[row][column]
    }

    /// The smallest and largest finite values of `column`, or `nil` when it has none.
    public func columnRange(_ column: Int) -> (min: Double, max: Double)? {
        var lo = Double.infinity, hi = -Double.infinity
        for r in values.indices {
            let v = value(row: r, column: column)
            guard v.isFinite else { continue }
            lo = min(lo, v)
            hi = max(hi, v)
        }
        return lo <= hi ? (lo, hi) : nil
    }

    /// The value at (`row`, `column`) scaled to 0...1 within its column (0.5 when the column is constant),
    /// or `nil` for a missing or non-finite value.
    public func normalized(row: Int, column: Int) -> Double? {
        let v = value(row: row, column: column)
        guard v.isFinite, let r = columnRange(column) else { return nil }
        return r.max > r.min ? (v - r.min) / (r.max - r.min) : 0.5
    }

    /// The label of `row`.
    public func label(row: Int) -> String {
        if let rowLabels, row < rowLabels.count { return rowLabels[row] }
        return String(row)
    }

    /// Renders without a cursor-specific scroll position (cursor at the first cell).
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        var state = HeatmapState()
        render(into: &buffer, area: area, theme: theme, state: &state)
    }

    /// Draws the grid into `area`, clamping the cursor and scrolling so it stays visible.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme, state: inout HeatmapState) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let rows = rowCount, cols = columnCount
        state.row = min(max(0, state.row), max(0, rows - 1))
        state.column = min(max(0, state.column), max(0, cols - 1))
        let ranges = (0..<cols).map(columnRange)

        let labelWidth = max(1, (0..<rows).map { label(row: $0).displayWidth }.max() ?? 1)
        let markerWidth = max(1, marker.displayWidth)
        let gutter = markerWidth + labelWidth + 1
        let legend = showLegend && area.height >= 3 ? 1 : 0
        let bodyHeight = max(0, area.height - 1 - legend)
        let visibleColumns = max(0, (area.width - gutter + 1) / (cellWidth + 1))
        state.rowOffset = TableState.scrolled(offset: state.rowOffset, selected: state.row, visible: bodyHeight, rowCount: rows)
        state.columnOffset = TableState.scrolled(offset: state.columnOffset, selected: state.column, visible: visibleColumns, rowCount: cols)

        // Header: criterion titles, the cursor's column highlighted.
        let headerY = area.top
        buffer.setString(area.left + markerWidth, headerY, "#".padded(toWidth: labelWidth, alignment: .right),
                         style: Style(fg: theme.muted), maxWidth: area.width - markerWidth)
        let shownColumns = Array((state.columnOffset..<cols).prefix(visibleColumns))
        for (k, c) in shownColumns.enumerated() {
            let x = area.left + gutter + k * (cellWidth + 1)
            let title = c < columnTitles.count ? columnTitles[c] : ""
            let style = c == state.column ? Style(fg: theme.accent, modifiers: .bold) : Style(fg: theme.muted)
            buffer.setString(x, headerY, title.padded(toWidth: cellWidth, alignment: .center), style: style, maxWidth: area.right - x)
        }

        // Body: one row per layer.
        for (i, r) in (state.rowOffset..<rows).prefix(bodyHeight).enumerated() {
            let y = area.top + 1 + i
            let isMarked = marked.contains(r)
            if isMarked { buffer.setString(area.left, y, marker, style: Style(fg: theme.bad, modifiers: .bold), maxWidth: area.width) }
            let labelStyle: Style = isMarked ? Style(fg: theme.bad)
                : r == state.row ? Style(fg: theme.accent, modifiers: .bold) : Style(fg: theme.muted)
            buffer.setString(area.left + markerWidth, y, label(row: r).padded(toWidth: labelWidth, alignment: .right),
                             style: labelStyle, maxWidth: area.width - markerWidth)
            for (k, c) in shownColumns.enumerated() {
                let x = area.left + gutter + k * (cellWidth + 1)
                let room = min(cellWidth, area.right - x)
                guard room > 0 else { continue }
                let cellRect = Rect(x: x, y: y, width: room, height: 1)
                let v = value(row: r, column: c)
                let isCursor = r == state.row && c == state.column
                if v.isFinite, let range = ranges[c] {
                    let t = range.max > range.min ? (v - range.min) / (range.max - range.min) : 0.5
                    let color = theme.heatColor(t)
                    buffer.clear(cellRect, style: Style(bg: color))
                    if isCursor {
                        let text = cursorText(NumberFormat.fitting(v, width: max(1, cellWidth - 2)))
                        buffer.setString(x, y, text, style: Style(fg: Heatmap.contrast(on: color, theme: theme), bg: color, modifiers: .bold),
                                         maxWidth: room)
                    }
                } else {
                    let text = isCursor ? cursorText("·") : "·".padded(toWidth: cellWidth, alignment: .center)
                    buffer.setString(x, y, text, style: Style(fg: isCursor ? theme.accent : theme.muted), maxWidth: room)
                }
            }
        }

        // Legend: the ramp with the cursor column's range, the cursor's value, the rows shown.
        // Each piece is drawn whole or not at all.
        guard legend == 1 else { return }
        let ly = area.bottom - 1
        var x = area.left
        let muted = Style(fg: theme.muted)
        let title = state.column < columnTitles.count ? columnTitles[state.column] : "col \(state.column)"
        x = buffer.setString(x, ly, title, style: Style(fg: theme.accent, modifiers: .bold), maxWidth: area.right - x)
        if state.column < ranges.count, let range = ranges[state.column] {
            let lo = " " + NumberFormat.short(range.min) + " ", hi = " " + NumberFormat.short(range.max)
            if x + lo.displayWidth + theme.heat.count + hi.displayWidth <= area.right {
                x = buffer.setString(x, ly, lo, style: muted)
                for color in theme.heat { x = buffer.setString(x, ly, "█", style: Style(fg: color)) }
                x = buffer.setString(x, ly, hi, style: muted)
            }
        }
        if rows > 0 {
            let v = value(row: state.row, column: state.column)
            let text = "  layer \(label(row: state.row)) = " + (v.isFinite ? NumberFormat.short(v) : "—")
            if x + text.displayWidth <= area.right { x = buffer.setString(x, ly, text, style: Style(fg: theme.text)) }
        }
        if bodyHeight < rows, bodyHeight > 0 {
            let shown = "\(state.rowOffset + 1)–\(min(rows, state.rowOffset + bodyHeight))/\(rows)"
            let rx = area.right - shown.displayWidth
            if rx >= x + 2 { buffer.setString(rx, ly, shown, style: muted) }
        }
    }

    /// The cursor cell's text: the value in brackets, fitted to the cell.
    func cursorText(_ value: String) -> String {
        guard cellWidth >= 3 else { return value.truncated(toWidth: cellWidth, ellipsis: "") }
        let inner = value.truncated(toWidth: cellWidth - 2, ellipsis: "").padded(toWidth: cellWidth - 2, alignment: .right)
        return "[" + inner + "]"
    }

    /// Black or white, whichever reads better on `color`.
    static func contrast(on color: Color, theme: Theme) -> Color {
        guard let l = color.luminance else { return theme.text }
        return l > 0.5 ? .black : .brightWhite
    }
}

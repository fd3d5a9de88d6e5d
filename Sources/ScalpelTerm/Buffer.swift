/// A grid of cells covering a `Rect`: what one frame of the screen (or part of it) looks like.
///
/// Positions are absolute, so a buffer over `Rect(x: 10, y: 5, …)` is indexed from (10, 5).
/// Reads outside the area return a blank cell and writes outside it are ignored, so widgets can draw
/// without bounds checks trapping on tiny terminals.
public struct Buffer: Hashable, Sendable {
    /// The region the buffer covers.
    public private(set) var area: Rect
    /// The cells, row by row.
    public internal(set) var content: [Cell]

    /// A buffer over `area` filled with `cell`.
    public init(area: Rect, filledWith cell: Cell = .empty) {
        self.area = area
        self.content = Array(repeating: cell, count: area.area)
    }

    /// A buffer whose rows are the given strings (padded with blanks), with default style.
    public init(lines: [String]) {
        let width = lines.map(\.displayWidth).max() ?? 0
        self.init(area: Rect(width: width, height: lines.count))
        for (y, line) in lines.enumerated() { setString(0, y, line) }
    }

    /// The index into `content` of the cell at (`x`, `y`), or `nil` outside the area.
    public func index(x: Int, y: Int) -> Int? {
        guard area.contains(x: x, y: y) else { return nil }
        return (y - area.y) * area.width + (x - area.x)
    }

    /// The position of `content[index]`.
    public func position(of index: Int) -> Position {
        Position(x: area.x + index % max(1, area.width), y: area.y + index / max(1, area.width))
    }

    /// The cell at (`x`, `y`); a blank cell outside the area, where writes are ignored.
    public subscript(x: Int, y: Int) -> Cell {
        get { index(x: x, y: y).map { content[$0] } ?? .empty }
        set { if let i = index(x: x, y: y) { content[i] = newValue } }
    }

    /// Resizes the buffer to `area`, keeping nothing: every cell becomes blank.
    public mutating func resize(_ newArea: Rect) {
        area = newArea
        content = Array(repeating: .empty, count: newArea.area)
    }

    /// Makes every cell blank.
    public mutating func reset() {
        for i in content.indices { content[i] = .empty }
    }

    /// Sets every cell of `region` (clipped to the buffer) to `cell`.
    public mutating func fill(_ region: Rect, with cell: Cell) {
        let r = region.intersection(area)
        for y in r.top..<r.bottom {
            for x in r.left..<r.right {
                writeSymbol(" ", x: x, y: y, width: 1, style: nil)
                content[index(x: x, y: y)!] = Cell(cell.symbol.isEmpty ? " " : cell.symbol, style: cell.style)
            }
        }
    }

    /// Blanks `region` and paints it with `style` (used by overlays to hide what is beneath).
    public mutating func clear(_ region: Rect, style: Style = Style()) {
        fill(region, with: Cell(" ", style: Style(fg: style.fg, bg: style.bg, modifiers: style.addModifier)))
    }

    /// Lays `style` over every cell of `region` (clipped to the buffer), keeping the symbols.
    public mutating func setStyle(_ region: Rect, _ style: Style) {
        let r = region.intersection(area)
        for y in r.top..<r.bottom {
            for x in r.left..<r.right { content[index(x: x, y: y)!].patchStyle(style) }
        }
    }

    /// Copies `other`'s cells into this buffer where the two areas overlap.
    public mutating func merge(_ other: Buffer) {
        let r = other.area.intersection(area)
        for y in r.top..<r.bottom {
            for x in r.left..<r.right { content[index(x: x, y: y)!] = other[x, y] }
        }
    }
}

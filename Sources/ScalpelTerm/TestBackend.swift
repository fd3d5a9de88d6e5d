/// A backend that draws into an in-memory `Buffer`, for asserting whole screens in tests.
public struct TestBackend: Backend, Sendable {
    /// What the screen shows now.
    public private(set) var buffer: Buffer
    /// Whether the cursor is shown.
    public private(set) var isCursorVisible = true
    /// Where the cursor is.
    public private(set) var cursor = Position.origin
    /// How many times `flush` was called.
    public private(set) var flushCount = 0
    /// How many cells the last `draw` call wrote.
    public private(set) var lastDrawCount = 0
    /// How many cells all `draw` calls wrote together.
    public private(set) var totalDrawCount = 0

    /// A screen of `width`×`height` blank cells.
    public init(width: Int, height: Int) {
        buffer = Buffer(area: Rect(width: width, height: height))
    }

    /// Changes the screen size, blanking it (as a terminal resize does).
    public mutating func resize(width: Int, height: Int) {
        buffer = Buffer(area: Rect(width: width, height: height))
    }

    /// The screen as text, one string per row.
    public var lines: [String] { buffer.lines }

    /// The screen as one string, rows separated by newlines.
    public var text: String { lines.joined(separator: "\n") }

    /// The screen size.
    public func size() throws -> Size { Size(width: buffer.area.width, height: buffer.area.height) }

    /// Writes the changed cells into the buffer.
    public mutating func draw(_ changes: [Buffer.Change]) throws {
        for change in changes {
            let w = max(1, change.cell.width)
            buffer.writeSymbol(change.cell.symbol.isEmpty ? " " : change.cell.symbol, x: change.x, y: change.y, width: w, style: nil)
            if let i = buffer.index(x: change.x, y: change.y) {
                buffer.content[i].style = change.cell.style
                for t in 1..<w where buffer.index(x: change.x + t, y: change.y) != nil { buffer.content[i + t].style = change.cell.style }
            }
        }
        lastDrawCount = changes.count
        totalDrawCount += changes.count
    }

    /// Hides the cursor.
    public mutating func hideCursor() throws { isCursorVisible = false }
    /// Shows the cursor.
    public mutating func showCursor() throws { isCursorVisible = true }
    /// The cursor position.
    public func cursorPosition() throws -> Position { cursor }
    /// Moves the cursor.
    public mutating func setCursorPosition(_ position: Position) throws { cursor = position }
    /// Blanks the screen.
    public mutating func clear() throws { buffer.reset() }
    /// Counts the flush.
    public mutating func flush() throws { flushCount += 1 }
}

/// A place frames are drawn: a real terminal (the curses backend lives in `ScalpelTUI`) or a
/// `TestBackend` in memory.
///
/// `Terminal` calls these in order for each frame: `draw` with the changed cells, cursor calls, `flush`.
public protocol Backend {
    /// The screen size in columns and rows.
    func size() throws -> Size
    /// Writes each changed cell (absolute positions; wide graphemes come as their first cell only).
    mutating func draw(_ changes: [Buffer.Change]) throws
    /// Hides the text cursor.
    mutating func hideCursor() throws
    /// Shows the text cursor.
    mutating func showCursor() throws
    /// The text cursor's position.
    func cursorPosition() throws -> Position
    /// Moves the text cursor.
    mutating func setCursorPosition(_ position: Position) throws
    /// Blanks the whole screen.
    mutating func clear() throws
    /// Makes everything drawn so far visible.
    mutating func flush() throws
}

/// Double-buffered drawing onto a `Backend`: each frame is drawn into a fresh buffer, compared with
/// the previous one, and only the changed cells are sent.
///
/// ```swift
/// var terminal = try Terminal(backend: TestBackend(width: 80, height: 24), theme: theme)
/// try terminal.draw { frame in frame.render(Paragraph("hello"), in: frame.area) }
/// ```
public struct Terminal<B: Backend> {
    /// The backend frames are sent to.
    public private(set) var backend: B
    /// The theme each frame starts with.
    public var theme: Theme
    /// What the backend shows now (the last frame drawn).
    public private(set) var previous: Buffer
    /// How many cells the last `draw` sent.
    public private(set) var lastChangeCount = 0
    /// How many frames have been drawn.
    public private(set) var frameCount = 0
    /// Set when the screen's content is unknown, so the next frame is sent whole.
    private var fullRedraw = false

    /// Takes over `backend`, sized to its current screen.
    public init(backend: B, theme: Theme = .default) throws {
        self.backend = backend
        self.theme = theme
        self.previous = Buffer(area: try backend.size().rect)
    }

    /// The screen area the next frame covers.
    public var area: Rect { previous.area }

    /// Draws one frame: `render` fills a blank frame, then only the differences reach the backend.
    ///
    /// When the backend's size changed since the last frame, the screen is cleared and redrawn fully.
    /// Returns the finished frame's buffer.
    @discardableResult
    public mutating func draw(_ render: (inout Frame) throws -> Void) throws -> Buffer {
        let size = try backend.size()
        if size.rect != previous.area {
            try backend.clear()
            previous = Buffer(area: size.rect)
            fullRedraw = true
        }
        var frame = Frame(area: previous.area, theme: theme)
        try render(&frame)
        let changes = fullRedraw ? frame.buffer.diff(Buffer(area: .zero)) : frame.buffer.diff(previous)
        fullRedraw = false
        try backend.draw(changes)
        if let cursor = frame.cursor {
            try backend.setCursorPosition(cursor)
            try backend.showCursor()
        } else {
            try backend.hideCursor()
        }
        try backend.flush()
        lastChangeCount = changes.count
        frameCount += 1
        previous = frame.buffer
        return frame.buffer
    }

    /// Clears the screen and forgets the last frame, so the next `draw` sends every cell.
    public mutating func clear() throws {
        try backend.clear()
        previous = Buffer(area: try backend.size().rect)
        fullRedraw = true
    }

    /// Gives access to the backend between frames (for example to resize a `TestBackend`).
    public mutating func withBackend<R>(_ body: (inout B) throws -> R) rethrows -> R {
        try body(&backend)
    }
}

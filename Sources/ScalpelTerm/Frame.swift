/// The canvas for one frame: a fresh buffer the size of the screen, plus where the cursor should be.
public struct Frame {
    /// The whole screen.
    public let area: Rect
    /// The cells being drawn this frame.
    public var buffer: Buffer
    /// Where to show the text cursor after drawing; `nil` hides it.
    public var cursor: Position?
    /// The theme widgets are rendered with.
    public var theme: Theme

    /// A blank frame over `area`.
    public init(area: Rect, theme: Theme = .default) {
        self.area = area
        self.buffer = Buffer(area: area)
        self.theme = theme
    }

    /// Renders `widget` into `area` with the frame's theme.
    public mutating func render(_ widget: some Widget, in area: Rect) {
        widget.render(into: &buffer, area: area, theme: theme)
    }

    /// Renders a stateful widget into `area`, updating `state`.
    public mutating func render<W: StatefulWidget>(_ widget: W, in area: Rect, state: inout W.State) {
        widget.render(into: &buffer, area: area, theme: theme, state: &state)
    }
}

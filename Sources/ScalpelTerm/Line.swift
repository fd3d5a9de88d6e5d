/// One row of styled text: spans drawn left to right, each over the line's own style.
public struct Line: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The spans, in order.
    public var spans: [Span]
    /// A style laid under every span.
    public var style: Style
    /// Where the line sits when it is narrower than its area (used by `Paragraph`).
    public var alignment: Alignment?

    /// A line of spans.
    public init(_ spans: [Span], style: Style = Style(), alignment: Alignment? = nil) {
        self.spans = spans
        self.style = style
        self.alignment = alignment
    }

    /// A line of one plain or styled string.
    public init(_ text: String, style: Style = Style(), alignment: Alignment? = nil) {
        self.init([Span(text)], style: style, alignment: alignment)
    }

    /// A plain line.
    public init(stringLiteral value: String) { self.init(value) }

    /// The columns the line takes.
    public var width: Int { spans.reduce(0) { $0 + $1.width } }

    /// The text without styles.
    public var description: String { spans.map(\.content).joined() }
}

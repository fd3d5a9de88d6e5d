/// A run of text drawn in one style.
public struct Span: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The text.
    public var content: String
    /// The style laid over the cells it covers.
    public var style: Style

    /// Creates a span.
    public init(_ content: String, style: Style = Style()) {
        self.content = content
        self.style = style
    }

    /// A plain span.
    public init(stringLiteral value: String) { self.init(value) }

    /// The columns the text takes.
    public var width: Int { content.displayWidth }

    /// The text.
    public var description: String { content }
}

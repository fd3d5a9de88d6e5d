/// A short message in a bordered box in one corner: errors, warnings and notices.
public struct Toast: Widget, Hashable, Sendable {
    /// What kind of message it is; this picks the colour and default title.
    public enum Kind: Hashable, Sendable {
        /// A notice.
        case info
        /// Something finished well.
        case success
        /// Something worth a look.
        case warning
        /// Something failed.
        case error
    }

    /// Which corner of the area the toast sits in.
    public enum Corner: Hashable, Sendable {
        /// Top left.
        case topLeft
        /// Top right.
        case topRight
        /// Bottom left.
        case bottomLeft
        /// Bottom right.
        case bottomRight
    }

    /// The message (wrapped to fit).
    public var message: String
    /// The kind of message.
    public var kind: Kind
    /// The box title; `nil` uses `Info`, `Done`, `Warning` or `Error`.
    public var title: String?
    /// The corner.
    public var corner: Corner
    /// The widest the box gets, borders included.
    public var maxWidth: Int

    /// Creates a toast.
    public init(_ message: String, kind: Kind = .info, title: String? = nil, corner: Corner = .topRight, maxWidth: Int = 40) {
        self.message = message
        self.kind = kind
        self.title = title
        self.corner = corner
        self.maxWidth = maxWidth
    }

    /// The title shown.
    public var displayTitle: String {
        if let title { return title }
        switch kind {
        case .info: return "Info"
        case .success: return "Done"
        case .warning: return "Warning"
        case .error: return "Error"
        }
    }

    /// The colour of the border and title for this kind.
    public func color(theme: Theme) -> Color {
        switch kind {
        case .info: theme.accent
        case .success: theme.good
        case .warning: theme.warn
        case .error: theme.bad
        }
    }

    /// The box the toast occupies inside `area`.
    public func boxArea(in area: Rect) -> Rect {
        let widest = min(area.width, max(maxWidth, 8))
        let textRoom = max(1, widest - 4)
        let paragraph = Paragraph(message)
        let rows = paragraph.wrappedLines(width: textRoom)
        let contentWidth = max(rows.map(\.width).max() ?? 0, displayTitle.displayWidth + 2)
        let width = min(widest, contentWidth + 4)
        let height = min(area.height, rows.count + 2)
        let x = corner == .topLeft || corner == .bottomLeft ? area.left : area.right - width
        let y = corner == .topLeft || corner == .topRight ? area.top : area.bottom - height
        return Rect(x: x, y: y, width: width, height: height)
    }

    /// Draws the box in its corner of `area`, hiding what is beneath it.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let box = boxArea(in: area)
        let c = color(theme: theme)
        buffer.clear(box, style: Style(fg: theme.text, bg: theme.background))
        let block = Block(title: displayTitle, borderType: .rounded, borderStyle: Style(fg: c), titleStyle: Style(fg: c, modifiers: .bold),
                          padding: Margin(horizontal: 1))
        block.render(into: &buffer, area: box, theme: theme)
        Paragraph(message).render(into: &buffer, area: block.inner(box), theme: theme)
    }
}

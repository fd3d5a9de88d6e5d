/// A box around other content: borders, a title in the top border, optional padding.
///
/// Render the block, then render the content into ``inner(_:)``:
/// ```swift
/// let block = Block(title: "Layers")
/// block.render(into: &buffer, area: area, theme: theme)
/// table.render(into: &buffer, area: block.inner(area), theme: theme, state: &state)
/// ```
public struct Block: Widget, Hashable, Sendable {
    /// Text shown in the top border (needs the top border), truncated to fit.
    public var title: String?
    /// Where the title sits along the top border.
    public var titleAlignment: Alignment
    /// Text shown in the bottom border, right-aligned (a hint such as `↓ 12 more`).
    public var footer: String?
    /// The sides drawn.
    public var borders: Borders
    /// The glyph set.
    public var borderType: BorderType
    /// The border style; `nil` uses the theme's `border` colour.
    public var borderStyle: Style?
    /// The title style; `nil` uses the theme's `accent` colour in bold.
    public var titleStyle: Style?
    /// A style laid over the whole area first (for example a background colour).
    public var style: Style?
    /// Space inside the borders before content starts.
    public var padding: Margin

    /// Creates a block.
    public init(title: String? = nil, titleAlignment: Alignment = .left, footer: String? = nil,
                borders: Borders = .all, borderType: BorderType = .rounded, borderStyle: Style? = nil,
                titleStyle: Style? = nil, style: Style? = nil, padding: Margin = .zero) {
        self.title = title
        self.titleAlignment = titleAlignment
        self.footer = footer
        self.borders = borders
        self.borderType = borderType
        self.borderStyle = borderStyle
        self.titleStyle = titleStyle
        self.style = style
        self.padding = padding
    }

    /// The area left for content inside the borders and padding.
    public func inner(_ area: Rect) -> Rect {
        let m = Margin(top: (borders.contains(.top) ? 1 : 0) + padding.top,
                       right: (borders.contains(.right) ? 1 : 0) + padding.right,
                       bottom: (borders.contains(.bottom) ? 1 : 0) + padding.bottom,
                       left: (borders.contains(.left) ? 1 : 0) + padding.left)
        return area.inset(by: m)
    }

    /// Draws the borders and title.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        if let style { buffer.setStyle(area, style) }
        let bs = borderStyle ?? Style(fg: theme.border)
        let s = borderType.symbols
        let hasTop = borders.contains(.top), hasBottom = borders.contains(.bottom)
        let hasLeft = borders.contains(.left), hasRight = borders.contains(.right)
        if hasTop || hasBottom {
            for x in area.left..<area.right {
                if hasTop { buffer.setString(x, area.top, s.horizontal, style: bs) }
                if hasBottom { buffer.setString(x, area.bottom - 1, s.horizontal, style: bs) }
            }
        }
        if hasLeft || hasRight {
            for y in area.top..<area.bottom {
                if hasLeft { buffer.setString(area.left, y, s.vertical, style: bs) }
                if hasRight { buffer.setString(area.right - 1, y, s.vertical, style: bs) }
            }
        }
        if hasTop && hasLeft { buffer.setString(area.left, area.top, s.topLeft, style: bs) }
        if hasTop && hasRight { buffer.setString(area.right - 1, area.top, s.topRight, style: bs) }
        if hasBottom && hasLeft { buffer.setString(area.left, area.bottom - 1, s.bottomLeft, style: bs) }
        if hasBottom && hasRight { buffer.setString(area.right - 1, area.bottom - 1, s.bottomRight, style: bs) }

        let left = area.left + (hasLeft ? 1 : 0)
        let room = area.width - (hasLeft ? 1 : 0) - (hasRight ? 1 : 0)
        if let title, !title.isEmpty, room > 0, hasTop || !hasBottom {
            let text = " \(title) ".truncated(toWidth: room)
            let x = left + titleAlignment.offset(contentWidth: text.displayWidth, width: room)
            buffer.setString(x, area.top, text, style: titleStyle ?? Style(fg: theme.accent, modifiers: .bold))
        }
        if let footer, !footer.isEmpty, room > 0, hasBottom, area.height > 1 {
            let text = " \(footer) ".truncated(toWidth: room)
            let x = left + Alignment.right.offset(contentWidth: text.displayWidth, width: room)
            buffer.setString(x, area.bottom - 1, text, style: Style(fg: theme.muted))
        }
    }
}

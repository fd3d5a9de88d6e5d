import ScalpelTerm

/// A centred panel for a screen with nothing to show yet: what the screen is for and what it waits
/// for (no model open, no runs recorded), and no invented numbers.
enum PlaceholderView {
    /// What one screen will show and why it is empty now.
    struct Content: Hashable {
        var title: String
        var purpose: [String]
        var needs: String
    }

    /// Draws the panel centred in `area`.
    static func render(_ content: Content, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        var lines: [Line] = []
        for (i, text) in content.purpose.enumerated() {
            if i > 0 { lines.append(Line("")) }
            lines.append(Line(text, style: Style(fg: theme.text)))
        }
        lines.append(Line(""))
        lines.append(Line(content.needs, style: Style(fg: theme.warn)))
        let paragraph = Paragraph(lines, wrap: .word)
        let width = min(area.width, 76)
        let textWidth = max(1, width - 4)
        let height = min(area.height, paragraph.lineCount(width: textWidth) + 2)
        let box = area.centered(width: width, height: height)
        let block = Block(title: content.title, borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: box)
        frame.render(paragraph, in: block.inner(box))
    }
}

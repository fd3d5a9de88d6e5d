/// The footer line of key hints, such as `q quit  ? help  / filter`.
///
/// When not every hint fits, hints are dropped from the end and `…` marks the cut; a hint that
/// alone is too wide loses its label first, then is truncated.
public struct KeyHints: Widget, Hashable, Sendable {
    /// The hints, most important first.
    public var hints: [KeyHint]
    /// The text between hints.
    public var separator: String

    /// Creates a footer from hints.
    public init(_ hints: [KeyHint], separator: String = "  ") {
        self.hints = hints
        self.separator = separator
    }

    /// The footer for `context` of `keymap`.
    public init(keymap: Keymap, context: String, separator: String = "  ") {
        self.init(keymap.hints(in: context), separator: separator)
    }

    /// Draws the hints on the first row of `area`.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty, !hints.isEmpty else { return }
        let y = area.top
        let sepWidth = separator.displayWidth
        // All hints if they fit; otherwise as many as fit with room left for "  …".
        var widths: [Int] = []
        for (i, h) in hints.enumerated() { widths.append((widths.last ?? 0) + (i > 0 ? sepWidth : 0) + h.width) }
        var count = hints.count
        if widths[hints.count - 1] > area.width {
            count = 0
            while count < hints.count, widths[count] + sepWidth + 1 <= area.width { count += 1 }
        }
        let keyStyle = Style(fg: theme.accent, modifiers: .bold)
        let labelStyle = Style(fg: theme.muted)
        var x = area.left
        if count == 0 {
            let h = hints[0]
            x = buffer.setString(x, y, h.key.truncated(toWidth: area.width), style: keyStyle)
            if x + 1 < area.right {
                x = buffer.setString(x, y, " ", maxWidth: area.right - x)
                buffer.setString(x, y, h.label.truncated(toWidth: area.right - x), style: labelStyle)
            }
            return
        }
        for (i, h) in hints.prefix(count).enumerated() {
            if i > 0 { x = buffer.setString(x, y, separator, maxWidth: area.right - x) }
            x = buffer.setString(x, y, h.key, style: keyStyle, maxWidth: area.right - x)
            x = buffer.setString(x, y, " ", maxWidth: area.right - x)
            x = buffer.setString(x, y, h.label, style: labelStyle, maxWidth: area.right - x)
        }
        if count < hints.count {
            x = buffer.setString(x, y, separator, maxWidth: area.right - x)
            buffer.setString(x, y, "…", style: labelStyle, maxWidth: area.right - x)
        }
    }
}

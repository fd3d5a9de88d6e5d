/// The `?` overlay: a centred box listing every key binding, grouped by context.
///
/// Context names are shown as section headers (`global` as “General”); each binding is a line with its
/// keys in an aligned column and its description. When the list is taller than the box, `scroll`
/// skips lines and the bottom border says how many more there are.
public struct HelpOverlay: Widget, Hashable, Sendable {
    /// The bindings to list.
    public var keymap: Keymap
    /// The contexts to show, in order; `nil` shows all of the keymap's contexts.
    public var contexts: [String]?
    /// Display names for contexts (a context without one is shown as is).
    public var contextTitles: [String: String]
    /// Lines skipped at the top.
    public var scroll: Int
    /// The box title.
    public var title: String

    /// Creates an overlay.
    public init(keymap: Keymap, contexts: [String]? = nil, contextTitles: [String: String] = [Keymap.global: "General"],
                scroll: Int = 0, title: String = "Keys") {
        self.keymap = keymap
        self.contexts = contexts
        self.contextTitles = contextTitles
        self.scroll = scroll
        self.title = title
    }

    /// The overlay's lines, before scrolling and clipping.
    public func contentLines(theme: Theme) -> [Line] {
        let groups = (contexts ?? keymap.contexts).map { ($0, keymap.bindings(in: $0)) }.filter { !$0.1.isEmpty }
        let keyWidth = groups.flatMap { $0.1 }.map(\.keyLabel.displayWidth).max() ?? 0
        var lines: [Line] = []
        for (i, (context, bindings)) in groups.enumerated() {
            if i > 0 { lines.append(Line("")) }
            lines.append(Line(contextTitles[context] ?? context, style: Style(fg: theme.accent, modifiers: .bold)))
            for b in bindings {
                lines.append(Line([
                    Span("  " + b.keyLabel.padded(toWidth: keyWidth) + "  ", style: Style(fg: theme.accent)),
                    Span(b.description, style: Style(fg: theme.text)),
                ]))
            }
        }
        return lines
    }

    /// The box the overlay occupies inside `area`.
    public func boxArea(in area: Rect, theme: Theme) -> Rect {
        let lines = contentLines(theme: theme)
        let width = (lines.map(\.width).max() ?? 0) + 4
        let titleWidth = title.displayWidth + 6
        return area.centered(width: max(width, titleWidth), height: lines.count + 2)
    }

    /// Draws the box centred in `area`, hiding what is beneath it.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let lines = contentLines(theme: theme)
        let box = boxArea(in: area, theme: theme)
        buffer.clear(box, style: Style(fg: theme.text, bg: theme.background))
        let inner = box.inset(by: Margin(top: 1, right: 2, bottom: 1, left: 2))
        let first = min(max(0, scroll), max(0, lines.count - inner.height))
        let hidden = lines.count - first - inner.height
        var block = Block(title: title, borderType: .rounded)
        if hidden > 0 { block.footer = "↓ \(hidden) more" }
        block.render(into: &buffer, area: box, theme: theme)
        guard !inner.isEmpty else { return }
        for (i, line) in lines.dropFirst(first).prefix(inner.height).enumerated() {
            buffer.setLine(inner.x, inner.y + i, line, maxWidth: inner.width)
        }
    }
}

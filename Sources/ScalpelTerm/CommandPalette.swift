/// The command palette: an input line and the commands that fuzzy-match it, best first, in a box
/// near the top of the screen.
public struct CommandPalette: Widget, Hashable, Sendable {
    /// Every command on offer.
    public var commands: [PaletteCommand]
    /// What has been typed.
    public var query: String
    /// The highlighted entry, an index into ``matches()`` (clamped when drawing).
    public var selected: Int
    /// The most entries listed at once.
    public var maxVisible: Int
    /// The box title.
    public var title: String
    /// The widest the box gets.
    public var maxWidth: Int

    /// Creates a palette.
    public init(commands: [PaletteCommand], query: String = "", selected: Int = 0, maxVisible: Int = 10,
                title: String = "Commands", maxWidth: Int = 60) {
        self.commands = commands
        self.query = query
        self.selected = selected
        self.maxVisible = maxVisible
        self.title = title
        self.maxWidth = maxWidth
    }

    /// The commands matching the query, best first, with their matched character positions.
    public func matches() -> [(command: PaletteCommand, match: FuzzyMatch)] {
        FuzzyMatcher.rank(query, commands, text: \.title).map { ($0.item, $0.match) }
    }

    /// The command that Enter would run now.
    public var selectedCommand: PaletteCommand? {
        let m = matches()
        guard !m.isEmpty else { return nil }
        return m[min(max(0, selected), m.count - 1)].command
    }

    /// The box the palette occupies inside `area`: centred horizontally, two rows from the top when room allows.
    public func boxArea(in area: Rect) -> Rect {
        let count = min(max(1, matches().count), max(1, maxVisible))
        let width = min(area.width, maxWidth)
        let height = min(area.height, count + 4)
        let top = area.height - height >= 4 ? 2 : 0
        return Rect(x: area.x + (area.width - width) / 2, y: area.y + top, width: width, height: height)
    }

    /// Draws the palette box over `area`, hiding what is beneath it.
    public func render(into buffer: inout Buffer, area: Rect, theme: Theme) {
        let area = area.intersection(buffer.area)
        guard !area.isEmpty else { return }
        let box = boxArea(in: area)
        buffer.clear(box, style: Style(fg: theme.text, bg: theme.background))
        let block = Block(title: title, borderType: .rounded)
        block.render(into: &buffer, area: box, theme: theme)
        let inner = block.inner(box)
        guard !inner.isEmpty else { return }
        // Input line with a reversed block standing in for the cursor.
        var x = buffer.setString(inner.x, inner.y, "> ", style: Style(fg: theme.accent, modifiers: .bold))
        let queryRoom = max(0, inner.right - x - 1)
        var shown = query
        while shown.displayWidth > queryRoom, !shown.isEmpty { shown.removeFirst() }
        x = buffer.setString(x, inner.y, shown, style: Style(fg: theme.text), maxWidth: inner.right - x)
        if x < inner.right { buffer.setString(x, inner.y, " ", style: Style(modifiers: .reverse)) }
        guard inner.height > 1 else { return }
        // A divider joined to the box's sides.
        for sx in box.left..<box.right {
            let symbol = sx == box.left ? "├" : sx == box.right - 1 ? "┤" : "─"
            buffer.setString(sx, inner.y + 1, symbol, style: Style(fg: theme.border))
        }
        let listArea = Rect(x: inner.x, y: inner.y + 2, width: inner.width, height: inner.height - 2)
        guard !listArea.isEmpty else { return }
        let found = matches()
        if found.isEmpty {
            buffer.setString(listArea.x + 1, listArea.y, "no matching commands", style: Style(fg: theme.muted), maxWidth: listArea.width - 1)
            return
        }
        let sel = min(max(0, selected), found.count - 1)
        let offset = TableState.scrolled(offset: 0, selected: sel, visible: listArea.height, rowCount: found.count)
        for (row, entry) in found.enumerated().dropFirst(offset).prefix(listArea.height) {
            let y = listArea.y + row - offset
            let keyText = entry.command.key ?? ""
            let keyWidth = keyText.isEmpty ? 0 : keyText.displayWidth + 1
            let titleRoom = max(0, listArea.width - 1 - keyWidth)
            let title = entry.command.title.truncated(toWidth: titleRoom)
            var cx = listArea.x + 1
            let matched = Set(entry.match.positions)
            for (i, ch) in title.enumerated() {
                let style = matched.contains(i) ? Style(fg: theme.accent, modifiers: .bold) : Style(fg: theme.text)
                cx = buffer.setString(cx, y, String(ch), style: style, maxWidth: listArea.right - cx)
            }
            if !keyText.isEmpty, listArea.width > keyWidth + 2 {
                buffer.setString(listArea.right - keyWidth, y, keyText, style: Style(fg: theme.muted), maxWidth: keyWidth)
            }
            if row == sel {
                buffer.setStyle(Rect(x: listArea.x, y: y, width: listArea.width, height: 1), theme.selectionStyle)
            }
        }
    }
}

import ScalpelTerm

/// Draws an ``AppState`` into a frame: the view of the Model/Update/View loop.
///
/// The frame's theme is used for every colour (the run loop adapts it to the terminal first).
public enum WorkbenchView {
    /// Renders the whole screen for `state`.
    public static func render(_ state: AppState, into frame: inout Frame) {
        let area = frame.area
        let theme = frame.theme
        if theme.background != .reset || theme.text != .reset {
            frame.buffer.setStyle(area, theme.textStyle)
        }
        if area.width < AppState.minimumSize.width || area.height < AppState.minimumSize.height {
            renderTooSmall(area: area, into: &frame)
            return
        }
        let rows = Layout.vertical([.length(1), .fill(1), .length(1)]).split(area)
        renderTabBar(state, area: rows[0], into: &frame)
        switch state.screen {
        case .model:
            ModelScreenView.render(state, area: rows[1], into: &frame)
        default:
            PlaceholderView.render(PlaceholderView.content(for: state.screen), area: rows[1], into: &frame)
        }
        frame.render(footer(state), in: rows[2])
        if let notice = state.notice {
            frame.render(Toast(notice.message, kind: notice.kind, corner: .bottomRight, maxWidth: 48), in: rows[1])
        }
        switch state.overlay {
        case .none:
            break
        case .help:
            frame.render(state.help, in: area)
        case .palette:
            if let palette = state.palette { frame.render(palette, in: area) }
        }
    }

    /// The footer hints: the palette's own keys while it is open (every other key types into it),
    /// else the active bindings of the context.
    static func footer(_ state: AppState) -> KeyHints {
        guard case .palette = state.overlay else { return KeyHints(keymap: state.keymap, context: state.context) }
        let own = state.keymap.bindings(in: Keymap.paletteContext)
        return KeyHints(own.compactMap { b in b.hint.map { KeyHint(key: b.keyLabel, label: $0) } })
    }

    /// The tab bar, with the model's name on the right when there is room.
    static func renderTabBar(_ state: AppState, area: Rect, into frame: inout Frame) {
        let titles = Screen.allCases.map(\.title)
        frame.render(Tabs(titles, selected: state.screen.rawValue), in: area)
        let tabsWidth = titles.reduce(0) { $0 + $1.displayWidth + 4 } + titles.count - 1
        let name: String
        switch state.model {
        case .loaded(let summary): name = summary.name
        case .unavailable: name = "no model"
        }
        let room = area.width - tabsWidth - 3
        guard room >= 8 else { return }
        let text = name.truncated(toWidth: room)
        frame.buffer.setString(area.right - 1 - text.displayWidth, area.y, text, style: Style(fg: frame.theme.muted))
    }

    /// The notice shown instead of the layout when the terminal is too small.
    static func renderTooSmall(area: Rect, into frame: inout Frame) {
        let need = AppState.minimumSize
        let lines: [Line] = [
            Line("terminal too small: need \(need.width)×\(need.height), have \(area.width)×\(area.height)",
                 style: Style(fg: frame.theme.warn, modifiers: .bold)),
            Line("enlarge the window, or press q to quit", style: Style(fg: frame.theme.muted)),
        ]
        let paragraph = Paragraph(lines, wrap: .word, alignment: .center)
        let height = paragraph.lineCount(width: area.width)
        frame.render(paragraph, in: area.centered(width: area.width, height: height))
    }
}

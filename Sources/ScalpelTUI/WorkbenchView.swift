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
        // (rows[1] is ``bodyArea(_:)``, which mouse clicks are measured against.)
        switch state.screen {
        case .model:
            ModelScreenView.render(state, area: rows[1], into: &frame)
        case .layers:
            LayersScreenView.render(state, area: rows[1], into: &frame)
        case .quantize:
            QuantizeScreenView.render(state, area: rows[1], into: &frame)
        case .run:
            RunScreenView.render(state, area: rows[1], into: &frame)
        case .compare:
            CompareScreenView.render(state, area: rows[1], into: &frame)
        }
        if state.overlay == .filter {
            renderFilterLine(state, area: rows[2], into: &frame)
        } else {
            frame.render(footer(state), in: rows[2])
        }
        if let notice = state.notice {
            frame.render(Toast(notice.message, kind: notice.kind, corner: .bottomRight, maxWidth: 48), in: rows[1])
        }
        switch state.overlay {
        case .none, .filter:
            break
        case .help:
            frame.render(state.help, in: area)
        case .palette:
            if let palette = state.palette { frame.render(palette, in: area) }
        case .prompt(let prompt):
            renderPrompt(prompt, area: area, into: &frame)
        case .confirm(let question):
            renderConfirm(question, area: area, into: &frame)
        }
    }

    /// A boxed one-line text field, centred.
    static func renderPrompt(_ prompt: Prompt, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let width = min(area.width - 2, max(50, prompt.title.displayWidth + 6))
        let box = area.centered(width: width, height: 4)
        clear(box, into: &frame)
        let block = Block(title: prompt.title.truncated(toWidth: max(1, width - 4)), footer: "Enter accept · Esc cancel",
                          borderType: .rounded, borderStyle: Style(fg: theme.accent), padding: Margin(horizontal: 1))
        frame.render(block, in: box)
        let inner = block.inner(box)
        let text = (prompt.text + "▏").truncatedFromStart(toWidth: max(1, inner.width))
        _ = frame.buffer.setString(inner.x, inner.y, text, style: Style(fg: theme.text, modifiers: .bold), maxWidth: inner.width)
    }

    /// Blanks `box` in the theme's colours (under an overlay).
    static func clear(_ box: Rect, into frame: inout Frame) {
        for y in box.y..<box.bottom {
            _ = frame.buffer.setString(box.x, y, String(repeating: " ", count: max(0, box.width)), style: frame.theme.textStyle)
        }
    }

    /// A boxed yes/no question, centred.
    static func renderConfirm(_ question: Confirmation, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let width = min(area.width - 2, question.question.displayWidth + 6)
        let box = area.centered(width: width, height: 4)
        clear(box, into: &frame)
        let block = Block(title: "Confirm", footer: "y yes · n no", borderType: .rounded, borderStyle: Style(fg: theme.warn),
                          padding: Margin(horizontal: 1))
        frame.render(block, in: box)
        frame.render(Paragraph([Line(question.question, style: Style(fg: theme.text, modifiers: .bold))], wrap: .word), in: block.inner(box))
    }

    /// The footer hints: the palette's own keys while it is open (every other key types into it),
    /// else the active bindings of the context.
    static func footer(_ state: AppState) -> KeyHints {
        let ownContext: String
        switch state.overlay {
        case .palette: ownContext = Keymap.paletteContext
        case .prompt: ownContext = Keymap.promptContext
        case .confirm: ownContext = Keymap.confirmContext
        case .filter: ownContext = Keymap.filterContext
        case .none, .help: return KeyHints(keymap: state.keymap, context: state.keyContext)
        }
        let own = state.keymap.bindings(in: ownContext)
        return KeyHints(own.compactMap { b in b.hint.map { KeyHint(key: b.keyLabel, label: $0) } })
    }

    /// The screen between the tab bar and the footer on a `size` terminal.
    static func bodyArea(_ size: Size) -> Rect {
        Layout.vertical([.length(1), .fill(1), .length(1)]).split(Rect(x: 0, y: 0, width: size.width, height: size.height))[1]
    }

    /// The screen whose tab covers column `x` of the tab bar (as ``Tabs`` lays it out: ` 1 Model │ 2 …`).
    static func tab(atColumn x: Int, width: Int) -> Screen? {
        var start = 0
        for screen in Screen.allCases {
            if screen.rawValue > 0 { start += 1 }   // the divider
            let end = start + 3 + screen.title.displayWidth + 1
            if x >= start, x < min(end, width) { return screen }
            start = end
        }
        return nil
    }

    /// The filter line being typed, in place of the footer: `/text▏`, then its keys.
    static func renderFilterLine(_ state: AppState, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let text = "/" + (state.filterText ?? "") + "▏"
        let shown = text.truncatedFromStart(toWidth: max(1, area.width / 2))
        let x = frame.buffer.setString(area.x, area.y, shown, style: Style(fg: theme.accent, modifiers: .bold), maxWidth: area.width)
        let rest = Rect(x: x + 2, y: area.y, width: max(0, area.right - x - 2), height: 1)
        frame.render(footer(state), in: rest)
    }

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

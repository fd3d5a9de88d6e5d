import ScalpelTerm

/// The update function: the state after `action`, and the effects the run loop should perform.
///
/// Pure: it reads nothing but its arguments, so every key sequence can be replayed in a test.
public func reduce(_ state: AppState, _ action: Action) -> (AppState, [Effect]) {
    var s = state
    var effects: [Effect] = []
    switch action {
    case .resize(let size):
        s.size = size
        s.scrollParts()
    case .key(let key):
        s.notice = nil
        if let command = s.resolve(key) { s.apply(command, effects: &effects) }
    case .run(let command):
        s.apply(command, effects: &effects)
    }
    return (s, effects)
}

extension AppState {
    /// What `key` means in the current context; palette typing is applied here directly.
    mutating func resolve(_ key: Key) -> Command? {
        if isTooSmall {
            // Only leaving makes sense until the terminal grows.
            let command = keymap.command(for: key, in: Keymap.global)
            return command == .quit || command == .back ? command : nil
        }
        switch overlay {
        case .palette(var query, _):
            if let command = keymap.ownCommand(for: key, in: Keymap.paletteContext) { return command }
            if case .character(let c) = key {
                query.append(c)
                overlay = .palette(query: query, selected: 0)
            }
            return nil
        case .help:
            if let command = keymap.ownCommand(for: key, in: Keymap.helpContext) { return command }
            guard let command = keymap.command(for: key, in: screen.context) else { return nil }
            overlay = .none
            return command
        case .none:
            return keymap.command(for: key, in: screen.context)
        }
    }

    /// Carries out `command`.
    mutating func apply(_ command: Command, effects: inout [Effect]) {
        switch command {
        case .goTo(let target):
            screen = target
            overlay = .none
        case .nextScreen:
            screen = screen.next
        case .previousScreen:
            screen = screen.previous
        case .help:
            if case .help = overlay { overlay = .none } else { overlay = .help(scroll: 0) }
        case .palette:
            overlay = .palette(query: "", selected: 0)
        case .nextTheme:
            selectTheme((themeIndex + 1) % themes.count)
        case .theme(let index):
            if themes.indices.contains(index) { selectTheme(index) }
        case .back:
            overlay = .none
        case .quit:
            effects.append(.quit)
        case .rowDown:
            movePart(to: partSelection + 1)
        case .rowUp:
            movePart(to: partSelection - 1)
        case .rowFirst:
            movePart(to: 0)
        case .rowLast:
            movePart(to: partRowCount - 1)
        case .pageDown:
            movePart(to: partSelection + max(1, visiblePartRows - 1))
        case .pageUp:
            movePart(to: partSelection - max(1, visiblePartRows - 1))
        case .helpDown, .helpUp:
            guard case .help(let scroll) = overlay else { return }
            let box = help.boxArea(in: helpArea, theme: theme)
            let hidden = help.contentLines(theme: theme).count - max(0, box.height - 2)
            let next = command == .helpDown ? scroll + 1 : scroll - 1
            overlay = .help(scroll: min(max(0, hidden), max(0, next)))
        case .paletteUp, .paletteDown:
            guard case .palette(let query, let selected) = overlay, let palette else { return }
            let count = palette.matches().count
            guard count > 0 else { return }
            let next = (selected + (command == .paletteDown ? 1 : -1) + count) % count
            overlay = .palette(query: query, selected: next)
        case .paletteDelete:
            guard case .palette(var query, _) = overlay else { return }
            if !query.isEmpty { query.removeLast() }
            overlay = .palette(query: query, selected: 0)
        case .paletteClear:
            guard case .palette = overlay else { return }
            overlay = .palette(query: "", selected: 0)
        case .paletteRun:
            guard let chosen = palette?.selectedCommand else { return }
            overlay = .none
            if let next = Command(id: chosen.id), next != .paletteRun { apply(next, effects: &effects) }
        }
    }

    /// Switches theme and says so.
    private mutating func selectTheme(_ index: Int) {
        themeIndex = index
        notice = Notice("Theme: \(theme.name)")
    }

    /// Moves the parts table's selection, clamped to its rows.
    private mutating func movePart(to row: Int) {
        guard screen == .model, partRowCount > 0 else { return }
        partSelection = min(max(0, row), partRowCount - 1)
        scrollParts()
    }

    /// The rows of the parts table that fit on the screen.
    var visiblePartRows: Int {
        guard let summary = model.summary else { return 0 }
        return ModelScreenView.visiblePartRows(summary, size: size)
    }

    /// Moves the parts table's first row as little as possible to keep the selection in view.
    mutating func scrollParts() {
        partOffset = TableState.scrolled(offset: partOffset, selected: partSelection, visible: visiblePartRows, rowCount: partRowCount)
    }

    /// The area the help overlay is centred in: the whole screen, as the view draws it.
    var helpArea: Rect { Rect(x: 0, y: 0, width: size.width, height: size.height) }
}

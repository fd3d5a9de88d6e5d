import ScalpelEngine
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
    case .mouse(let event):
        if event.kind == .press { s.notice = nil }
        s.handle(event, effects: &effects)
    case .run(let command):
        s.apply(command, effects: &effects)
    case .engineStarted(let job, let pid, let log, let recipe):
        s.engineStarted(job, pid: pid, log: log, recipe: recipe)
    case .engineLaunchFailed(let job, let message):
        s.engineFailed(job, message)
    case .engineOutput(let job, let output):
        s.engineOutput(job, output, effects: &effects)
    case .runsLoaded(let records):
        s.runs = records
        s.runsLoaded = true
        s.runSelection = min(max(0, s.runSelection), max(0, s.visibleRuns.count - 1))
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
        case .prompt(var prompt):
            if let command = keymap.ownCommand(for: key, in: Keymap.promptContext) { return command }
            if case .character(let c) = key {
                prompt.text.append(c)
                overlay = .prompt(prompt)
            }
            return nil
        case .confirm:
            return keymap.ownCommand(for: key, in: Keymap.confirmContext) ?? .back
        case .filter:
            if let command = keymap.ownCommand(for: key, in: Keymap.filterContext) { return command }
            if case .character(let c) = key { typeIntoFilter(c) }
            return nil
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
            if target == .compare && !runsLoaded { effects.append(.loadRuns) }
        case .nextScreen:
            apply(.goTo(screen.next), effects: &effects)
        case .previousScreen:
            apply(.goTo(screen.previous), effects: &effects)
        case .help:
            if case .help = overlay { overlay = .none } else { overlay = .help(scroll: 0) }
        case .palette:
            overlay = .palette(query: "", selected: 0)
        case .nextTheme:
            selectTheme((themeIndex + 1) % themes.count)
            effects.append(.rememberTheme(theme.name))
        case .theme(let index):
            if themes.indices.contains(index) {
                selectTheme(index)
                effects.append(.rememberTheme(theme.name))
            }
        case .back:
            overlay = .none
        case .quit:
            if engineBusy, overlay != .confirm(.quit) {
                overlay = .confirm(.quit)
            } else {
                effects.append(.quit)
            }
        case .rowDown:
            moveRow(by: 1, from: partSelection)
        case .rowUp:
            moveRow(by: -1, from: partSelection)
        case .rowFirst:
            moveRow(to: 0)
        case .rowLast:
            moveRow(to: Int.max)
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
        case .columnLeft, .columnRight:
            let delta = command == .columnRight ? 1 : -1
            if screen == .layers {
                layers.cursor.move(columns: delta, rowCount: layers.order(layerCount: layerCount).count, columnCount: layers.criteria.count)
            } else if screen == .quantize {
                quant.step(quantField, by: delta)
            }
        case .toggle:
            if screen == .layers { toggleBlock() } else if screen == .quantize { quant.step(quantField, by: 1) }
        case .cycleSort:
            cycleSort()
        case .autoSelect:
            startAutoSelect()
        case .clearMarks:
            layers.marked = []
            notice = Notice("No blocks marked")
        case .computeImportance:
            startImportancePrompt()
        case .editField:
            editQuantField()
        case .launchRun:
            launchRun(effects: &effects)
        case .cancelRun:
            if engineBusy { overlay = .confirm(.cancel) } else { notice = Notice("Nothing is running") }
        case .moreSteps:
            steps = min(100_000, steps + (steps >= 100 ? 10 : 1))
        case .fewerSteps:
            steps = max(1, steps - (steps > 100 ? 10 : 1))
        case .reloadRuns:
            effects.append(.loadRuns)
        case .promptSubmit:
            guard case .prompt(let prompt) = overlay else { return }
            overlay = .none
            submit(prompt, effects: &effects)
        case .promptDelete:
            guard case .prompt(var prompt) = overlay else { return }
            if !prompt.text.isEmpty { prompt.text.removeLast() }
            overlay = .prompt(prompt)
        case .promptClear:
            guard case .prompt(var prompt) = overlay else { return }
            prompt.text = ""
            overlay = .prompt(prompt)
        case .filter, .filterAccept, .filterDelete, .filterClear:
            applyFilter(command)
        case .nextBackend:
            let all = Recipe.Backend.allCases
            backend = all[((all.firstIndex(of: backend) ?? 0) + 1) % all.count]
            notice = Notice("The next run uses the \(backend.rawValue) engine")
        case .confirmYes:
            guard case .confirm(let question) = overlay else { return }
            overlay = .none
            for job in EngineJob.allCases where jobStatus(job).isRunning { effects.append(.cancel(job)) }
            if question == .quit { effects.append(.quit) }
        }
    }

    /// Switches theme and says so.
    private mutating func selectTheme(_ index: Int) {
        themeIndex = index
        notice = Notice("Theme: \(theme.name)")
    }

    /// Moves the current screen's row selection by `delta`.
    private mutating func moveRow(by delta: Int, from _: Int) {
        switch screen {
        case .model: movePart(to: partSelection + delta)
        case .layers:
            layers.cursor.move(rows: delta, rowCount: layers.order(layerCount: layerCount).count, columnCount: max(1, layers.criteria.count))
        case .quantize:
            let fields = QuantPlan.Field.allCases
            quantField = fields[min(max(0, quantField.rawValue + delta), fields.count - 1)]
        case .run: break
        case .compare: runSelection = min(max(0, runSelection + delta), max(0, visibleRuns.count - 1))
        }
    }

    /// Moves the current screen's row selection to `row` (clamped; `Int.max` for the last).
    private mutating func moveRow(to row: Int) {
        switch screen {
        case .model: movePart(to: min(row, partRowCount - 1))
        case .layers: layers.cursor.row = min(max(0, row), max(0, layers.order(layerCount: layerCount).count - 1))
        case .quantize: quantField = row == 0 ? .method : .budget
        case .run: break
        case .compare: runSelection = min(max(0, row), max(0, visibleRuns.count - 1))
        }
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

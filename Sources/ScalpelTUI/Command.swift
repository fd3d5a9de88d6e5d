/// Something the workbench can be told to do: what a key binding or palette entry runs.
///
/// Each command has a stable identifier (`screen.model`, `theme.next`, `quit`), the `action` string of
/// its `KeyBinding`, so the keymap, the help overlay and the palette all name the same commands.
public enum Command: Hashable, Sendable {
    /// Shows a screen.
    case goTo(Screen)
    /// Shows the next screen.
    case nextScreen
    /// Shows the previous screen.
    case previousScreen
    /// Opens (or closes) the help overlay.
    case help
    /// Opens the command palette.
    case palette
    /// Switches to the next theme.
    case nextTheme
    /// Switches to theme number `index` of the loaded themes.
    case theme(Int)
    /// Closes the open overlay.
    case back
    /// Leaves the workbench.
    case quit
    /// Selects the next row of the screen's table.
    case rowDown
    /// Selects the previous row.
    case rowUp
    /// Selects the first row.
    case rowFirst
    /// Selects the last row.
    case rowLast
    /// Moves the selection down by a screenful.
    case pageDown
    /// Moves the selection up by a screenful.
    case pageUp
    /// Scrolls the help overlay down.
    case helpDown
    /// Scrolls the help overlay up.
    case helpUp
    /// Highlights the previous palette entry.
    case paletteUp
    /// Highlights the next palette entry.
    case paletteDown
    /// Runs the highlighted palette entry.
    case paletteRun
    /// Deletes the last character of the palette query.
    case paletteDelete
    /// Empties the palette query.
    case paletteClear
    /// Moves the cursor one column left (Layers: the previous criterion; Quantize: the previous value).
    case columnLeft
    /// Moves the cursor one column right.
    case columnRight
    /// Marks or unmarks the block under the cursor for dropping (Quantize: toggles a keep row).
    case toggle
    /// Sorts the Layers rows by the criterion under the cursor, or back to layer order.
    case cycleSort
    /// Asks how many blocks to mark, least important first by the cursor's criterion.
    case autoSelect
    /// Unmarks every block.
    case clearMarks
    /// Asks for calibration data and launches the importance computation.
    case computeImportance
    /// Edits the selected Quantize field by typing a value.
    case editField
    /// Writes the recipe and launches the run.
    case launchRun
    /// Asks to cancel the running engine work.
    case cancelRun
    /// One more fine-tuning step in the recipe (`+`).
    case moreSteps
    /// One fewer fine-tuning step in the recipe (`-`).
    case fewerSteps
    /// Reads the run store again.
    case reloadRuns
    /// Accepts the open prompt.
    case promptSubmit
    /// Deletes the last character of the prompt.
    case promptDelete
    /// Empties the prompt.
    case promptClear
    /// Answers yes to the open confirmation.
    case confirmYes
    /// Switches the engine backend of the next run (swift, torch).
    case nextBackend
    /// Opens the row filter of the screen (Layers, Compare).
    case filter
    /// Closes the filter line, keeping the filter.
    case filterAccept
    /// Deletes the last character of the filter.
    case filterDelete
    /// Empties the filter and closes the filter line.
    case filterClear

    /// The identifier used in key bindings and palette entries.
    public var id: String {
        switch self {
        case .goTo(let screen): screen.commandID
        case .nextScreen: "screen.next"
        case .previousScreen: "screen.previous"
        case .help: "help"
        case .palette: "palette"
        case .nextTheme: "theme.next"
        case .theme(let index): "theme.set.\(index)"
        case .back: "back"
        case .quit: "quit"
        case .rowDown: "row.down"
        case .rowUp: "row.up"
        case .rowFirst: "row.first"
        case .rowLast: "row.last"
        case .pageDown: "row.page-down"
        case .pageUp: "row.page-up"
        case .helpDown: "help.down"
        case .helpUp: "help.up"
        case .paletteUp: "palette.up"
        case .paletteDown: "palette.down"
        case .paletteRun: "palette.run"
        case .paletteDelete: "palette.delete"
        case .paletteClear: "palette.clear"
        case .columnLeft: "column.left"
        case .columnRight: "column.right"
        case .toggle: "toggle"
        case .cycleSort: "layers.sort"
        case .autoSelect: "layers.auto-select"
        case .clearMarks: "layers.clear"
        case .computeImportance: "layers.compute"
        case .editField: "quantize.edit"
        case .launchRun: "run.launch"
        case .cancelRun: "run.cancel"
        case .moreSteps: "run.steps-up"
        case .fewerSteps: "run.steps-down"
        case .reloadRuns: "compare.reload"
        case .promptSubmit: "prompt.submit"
        case .promptDelete: "prompt.delete"
        case .promptClear: "prompt.clear"
        case .confirmYes: "confirm.yes"
        case .nextBackend: "run.backend"
        case .filter: "filter"
        case .filterAccept: "filter.accept"
        case .filterDelete: "filter.delete"
        case .filterClear: "filter.clear"
        }
    }

    /// The command with identifier `id`, or `nil` for an unknown one.
    public init?(id: String) {
        if let screen = Screen.allCases.first(where: { $0.commandID == id }) {
            self = .goTo(screen)
            return
        }
        let prefix = "theme.set."
        if id.hasPrefix(prefix) {
            guard let index = Int(id.dropFirst(prefix.count)), index >= 0 else { return nil }
            self = .theme(index)
            return
        }
        let simple: [Command] = [.nextScreen, .previousScreen, .help, .palette, .nextTheme, .back, .quit, .rowDown, .rowUp,
                                 .rowFirst, .rowLast, .pageDown, .pageUp, .helpDown, .helpUp, .paletteUp, .paletteDown, .paletteRun,
                                 .paletteDelete, .paletteClear, .columnLeft, .columnRight, .toggle, .cycleSort, .autoSelect,
                                 .clearMarks, .computeImportance, .editField, .launchRun, .cancelRun, .moreSteps, .fewerSteps,
                                 .reloadRuns, .promptSubmit, .promptDelete, .promptClear, .confirmYes, .nextBackend, .filter,
                                 .filterAccept, .filterDelete, .filterClear]
        guard let command = simple.first(where: { $0.id == id }) else { return nil }
        self = command
    }
}

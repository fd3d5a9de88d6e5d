import ScalpelTerm

extension Keymap {
    /// The context of the help overlay's own keys.
    public static let helpContext = "help"
    /// The context of the command palette's own keys.
    public static let paletteContext = "palette"
    /// The context of a text prompt's own keys.
    public static let promptContext = "prompt"
    /// The context of a yes/no question's own keys.
    public static let confirmContext = "confirm"
    /// The context of the filter line's own keys.
    public static let filterContext = "filter"

    /// The workbench's key bindings: the single source of the footer hints, the `?` overlay and the
    /// command palette.
    public static let workbench: Keymap = {
        var bindings: [KeyBinding] = []
        for screen in Screen.allCases {
            bindings.append(KeyBinding([.character(Character(Tabs.digit(for: screen.rawValue)!))], action: screen.commandID,
                                       description: "Go to \(screen.title)"))
        }
        bindings += [
            KeyBinding([.tab], action: Command.nextScreen.id, description: "Next screen", hint: "next"),
            KeyBinding([.backTab], action: Command.previousScreen.id, description: "Previous screen"),
            KeyBinding([.character("?")], action: Command.help.id, description: "Show the keys", hint: "help"),
            KeyBinding([.character(":"), .ctrl("p")], action: Command.palette.id, description: "Open the command palette",
                       hint: "commands"),
            KeyBinding([.character("t")], action: Command.nextTheme.id, description: "Switch to the next theme", hint: "theme"),
            KeyBinding([.escape], action: Command.back.id, description: "Close the overlay"),
            KeyBinding([.character("q")], action: Command.quit.id, description: "Quit", hint: "quit"),

            KeyBinding([.character("j"), .down], action: Command.rowDown.id, description: "Next part", hint: "move",
                       context: Screen.model.context),
            KeyBinding([.character("k"), .up], action: Command.rowUp.id, description: "Previous part", context: Screen.model.context),
            KeyBinding([.character("g"), .home], action: Command.rowFirst.id, description: "First part", context: Screen.model.context),
            KeyBinding([.character("G"), .end], action: Command.rowLast.id, description: "Last part", context: Screen.model.context),
            KeyBinding([.pageDown, .ctrl("d")], action: Command.pageDown.id, description: "A page down", context: Screen.model.context),
            KeyBinding([.pageUp, .ctrl("u")], action: Command.pageUp.id, description: "A page up", context: Screen.model.context),

            KeyBinding([.character("c")], action: Command.computeImportance.id, description: "Compute importance on calibration data",
                       hint: "compute", context: Screen.layers.context),
            KeyBinding([.character("j"), .down], action: Command.rowDown.id, description: "Next layer", hint: "move",
                       context: Screen.layers.context),
            KeyBinding([.character("k"), .up], action: Command.rowUp.id, description: "Previous layer", context: Screen.layers.context),
            KeyBinding([.character("h"), .left], action: Command.columnLeft.id, description: "Previous criterion",
                       context: Screen.layers.context),
            KeyBinding([.character("l"), .right], action: Command.columnRight.id, description: "Next criterion",
                       context: Screen.layers.context),
            KeyBinding([.character(" ")], action: Command.toggle.id, description: "Mark or unmark the block for dropping",
                       hint: "drop", context: Screen.layers.context),
            KeyBinding([.character("s")], action: Command.cycleSort.id, description: "Sort by this criterion (again: by layer)",
                       hint: "sort", context: Screen.layers.context),
            KeyBinding([.character("a")], action: Command.autoSelect.id, description: "Auto-select N blocks by this criterion",
                       hint: "auto", context: Screen.layers.context),
            KeyBinding([.character("x")], action: Command.clearMarks.id, description: "Unmark every block", context: Screen.layers.context),
            KeyBinding([.character("/")], action: Command.filter.id, description: "Filter the blocks (numbers, ranges such as 2-5, marked)",
                       hint: "filter", context: Screen.layers.context),
            KeyBinding([.character("g"), .home], action: Command.rowFirst.id, description: "First layer", context: Screen.layers.context),
            KeyBinding([.character("G"), .end], action: Command.rowLast.id, description: "Last layer", context: Screen.layers.context),

            KeyBinding([.character("j"), .down], action: Command.rowDown.id, description: "Next field", hint: "move",
                       context: Screen.quantize.context),
            KeyBinding([.character("k"), .up], action: Command.rowUp.id, description: "Previous field", context: Screen.quantize.context),
            KeyBinding([.character("l"), .right], action: Command.columnRight.id, description: "Next value", hint: "change",
                       context: Screen.quantize.context),
            KeyBinding([.character("h"), .left], action: Command.columnLeft.id, description: "Previous value",
                       context: Screen.quantize.context),
            KeyBinding([.character(" ")], action: Command.toggle.id, description: "Toggle or advance the value",
                       context: Screen.quantize.context),
            KeyBinding([.character("g"), .home], action: Command.rowFirst.id, description: "First field", context: Screen.quantize.context),
            KeyBinding([.character("G"), .end], action: Command.rowLast.id, description: "Last field", context: Screen.quantize.context),
            KeyBinding([.enter], action: Command.editField.id, description: "Type a value (context length, budget)", hint: "edit",
                       context: Screen.quantize.context),

            KeyBinding([.character("r")], action: Command.launchRun.id, description: "Write the recipe and launch the run",
                       hint: "launch", context: Screen.run.context),
            KeyBinding([.character("c")], action: Command.cancelRun.id, description: "Cancel the running engine work",
                       hint: "cancel", context: Screen.run.context),
            KeyBinding([.character("b")], action: Command.nextBackend.id, description: "Switch the engine of the next run (swift, torch)",
                       hint: "backend", context: Screen.run.context),
            KeyBinding([.character("+")], action: Command.moreSteps.id, description: "More fine-tuning steps", hint: "steps",
                       context: Screen.run.context),
            KeyBinding([.character("-")], action: Command.fewerSteps.id, description: "Fewer fine-tuning steps",
                       context: Screen.run.context),

            KeyBinding([.character("j"), .down], action: Command.rowDown.id, description: "Next run", hint: "move",
                       context: Screen.compare.context),
            KeyBinding([.character("k"), .up], action: Command.rowUp.id, description: "Previous run", context: Screen.compare.context),
            KeyBinding([.character("g"), .home], action: Command.rowFirst.id, description: "First run", context: Screen.compare.context),
            KeyBinding([.character("G"), .end], action: Command.rowLast.id, description: "Last run", context: Screen.compare.context),
            KeyBinding([.character("r")], action: Command.reloadRuns.id, description: "Read the run store again", hint: "reload",
                       context: Screen.compare.context),
            KeyBinding([.character("/")], action: Command.filter.id, description: "Filter the runs by name, status or quantization",
                       hint: "filter", context: Screen.compare.context),
            KeyBinding([.escape], action: Command.filterClear.id, description: "Clear the filter", context: Screen.layers.context),
            KeyBinding([.escape], action: Command.filterClear.id, description: "Clear the filter", context: Screen.compare.context),

            KeyBinding([.enter], action: Command.promptSubmit.id, description: "Accept", hint: "accept", context: promptContext),
            KeyBinding([.backspace], action: Command.promptDelete.id, description: "Delete a character", context: promptContext),
            KeyBinding([.ctrl("u")], action: Command.promptClear.id, description: "Clear", context: promptContext),
            KeyBinding([.escape], action: Command.back.id, description: "Cancel", hint: "cancel", context: promptContext),

            KeyBinding([.enter], action: Command.filterAccept.id, description: "Keep the filter", hint: "keep", context: filterContext),
            KeyBinding([.backspace], action: Command.filterDelete.id, description: "Delete a character", context: filterContext),
            KeyBinding([.escape], action: Command.filterClear.id, description: "Clear the filter", hint: "clear", context: filterContext),
            KeyBinding([.down], action: Command.rowDown.id, description: "Next row", context: filterContext),
            KeyBinding([.up], action: Command.rowUp.id, description: "Previous row", context: filterContext),

            KeyBinding([.character("y"), .enter], action: Command.confirmYes.id, description: "Yes", hint: "yes",
                       context: confirmContext),
            KeyBinding([.character("n"), .escape], action: Command.back.id, description: "No", hint: "no", context: confirmContext),

            KeyBinding([.escape, .character("?")], action: Command.back.id, description: "Close help", hint: "close",
                       context: helpContext),
            KeyBinding([.character("j"), .down], action: Command.helpDown.id, description: "Scroll down", hint: "scroll",
                       context: helpContext),
            KeyBinding([.character("k"), .up], action: Command.helpUp.id, description: "Scroll up", context: helpContext),

            KeyBinding([.enter], action: Command.paletteRun.id, description: "Run the highlighted command", hint: "run",
                       context: paletteContext),
            KeyBinding([.up, .ctrl("p")], action: Command.paletteUp.id, description: "Highlight the previous command",
                       hint: "move", context: paletteContext),
            KeyBinding([.down, .ctrl("n")], action: Command.paletteDown.id, description: "Highlight the next command",
                       context: paletteContext),
            KeyBinding([.backspace], action: Command.paletteDelete.id, description: "Delete a character",
                       context: paletteContext),
            KeyBinding([.ctrl("u")], action: Command.paletteClear.id, description: "Clear the query", context: paletteContext),
            KeyBinding([.escape], action: Command.back.id, description: "Close the palette", hint: "close", context: paletteContext),
        ]
        return Keymap(bindings)
    }()

    /// The command bound to `key` in `context` (its own bindings first, then global ones).
    func command(for key: Key, in context: String) -> Command? {
        action(for: key, in: context).flatMap(Command.init(id:))
    }

    /// The command bound to `key` by `context`'s own bindings only.
    func ownCommand(for key: Key, in context: String) -> Command? {
        bindings(in: context).first { $0.keys.contains(key) }.flatMap { Command(id: $0.action) }
    }
}

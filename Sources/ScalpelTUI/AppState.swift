import ScalpelEngine
import ScalpelTerm

/// Everything the workbench shows, as a value: the model of the Model/Update/View loop.
///
/// ``reduce(_:_:)`` derives the next state from an action; ``WorkbenchView`` draws a state. Neither
/// touches the terminal, so both run headless in tests.
public struct AppState: Hashable, Sendable {
    /// The smallest terminal the layout is drawn in; below it a notice asks for more room.
    public static let minimumSize = Size(width: 60, height: 16)

    /// The screen shown.
    public var screen: Screen = .model
    /// The open model, or why there is none.
    public var model: ModelStatus
    /// The loaded themes (never empty), in cycling order.
    public private(set) var themes: [Theme]
    /// The index of the theme in use.
    public var themeIndex = 0
    /// The overlay drawn over the screen.
    public var overlay: Overlay = .none
    /// The terminal size.
    public var size: Size
    /// The selected row of the Model screen's parts table.
    public var partSelection = 0
    /// The first row of the parts table shown.
    public var partOffset = 0
    /// The message shown until the next key press.
    public var notice: Notice?
    /// The key bindings.
    public var keymap: Keymap
    /// Where the engine and its files are.
    public var context: WorkbenchContext
    /// The Layers screen: scores, marks, cursor.
    public var layers = LayersState()
    /// The Quantize screen's choices.
    public var quant = QuantPlan()
    /// The selected row of the Quantize form.
    public var quantField = QuantPlan.Field.method
    /// The run followed on the Run screen.
    public var run = RunProgress()
    /// Fine-tuning steps of the next recipe.
    public var steps: Int
    /// How many recipes this session has launched (names the next one).
    public var launches = 0
    /// The runs of the run store, for the Compare screen.
    public var runs: [RunRecord] = []
    /// The selected run on the Compare screen.
    public var runSelection = 0
    /// Whether the run store has been read.
    public var runsLoaded = false
    /// Which runs the Compare screen lists (`/`).
    public var runFilter = RunFilter("")
    /// The engine that executes the next run (`b` on the Run screen); written into the recipe and
    /// passed as `scalpel run --backend`.
    public var backend: Recipe.Backend = .swift

    /// A workbench showing `model` on a `size` terminal, with `themes` (the built-in theme when empty).
    public init(model: ModelStatus, themes: [Theme] = [], size: Size, keymap: Keymap = .workbench, notice: Notice? = nil,
                context: WorkbenchContext = WorkbenchContext()) {
        self.model = model
        self.themes = themes.isEmpty ? [.default] : themes
        self.size = size
        self.keymap = keymap
        self.notice = notice
        self.context = context
        self.steps = context.steps
        if let d = model.summary?.decoder {
            quant.groupSize = QuantPlan.largestGroup(dividing: [d.hiddenSize, d.intermediateSize, d.heads * d.headDim])
        }
    }

    /// The theme in use.
    public var theme: Theme { themes[min(max(0, themeIndex), themes.count - 1)] }

    /// Whether the terminal is below ``minimumSize``.
    public var isTooSmall: Bool { size.width < AppState.minimumSize.width || size.height < AppState.minimumSize.height }

    /// The keymap context in effect: the overlay's, else the screen's.
    public var keyContext: String { overlay.context ?? screen.context }

    /// Whether any engine child is running.
    public var engineBusy: Bool { layers.status.isRunning || run.status.isRunning }

    /// The number of decoder blocks of the open model.
    public var layerCount: Int { model.summary?.decoder.layers ?? 0 }

    /// Parameters of decoder block `layer` (from the Model screen's parts), 0 when unknown.
    public func blockParameters(_ layer: Int) -> Int {
        model.summary?.parts.first { $0.name == "layer \(layer)" }?.parameters ?? 0
    }

    /// The runs the Compare screen lists: the run store's, through the filter; ``runSelection`` indexes these.
    public var visibleRuns: [RunRecord] { runFilter.isEmpty ? runs : runs.filter(runFilter.matches) }

    /// Parameters removed by the marked blocks.
    public var removedParameters: Int { layers.marked.reduce(0) { $0 + blockParameters($1) } }

    /// The deploy-memory estimate of the current choices, or why there is none.
    public var estimate: Result<MemoryBreakdown, MemoryEstimator.EstimateError>? {
        context.estimator?.estimate(quant.memoryPlan(dropped: layers.marked))
    }

    /// The rows of the Model screen's parts table (the parts, then the total).
    public var partRowCount: Int { model.summary.map { $0.parts.count + 1 } ?? 0 }

    /// The palette's entries: the screens, help, themes and quit, each with its key.
    public var paletteCommands: [PaletteCommand] {
        let offered: Set<String> = Set(Screen.allCases.map(\.commandID) + [Command.nextTheme.id, Command.help.id, Command.quit.id])
        var commands = keymap.paletteCommands(in: Keymap.global).filter { offered.contains($0.id) }
        for (i, theme) in themes.enumerated() {
            commands.append(PaletteCommand(id: Command.theme(i).id, title: "Theme: \(theme.name)"))
        }
        return commands
    }

    /// The palette widget for the open palette, `nil` when it is closed.
    public var palette: CommandPalette? {
        guard case .palette(let query, let selected) = overlay else { return nil }
        return CommandPalette(commands: paletteCommands, query: query, selected: selected)
    }

    /// The help widget, scrolled as the overlay says (also built when closed, for measuring).
    public var help: HelpOverlay {
        var scroll = 0
        if case .help(let s) = overlay { scroll = s }
        return HelpOverlay(keymap: keymap, contexts: helpContexts, contextTitles: helpTitles, scroll: scroll)
    }

    /// The contexts the help overlay lists: general keys, then the current screen's (the palette shows
    /// its own keys in the footer while open).
    var helpContexts: [String] { [Keymap.global, screen.context] }

    /// Section titles of the help overlay.
    var helpTitles: [String: String] {
        var titles = [Keymap.global: "General", Keymap.paletteContext: "Command palette", Keymap.helpContext: "Help"]
        for s in Screen.allCases { titles[s.context] = "\(s.title) screen" }
        return titles
    }
}

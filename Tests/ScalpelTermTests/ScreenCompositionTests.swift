import Testing
@testable import ScalpelTerm

/// A whole workbench-like screen drawn through `Terminal`, as the TUI will compose it.
@Suite struct ScreenCompositionTests {
    let scores: [[Double]] = (0..<16).map { i in
        let x = Double(i)
        return [1 - x / 20, x * x / 100, 0.3 + Double((i * 7) % 5) / 10]
    }

    func drawScreen(_ frame: inout Frame, cursor: inout HeatmapState, marked: Set<Int>, toast: Toast?) {
        let rows = Layout.vertical([.length(1), .fill(1), .length(3), .length(1)]).split(frame.area)
        frame.render(Tabs(["Inspect", "Score", "Quantize", "Run"], selected: 1), in: rows[0])
        let panes = Layout.horizontal([.percentage(55), .fill(1)]).split(rows[1])
        let left = Block(title: "Layer importance")
        frame.render(left, in: panes[0])
        let heatmap = Heatmap(values: scores, columnTitles: ["cos", "ppl", "attn"], marked: marked, cellWidth: 5)
        frame.render(heatmap, in: left.inner(panes[0]), state: &cursor)
        let right = Block(title: "Estimate")
        frame.render(right, in: panes[1])
        let inner = Layout.vertical([.fill(1), .length(2)]).split(right.inner(panes[1]))
        var tableState = TableState(selected: nil)
        let table = Table(columns: [TableColumn("part", width: .fill(1)), TableColumn("MiB", width: .length(6), alignment: .right)],
                          rows: [["weights", "3120"], ["kv cache", "512"], ["activations", "96"], ["total", "3728"]])
        frame.render(table, in: inner[0], state: &tableState)
        frame.render(Sparkline([3900, 3850, 3800, 3728, 3728, 3600, 3500, 3728], minimum: 3000), in: inner[1])
        let gaugeBlock = Block(title: "Drop \(marked.count) of 16 layers")
        frame.render(gaugeBlock, in: rows[2])
        frame.render(Gauge(ratio: Double(marked.count) / 16, label: "\(marked.count)/16"), in: gaugeBlock.inner(rows[2]))
        frame.render(KeyHints(keymap: sampleKeymap, context: "score"), in: rows[3])
        if let toast { frame.render(toast, in: rows[1]) }
    }

    @Test func workbenchScreen() throws {
        var terminal = try Terminal(backend: TestBackend(width: 72, height: 20))
        var cursor = HeatmapState(row: 3, column: 0)
        try terminal.draw { drawScreen(&$0, cursor: &cursor, marked: [14, 15], toast: nil) }
        Golden.check("workbench", terminal.backend.lines)

        // Moving the cursor one row down repaints only the cells that changed.
        let before = terminal.backend.totalDrawCount
        cursor.row += 1
        try terminal.draw { drawScreen(&$0, cursor: &cursor, marked: [14, 15], toast: nil) }
        #expect(terminal.lastChangeCount > 0 && terminal.lastChangeCount < 40)
        #expect(terminal.backend.totalDrawCount - before == terminal.lastChangeCount)

        // Toggling a layer and showing a toast.
        try terminal.draw {
            drawScreen(&$0, cursor: &cursor, marked: [4, 14, 15], toast: Toast("Layer 4 marked for pruning", kind: .info, maxWidth: 30))
        }
        Golden.check("workbench-toast", terminal.backend.lines)
    }

    @Test func eightColourThemeRendersOnlyEightColours() throws {
        let theme = try Theme(parsing: """
            heat = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]
            accent = "#5fafff"
            """).adapted(to: .ansi8)
        var terminal = try Terminal(backend: TestBackend(width: 72, height: 20), theme: theme)
        var cursor = HeatmapState()
        try terminal.draw { drawScreen(&$0, cursor: &cursor, marked: [1], toast: nil) }
        let eight = Set(AnsiColor.allCases.prefix(8).map { Color.ansi($0) } + [Color.reset])
        let used = terminal.backend.buffer.content.flatMap { [$0.style.fg, $0.style.bg].compactMap { $0 } }
        #expect(used.allSatisfy { eight.contains($0) })
    }
}

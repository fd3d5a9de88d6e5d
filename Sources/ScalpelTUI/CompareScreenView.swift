import ScalpelTerm

/// The Compare screen: the runs of the run store side by side: a metrics table, their loss curves
/// overlaid, and the blocks each dropped.
enum CompareScreenView {
    /// Draws the screen for `state` into `area`.
    static func render(_ state: AppState, area: Rect, into frame: inout Frame) {
        guard !state.runs.isEmpty else {
            let text = state.runsLoaded
                ? "No runs in \(state.context.runsDirectory) yet. Launch one on the Run screen (4), then press r here."
                : "Reading \(state.context.runsDirectory)…"
            PlaceholderView.render(PlaceholderView.Content(title: "Compare", purpose: ["Finished runs side by side: metrics, loss curves, dropped blocks."],
                                                           needs: text), area: area, into: &frame)
            return
        }
        let parts = layout(state, area: area)
        renderTable(state, area: parts.table, into: &frame)
        renderCurves(state, area: parts.curves, into: &frame)
        renderDropped(state, area: parts.dropped, into: &frame)
    }

    /// Where the table, the curves and the dropped-blocks list go in `area`.
    static func layout(_ state: AppState, area: Rect) -> (table: Rect, curves: Rect, dropped: Rect) {
        let tableHeight = min(area.height / 2, state.visibleRuns.count + 3)
        let rows = Layout.vertical([.length(max(4, tableHeight)), .fill(1)]).split(area)
        let columns = Layout.horizontal([.fill(3), .fill(2)]).split(rows[1])
        return (rows[0], columns[0], columns[1])
    }

    /// The table's box with its title: the run store, and the filter when one is set.
    static func tableBlock(_ state: AppState) -> Block {
        let runs = state.visibleRuns
        var title = "Runs in \(state.context.runsDirectory)"
        if !state.runFilter.isEmpty { title += " · /\(state.runFilter.text): \(runs.count) of \(state.runs.count)" }
        return Block(title: title, footer: runs.isEmpty ? "0/0" : "\(state.runSelection + 1)/\(runs.count)",
                     borderType: .rounded, padding: Margin(horizontal: 1))
    }

    /// The listed run at screen row `y` of the body `area`, `nil` outside the table's rows.
    static func run(atRow y: Int, _ state: AppState, area: Rect) -> Int? {
        let table = layout(state, area: area).table
        let inner = tableBlock(state).inner(table)
        let visible = max(0, inner.height - 1)
        let offset = TableState.scrolled(offset: 0, selected: state.runSelection, visible: visible, rowCount: state.visibleRuns.count)
        let index = offset + (y - inner.y - 1)
        guard y > inner.y, y < inner.bottom, state.visibleRuns.indices.contains(index) else { return nil }
        return index
    }

    /// The metric names shown as columns: every `name (split)` any run reported, sorted.
    static func metricNames(_ runs: [RunRecord]) -> [String] {
        Array(Set(runs.flatMap { $0.progress.metrics.keys })).sorted()
    }

    /// One row per run.
    static func renderTable(_ state: AppState, area: Rect, into frame: inout Frame) {
        let block = tableBlock(state)
        frame.render(block, in: area)
        let inner = block.inner(area)
        let runs = state.visibleRuns
        let metrics = Array(metricNames(runs).prefix(inner.width >= 120 ? 3 : (inner.width >= 90 ? 1 : 0)))
        var columns = [TableColumn("run", width: .fill(1)), TableColumn("status", width: .length(10)),
                       TableColumn("drop", width: .length(5), alignment: .right)]
        if inner.width >= 70 { columns.append(TableColumn("quant", width: .length(16))) }
        columns += [TableColumn("loss", width: .length(7), alignment: .right), TableColumn("val", width: .length(7), alignment: .right)]
        columns += metrics.map { TableColumn($0, width: .length(max(8, $0.displayWidth)), alignment: .right) }
        if inner.width >= 80 { columns.append(TableColumn("deploy", width: .length(10), alignment: .right)) }
        let rows = runs.map { r -> [String] in
            var row = [r.id, r.status, r.dropped.map { "\($0.count)" } ?? "?"]
            if inner.width >= 70 { row.append(r.quantization ?? "?") }
            row += [r.finalLoss.map { NumberFormat.fixed($0, decimals: 3) } ?? "–", r.finalValidationLoss.map { NumberFormat.fixed($0, decimals: 3) } ?? "–"]
            row += metrics.map { m in r.progress.metrics[m].map { NumberFormat.fixed($0, decimals: 3) } ?? "–" }
            if inner.width >= 80 { row.append(r.progress.deployBytes.map(Quantity.bytes) ?? "–") }
            return row
        }
        var selection = TableState(selected: runs.isEmpty ? nil : state.runSelection)
        frame.render(Table(columns: columns, rows: rows, columnSpacing: 1), in: inner, state: &selection)
    }

    /// Training loss of every run (up to the theme's series colours), overlaid.
    static func renderCurves(_ state: AppState, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let block = Block(title: "Training loss", borderType: .rounded)
        frame.render(block, in: area)
        let inner = block.inner(area)
        let shown = state.visibleRuns.enumerated().filter { !$0.element.progress.trainLoss.isEmpty }.suffix(6)
        guard !shown.isEmpty else {
            frame.render(Paragraph(state.visibleRuns.isEmpty ? "no run matches the filter" : "no run has reported a loss", style: Style(fg: theme.muted)), in: inner)
            return
        }
        let series = shown.map { i, r in
            ChartSeries(name: r.id.truncated(toWidth: 18), points: r.progress.trainLoss.map { ($0.x, $0.y) }, color: theme.seriesColor(i))
        }
        frame.render(LineChart(series), in: inner)
    }

    /// Which blocks each run dropped.
    static func renderDropped(_ state: AppState, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let block = Block(title: "Dropped blocks", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        var lines: [Line] = []
        let runs = state.visibleRuns
        for (i, r) in runs.enumerated() {
            let style = i == state.runSelection ? Style(fg: theme.accent, modifiers: .bold) : Style(fg: theme.text)
            let blocks = r.dropped.map { $0.isEmpty ? "none" : $0.map(String.init).joined(separator: ", ") } ?? "unknown"
            lines.append(Line([Span(r.id, style: style)]))
            lines.append(Line([Span("  " + blocks, style: Style(fg: theme.muted))]))
        }
        if let selected = runs.indices.contains(state.runSelection) ? runs[state.runSelection] : nil, let problem = selected.problem {
            lines.append(Line(problem, style: Style(fg: theme.bad)))
        }
        frame.render(Paragraph(lines, wrap: .word), in: block.inner(area))
    }
}

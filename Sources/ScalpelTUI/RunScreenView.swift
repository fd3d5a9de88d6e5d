import ScalpelEngine
import ScalpelTerm

/// The Run screen: the stages of the running recipe, progress with ETA, the live loss curve, the
/// numbers the engine reports (learning rate, tokens/s, RSS, deploy memory) and its log.
enum RunScreenView {
    /// Draws the screen for `state` into `area`.
    static func render(_ state: AppState, area: Rect, into frame: inout Frame) {
        let logHeight = area.height >= 24 ? 7 : (area.height >= 18 ? 4 : 3)
        let rows = Layout.vertical([.length(1), .fill(1), .length(logHeight)]).split(area)
        frame.render(Paragraph([statusLine(state, theme: frame.theme)], wrap: .none), in: rows[0])
        let sideWidth = min(34, max(24, area.width / 3))
        let columns = Layout.horizontal([.length(sideWidth), .fill(1)]).split(rows[1])
        let left = Layout.vertical([.length(min(columns[0].height / 2, max(3, state.run.stages.count + 2))), .fill(1)]).split(columns[0])
        renderStages(state, area: left[0], into: &frame)
        renderNumbers(state, area: left[1], into: &frame)
        let right = Layout.vertical([.length(4), .fill(1)]).split(columns[1])
        renderProgress(state, area: right[0], into: &frame)
        renderLoss(state.run, area: right[1], into: &frame)
        renderLogs(state.run, area: rows[2], into: &frame)
    }

    /// The run's id and state, or what `r` would launch.
    static func statusLine(_ state: AppState, theme: Theme) -> Line {
        let run = state.run
        let muted = Style(fg: theme.muted)
        let id = Span(run.runID ?? "new run", style: Style(fg: theme.accent, modifiers: .bold))
        switch run.status {
        case .idle:
            let plan = "drop \(state.layers.marked.count) · \(state.quant.value(.method))"
                + (state.quant.quantizes ? " \(state.quant.value(.bits)) g\(state.quant.groupSize == 0 ? "ch" : String(state.quant.groupSize))" : "")
                + " · \(state.steps) SFT steps · \(state.backend.rawValue) engine"
            return Line([Span("r launches: ", style: muted), Span(plan, style: Style(fg: theme.text)),
                         Span(" (+/- steps, b engine)", style: muted)])
        case .running(let pid):
            return Line([Span("running \(clock(run.elapsed))", style: Style(fg: theme.accent, modifiers: .bold)),
                         Span(" · engine pid \(pid)" + (run.backend.map { " (\($0))" } ?? "") + " · ", style: muted),
                         Span(run.runID ?? "", style: Style(fg: theme.text))])
        case .finished:
            return Line([id, Span(" finished in \(clock(run.elapsed)) · see it on Compare (5)", style: Style(fg: theme.good))])
        case .failed(let why):
            return Line([id, Span(" failed: \(why)", style: Style(fg: theme.bad))])
        case .cancelled:
            return Line([id, Span(" cancelled after \(clock(run.elapsed))", style: Style(fg: theme.warn))])
        }
    }

    /// The stage list with a mark for each state.
    static func renderStages(_ state: AppState, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let block = Block(title: "Stages", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let stages = state.run.stages
        guard !stages.isEmpty else {
            frame.render(Paragraph("none yet", style: Style(fg: theme.muted)), in: block.inner(area))
            return
        }
        let lines = stages.map { stage -> Line in
            let (mark, color): (String, Color) = switch stage.state {
            case nil: ("○", theme.muted)
            case .started?: ("▶", theme.accent)
            case .completed?: ("✓", theme.good)
            case .skipped?: ("–", theme.muted)
            case .failed?: ("✗", theme.bad)
            case .cancelled?: ("⊘", theme.warn)
            }
            return Line([Span(mark + " ", style: Style(fg: color)),
                         Span(stage.name.isEmpty ? "…" : stage.name, style: Style(fg: stage.state == .started ? theme.accent : theme.text))])
        }
        frame.render(Paragraph(lines, wrap: .none), in: block.inner(area))
    }

    /// Learning rate, throughput, memory and metrics.
    static func renderNumbers(_ state: AppState, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let run = state.run
        let block = Block(title: "Now", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let inner = block.inner(area)
        func row(_ label: String, _ value: String?) -> Line {
            let v = value ?? "–"
            let pad = max(1, inner.width - label.displayWidth - v.displayWidth)
            return Line([Span(label, style: Style(fg: theme.muted)), Span(String(repeating: " ", count: pad)),
                         Span(v, style: Style(fg: value == nil ? theme.muted : theme.text))])
        }
        var lines = [
            row("step", run.trainLoss.last.map { String(Int($0.x)) }),
            row("loss", run.trainLoss.last.map { NumberFormat.fixed($0.y, decimals: 4) }),
            row("val loss", run.validationLoss.last.map { NumberFormat.fixed($0.y, decimals: 4) }),
            row("lr", run.learningRate.map(NumberFormat.short)),
            row("tokens/s", run.tokensPerSecond.map { NumberFormat.fixed($0, decimals: 0) }),
            row("RSS", run.rss.map(Quantity.bytes)),
            row("peak RSS", run.peakRSS.map(Quantity.bytes)),
            row("deploy est.", run.deployBytes.map(Quantity.bytes)),
        ]
        for (name, value) in run.metrics.sorted(by: { $0.key < $1.key }) {
            lines.append(row(name, NumberFormat.short(value)))
        }
        frame.render(Paragraph(lines, wrap: .none), in: inner)
    }

    /// The current stage's progress bar with rate and ETA.
    static func renderProgress(_ state: AppState, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let run = state.run
        let block = Block(title: "Progress", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let inner = block.inner(area)
        guard let p = run.currentProgress else {
            frame.render(Paragraph(run.status.isRunning ? "waiting for the engine…" : "no progress yet", style: Style(fg: theme.muted)), in: inner)
            return
        }
        let rows = Layout.vertical([.length(1), .fill(1)]).split(inner)
        var text = p.stage
        let stagesDone = run.stages.filter { [.completed, .skipped].contains($0.state) }.count
        if !run.stages.isEmpty { text += " · stage \(min(run.stages.count, stagesDone + 1))/\(run.stages.count)" }
        if let rate = p.rate { text += " · \(NumberFormat.short(rate)) \(p.unit)/s" }
        frame.render(Paragraph([Line(text, style: Style(fg: theme.text))], wrap: .none), in: rows[0])
        let percent = p.total > 0 ? 100 * p.done / p.total : 0
        let label = "\(p.done)/\(p.total) \(p.unit) (\(percent)%)" + (p.eta.map { " · ETA \(clock($0))" } ?? "")
        frame.render(Gauge(ratio: p.total > 0 ? Double(p.done) / Double(p.total) : 0, label: label, color: theme.accent), in: rows[1])
    }

    /// Training and validation loss against the step.
    static func renderLoss(_ run: RunProgress, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let last = run.trainLoss.last.map { " · \(NumberFormat.fixed($0.y, decimals: 4)) at step \(Int($0.x))" } ?? ""
        let block = Block(title: "Loss" + last, borderType: .rounded)
        frame.render(block, in: area)
        let inner = block.inner(area)
        guard !run.trainLoss.isEmpty || !run.validationLoss.isEmpty else {
            frame.render(Paragraph("the curve appears with the first optimizer step", style: Style(fg: theme.muted)), in: inner)
            return
        }
        var series = [ChartSeries(name: "train", points: run.trainLoss.map { ($0.x, $0.y) }, color: theme.seriesColor(0))]
        if !run.validationLoss.isEmpty {
            series.append(ChartSeries(name: "val", points: run.validationLoss.map { ($0.x, $0.y) }, color: theme.seriesColor(1)))
        }
        frame.render(LineChart(series), in: inner)
    }

    /// The newest log lines.
    static func renderLogs(_ run: RunProgress, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let block = Block(title: "Log", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let inner = block.inner(area)
        let shown = run.logs.suffix(max(0, inner.height))
        let lines = shown.map { line -> Line in
            let bad = line.hasPrefix("error") || line.hasPrefix("unreadable")
            return Line(line, style: Style(fg: bad ? theme.bad : (line.hasPrefix("warning") ? theme.warn : theme.text)))
        }
        frame.render(Paragraph(lines, wrap: .none), in: inner)
    }

    /// `m:ss` or `h:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(s / 60):\(two(s % 60))"
    }
}

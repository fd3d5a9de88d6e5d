import ScalpelTerm

/// The Quantize screen: the plan as a form on the left, the deploy-memory estimate (recomputed on
/// every key) and a bar against the budget on the right.
enum QuantizeScreenView {
    /// Width of the form in a body `width` columns wide.
    static func formWidth(_ width: Int) -> Int { min(44, max(30, width * 2 / 5)) }

    /// Draws the screen for `state` into `area`.
    static func render(_ state: AppState, area: Rect, into frame: inout Frame) {
        let columns = Layout.horizontal([.length(formWidth(area.width)), .fill(1)]).split(area)
        renderForm(state, area: columns[0], into: &frame)
        renderEstimate(state, area: columns[1], into: &frame)
    }

    /// The form field drawn at `position` of the body `area`, `nil` elsewhere.
    static func field(at position: Position, area: Rect) -> QuantPlan.Field? {
        let form = Layout.horizontal([.length(formWidth(area.width)), .fill(1)]).split(area)[0]
        let inner = Block(title: "Plan", borderType: .rounded, padding: Margin(horizontal: 1)).inner(form)
        guard inner.contains(x: position.x, y: position.y) else { return nil }
        return QuantPlan.Field(rawValue: position.y - inner.y)
    }

    /// The form: one row per field, the selected one reversed.
    static func renderForm(_ state: AppState, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let block = Block(title: "Plan", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let inner = block.inner(area)
        guard !inner.isEmpty else { return }
        var y = inner.y
        let narrow = inner.width < 32
        let labelWidth = narrow ? 11 : 18
        for field in QuantPlan.Field.allCases where y < inner.bottom {
            let disabled = !state.quant.quantizes && (field == .bits || field == .group)
            let selected = field == state.quantField
            var style = Style(fg: disabled ? theme.muted : theme.text)
            if selected { style = theme.selectionStyle }
            let text = (narrow ? field.shortLabel : field.label).truncated(toWidth: labelWidth).padded(toWidth: labelWidth)
                + " " + state.quant.value(field)
            frame.buffer.setStyle(Rect(x: inner.x, y: y, width: inner.width, height: 1), selected ? style : Style())
            _ = frame.buffer.setString(inner.x, y, text, style: style, maxWidth: inner.width)
            y += 1
        }
        y += 1
        let dropped = state.layers.marked.count
        if y < inner.bottom {
            _ = frame.buffer.setString(inner.x, y, "Blocks dropped: \(dropped)", style: Style(fg: theme.muted), maxWidth: inner.width)
        }
    }

    /// The estimate by part, the totals and the budget bar.
    static func renderEstimate(_ state: AppState, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let block = Block(title: "Deploy memory", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let inner = block.inner(area)
        guard !inner.isEmpty else { return }
        let estimate: MemoryBreakdown
        switch state.estimate {
        case nil:
            frame.render(Paragraph("No estimator: the model's configuration could not be read.", style: Style(fg: theme.warn)), in: inner)
            return
        case .failure(let why)?:
            frame.render(Paragraph("This plan cannot be estimated: \(why)", style: Style(fg: theme.bad)), in: inner)
            return
        case .success(let e)?:
            estimate = e
        }
        let budget = state.quant.budgetBytes
        let total = estimate.totalBytes
        let over = total > budget
        let totalsHeight = 4
        let gaugeHeight = inner.height >= 12 ? 3 : 1
        let rows = Layout.vertical([.fill(1), .length(totalsHeight), .length(gaugeHeight)]).split(inner)
        let compact = rows[0].width < 40
        let columns = [TableColumn("part", width: .fill(1))]
            + (compact ? [] : [TableColumn("params", width: .length(9), alignment: .right),
                               TableColumn("bits", width: .length(5), alignment: .right)])
            + [TableColumn("size", width: .length(10), alignment: .right)]
        let tableRows = estimate.parts.map { p in
            [p.name] + (compact ? [] : [Quantity.count(p.parameters), NumberFormat.fixed(p.bits, decimals: 2)]) + [Quantity.bytes(p.bytes)]
        }
        frame.render(Table(columns: columns, rows: tableRows, columnSpacing: 1), in: rows[0])
        let label = Style(fg: theme.muted)
        func row(_ name: String, _ bytes: Int, bold: Bool = false) -> Line {
            let v = Quantity.bytes(bytes)
            let pad = max(1, rows[1].width - name.displayWidth - v.displayWidth)
            return Line([Span(name, style: label), Span(String(repeating: " ", count: pad)),
                         Span(v, style: Style(fg: bold ? (over ? theme.bad : theme.good) : theme.text, modifiers: bold ? .bold : []))])
        }
        frame.render(Paragraph([
            row("weights (\(Quantity.count(estimate.parameters)) params)", estimate.weightsBytes),
            row("KV cache (\(state.quant.context) tokens)", estimate.kvCacheBytes),
            row("activations", estimate.activationsBytes),
            row("total", total, bold: true),
        ], wrap: .none), in: rows[1])
        let percent = budget > 0 ? Int((100 * Double(total) / Double(budget)).rounded()) : 0
        let text = "\(Quantity.bytes(total)) of \(Quantity.bytes(budget)) budget (\(percent)%)" + (over ? " — over by \(Quantity.bytes(total - budget))" : "")
        let gauge = Gauge(ratio: budget > 0 ? Double(total) / Double(budget) : 1, label: text, color: over ? theme.bad : theme.good)
        frame.render(gauge, in: rows[2])
    }
}

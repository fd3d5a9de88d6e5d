import ScalpelTerm

/// The Layers screen: the importance heatmap (layers × criteria), the blocks marked to drop with what
/// dropping them saves, and the exact score under the cursor.
enum LayersScreenView {
    /// Width of the selection panel in a body `width` columns wide.
    static func sideWidth(_ width: Int) -> Int { min(38, max(26, width / 3)) }

    /// Draws the screen for `state` into `area`.
    static func render(_ state: AppState, area: Rect, into frame: inout Frame) {
        guard let summary = state.model.summary else {
            PlaceholderView.render(PlaceholderView.Content(title: "Layers", purpose: ["Layer importance needs an open model."],
                                                           needs: "No model is open."), area: area, into: &frame)
            return
        }
        let theme = frame.theme
        let parts = layout(area)
        frame.render(Paragraph([statusLine(state, theme: theme)], wrap: .none), in: parts.status)
        renderHeatmap(state, layers: summary.decoder.layers, area: parts.heatmap, into: &frame)
        renderSelection(state, summary: summary, area: parts.selection, into: &frame)
        frame.render(Paragraph([detailLine(state, theme: theme)], wrap: .none), in: parts.detail)
    }

    /// Where the status line, the heatmap box, the Drop panel and the detail line go in `area`.
    static func layout(_ area: Rect) -> (status: Rect, heatmap: Rect, selection: Rect, detail: Rect) {
        let rows = Layout.vertical([.length(1), .fill(1), .length(1)]).split(area)
        let columns = Layout.horizontal([.fill(1), .length(sideWidth(area.width))]).split(rows[1])
        return (rows[0], columns[0], columns[1], rows[2])
    }

    /// The heatmap's box; its title says the sort order and the filter.
    static func heatmapBlock(_ state: AppState) -> Block {
        let l = state.layers
        let sorted = l.sortColumn.flatMap { l.criteria.indices.contains($0) ? l.criteria[$0] : nil }
        var title = "Blocks × criteria" + (sorted.map { " · by \(shortName($0)) ↑" } ?? "")
        if !l.filter.isEmpty { title += " · /\(l.filter.text): \(l.order(layerCount: state.layerCount).count) of \(state.layerCount)" }
        return Block(title: title, borderType: .rounded, padding: Margin(horizontal: 1))
    }

    /// The heatmap cell at screen position (`x`, `y`) of the body `area`: the display row, and the
    /// criterion column when the position is on a cell (`nil` on the row's label); `nil` off the rows.
    static func cell(at position: Position, _ state: AppState, area: Rect) -> (row: Int, column: Int?)? {
        let inner = heatmapBlock(state).inner(layout(area).heatmap)
        let map = heatmap(state, layers: state.layerCount)
        // Render into a scratch buffer for the scroll offsets the screen shows.
        var scratch = Buffer(area: inner)
        var cursor = state.layers.cursor
        map.render(into: &scratch, area: inner, theme: .default, state: &cursor)
        let legend = inner.height >= 3 ? 1 : 0
        let row = cursor.rowOffset + (position.y - inner.y - 1)
        guard position.x >= inner.x, position.x < inner.right, position.y > inner.y, position.y < inner.bottom - legend,
              row < map.rowCount else { return nil }
        let labelWidth = max(1, (0..<map.rowCount).map { map.label(row: $0).displayWidth }.max() ?? 1)
        let gutter = max(1, map.marker.displayWidth) + labelWidth + 1
        let dx = position.x - inner.x - gutter
        guard dx >= 0, dx % (map.cellWidth + 1) < map.cellWidth else { return (row, nil) }
        let column = cursor.columnOffset + dx / (map.cellWidth + 1)
        return (row, column < state.layers.criteria.count ? column : nil)
    }

    /// What the importance computation is doing.
    static func statusLine(_ state: AppState, theme: Theme) -> Line {
        let l = state.layers
        let scored = l.scores.values.reduce(0) { $0 + $1.count }
        let label = Span("Importance ", style: Style(fg: theme.muted))
        switch l.status {
        case .idle:
            return Line([label, Span("not computed — press c to score every block on calibration data", style: Style(fg: theme.text))])
        case .running(let pid):
            return Line([label, Span("computing… \(scored) scores so far (engine pid \(pid))", style: Style(fg: theme.accent))])
        case .finished:
            return Line([label, Span("\(l.criteria.count) criteria on \(l.calibration.map(baseName) ?? "calibration data")",
                                     style: Style(fg: theme.good))])
        case .failed(let why):
            return Line([label, Span("failed: \(why)", style: Style(fg: theme.bad))])
        case .cancelled:
            return Line([label, Span("cancelled after \(scored) scores", style: Style(fg: theme.warn))])
        }
    }

    /// The heatmap widget for `state`: rows in display order, marked rows flagged.
    static func heatmap(_ state: AppState, layers: Int) -> Heatmap {
        let l = state.layers
        let order = l.order(layerCount: layers)
        let columns = l.criteria.isEmpty ? ["no scores"] : l.criteria.map(shortName)
        let values = order.map { layer in
            l.criteria.isEmpty ? [Double.nan] : l.criteria.indices.map { l.score(layer: layer, column: $0) ?? .nan }
        }
        let marked = Set(order.enumerated().filter { l.marked.contains($0.element) }.map(\.offset))
        let width = max(6, min(12, columns.map(\.displayWidth).max() ?? 6))
        return Heatmap(values: values, columnTitles: columns, rowLabels: order.map(String.init), marked: marked, cellWidth: width)
    }

    /// The heatmap in a box.
    static func renderHeatmap(_ state: AppState, layers: Int, area: Rect, into frame: inout Frame) {
        let block = heatmapBlock(state)
        frame.render(block, in: area)
        var cursor = state.layers.cursor
        frame.render(heatmap(state, layers: layers), in: block.inner(area), state: &cursor)
    }

    /// The marked blocks and what dropping them saves.
    static func renderSelection(_ state: AppState, summary: ModelSummary, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let block = Block(title: "Drop", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let label = Style(fg: theme.muted), value = Style(fg: theme.text)
        let marked = state.layers.marked.sorted()
        let total = summary.totalParameters
        let removed = state.removedParameters
        let kept = total - removed
        var lines: [Line] = [
            Line([Span("blocks     ", style: label),
                  Span("\(marked.count) of \(summary.decoder.layers)", style: Style(fg: marked.isEmpty ? theme.text : theme.bad, modifiers: .bold))]),
            Line(marked.isEmpty ? "none marked (Space, or a: auto)" : marked.map(String.init).joined(separator: ", "),
                 style: Style(fg: marked.isEmpty ? theme.muted : theme.bad)),
            Line(""),
            Line([Span("removed    ", style: label), Span("\(Quantity.count(removed)) (\(Quantity.percent(removed, of: total)))", style: value)]),
            Line([Span("kept       ", style: label), Span(Quantity.count(kept), style: value)]),
            Line([Span("ratio      ", style: label),
                  Span(kept > 0 ? NumberFormat.fixed(Double(total) / Double(kept), decimals: 3) + "×" : "–", style: Style(fg: theme.accent, modifiers: .bold))]),
            Line(""),
        ]
        switch state.estimate {
        case .success(let e)?:
            lines.append(Line([Span("deploy     ", style: label), Span(Quantity.bytes(e.totalBytes), style: Style(fg: theme.accent, modifiers: .bold))]))
            lines.append(Line("with the Quantize plan: \(state.quant.value(.method)) \(state.quant.quantizes ? state.quant.value(.bits) : "")",
                              style: label))
        case .failure(let why)?:
            lines.append(Line([Span("deploy     ", style: label), Span(why.description, style: Style(fg: theme.warn))]))
        case nil:
            break
        }
        frame.render(Paragraph(lines, wrap: .word), in: block.inner(area))
    }

    /// The exact score under the cursor and its rank.
    static func detailLine(_ state: AppState, theme: Theme) -> Line {
        let l = state.layers
        guard let layer = l.layerAtCursor(layerCount: state.layerCount) else {
            return l.filter.isEmpty ? Line("") : Line("no block matches /\(l.filter.text) · Esc clears the filter", style: Style(fg: theme.warn))
        }
        let params = state.blockParameters(layer)
        var spans: [Span] = [Span("block \(layer)", style: Style(fg: theme.accent, modifiers: .bold)),
                             Span(" · \(Quantity.count(params)) params", style: Style(fg: theme.muted))]
        if l.marked.contains(layer) { spans.append(Span(" · marked", style: Style(fg: theme.bad))) }
        if l.criteria.indices.contains(l.cursor.column) {
            let name = l.criteria[l.cursor.column]
            if let score = l.score(layer: layer, column: l.cursor.column) {
                let all = (0..<state.layerCount).compactMap { x in l.score(layer: x, column: l.cursor.column).map { (x, $0) } }
                    .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.map(\.0)
                let rank = (all.firstIndex(of: layer) ?? 0) + 1
                spans.append(Span(" · \(name) = ", style: Style(fg: theme.muted)))
                spans.append(Span("\(score)", style: Style(fg: theme.text, modifiers: .bold)))
                spans.append(Span(" · \(ordinal(rank)) least important of \(all.count)", style: Style(fg: theme.muted)))
            } else {
                spans.append(Span(" · no \(name) score yet", style: Style(fg: theme.muted)))
            }
        }
        return Line(spans)
    }

    /// A criterion name short enough for a heatmap column: `block_influence` → `influence`.
    static func shortName(_ criterion: String) -> String {
        let names = ["block_influence": "influence", "domain_contrast": "contrast", "magnitude": "magnitude", "angular": "angular",
                     "taylor": "taylor", "loo_ppl": "loo ppl", "sleb": "sleb"]
        let parts = criterion.split(separator: "/", maxSplits: 1).map(String.init)
        let base = names[parts[0]] ?? parts[0]
        guard parts.count > 1 else { return base }
        let suffix = ["image": "img", "text": "txt"][parts[1]] ?? String(parts[1].prefix(3))
        return "\(base.prefix(12 - suffix.count - 1))/\(suffix)"
    }

    /// `1st`, `2nd`, `3rd`, `4th`, `11th`, `22nd`.
    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : (n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th")
        return "\(n)\(suffix)"
    }

    /// The last path component.
    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

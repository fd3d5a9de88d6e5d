import ScalpelTerm

/// The Model screen: architecture, parameters by part, memory of the weights, and the files.
enum ModelScreenView {
    /// Width of the right-hand column (memory and file panels).
    static let sideWidth = 40

    /// Draws the screen for `state` into `area`.
    static func render(_ state: AppState, area: Rect, into frame: inout Frame) {
        guard let summary = state.model.summary else {
            if case .unavailable(let path, let reason) = state.model { renderUnavailable(path: path, reason: reason, area: area, into: &frame) }
            return
        }
        let header = headerLines(summary, theme: frame.theme)
        let headerBlock = Block(title: summary.name, borderType: .rounded, padding: Margin(horizontal: 1))
        let headerHeight = Paragraph(header).lineCount(width: max(1, area.width - 4)) + 2
        let rows = Layout.vertical([.length(headerHeight), .fill(1)]).split(area)
        frame.render(headerBlock, in: rows[0])
        frame.render(Paragraph(header), in: headerBlock.inner(rows[0]))

        let columns = Layout.horizontal([.fill(1), .length(sideWidth)]).split(rows[1])
        renderParts(summary, selected: state.partSelection, area: columns[0], into: &frame)
        let side = Layout.vertical([.length(WeightPrecision.standard.count + 4), .fill(1)]).split(columns[1])
        renderMemory(summary, area: side[0], into: &frame)
        renderFile(summary, area: side[1], into: &frame)
    }

    /// The architecture lines of the top panel.
    static func headerLines(_ s: ModelSummary, theme: Theme) -> [Line] {
        let d = s.decoder
        let label = Style(fg: theme.muted)
        let value = Style(fg: theme.text)
        var decoder = "\(d.modelType) · \(d.layers) decoder layers · hidden \(d.hiddenSize) · MLP \(d.intermediateSize)"
        decoder += " · \(d.heads) heads / \(d.kvHeads) KV heads of \(d.headDim) · vocab \(d.vocabSize)"
        decoder += " · context \(d.contextLength) · rope θ \(Quantity.plain(d.ropeTheta))"
        decoder += d.tiedEmbeddings ? " · head tied to embeddings" : " · separate head"
        var lines = [Line([Span("architecture  ", style: label), Span(decoder, style: value)])]
        if let v = s.vision {
            let text = "CLIP · \(v.layers) layers · hidden \(v.hiddenSize) · \(v.imageSize) px images in \(v.patchSize) px patches"
            lines.append(Line([Span("vision        ", style: label), Span(text, style: value)]))
        }
        let total = s.totalParameters
        lines.append(Line([Span("parameters    ", style: label),
                           Span("\(Quantity.grouped(total)) (\(Quantity.count(total))) in \(s.tensorCount) tensors", style: value)]))
        return lines
    }

    /// The rows of the parts table: one per part, then the total.
    static func partRows(_ s: ModelSummary) -> [[String]] {
        let total = s.totalParameters
        var rows = s.parts.map { part in
            [part.name, Quantity.grouped(part.parameters), Quantity.percent(part.parameters, of: total), part.dtypes.joined(separator: ", ")]
        }
        rows.append(["total", Quantity.grouped(total), Quantity.percent(total, of: total), s.dtypes.joined(separator: ", ")])
        return rows
    }

    /// The parameters-by-part table in a box, scrolled to keep `selected` in view.
    static func renderParts(_ s: ModelSummary, selected: Int, area: Rect, into frame: inout Frame) {
        let rows = partRows(s)
        let block = Block(title: "Parameters by part", footer: "\(min(selected, rows.count - 1) + 1)/\(rows.count)",
                          borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let table = Table(columns: [
            TableColumn("part", width: .fill(1)),
            TableColumn("parameters", width: .length(14), alignment: .right),
            TableColumn("share", width: .length(7), alignment: .right),
            TableColumn("dtype", width: .fill(1)),
        ], rows: rows, columnSpacing: 2)
        var state = TableState(selected: selected)
        frame.render(table, in: block.inner(area), state: &state)
    }

    /// What the weights take in memory at each standard precision.
    static func renderMemory(_ s: ModelSummary, area: Rect, into frame: inout Frame) {
        let block = Block(title: "Memory of the weights", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let inner = block.inner(area)
        let total = s.totalParameters
        let rows = WeightPrecision.standard.map { p in
            [p.name, Quantity.plain(p.bitsPerWeight), Quantity.bytes(p.bytes(parameters: total))]
        }
        let table = Table(columns: [
            TableColumn("precision", width: .fill(1)),
            TableColumn("bits/w", width: .length(6), alignment: .right),
            TableColumn("bytes", width: .length(10), alignment: .right),
        ], rows: rows, columnSpacing: 1)
        let parts = Layout.vertical([.length(rows.count + 1), .fill(1)]).split(inner)
        frame.render(table, in: parts[0])
        frame.render(Paragraph("g128: fp16 scale + zero per 128 weights", style: Style(fg: frame.theme.muted)), in: parts[1])
    }

    /// Where the weights are and what they are stored as.
    static func renderFile(_ s: ModelSummary, area: Rect, into frame: inout Frame) {
        let block = Block(title: "File", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let inner = block.inner(area)
        let label = Style(fg: frame.theme.muted)
        let value = Style(fg: frame.theme.text)
        let labelWidth = 9
        let pathRoom = max(1, inner.width - labelWidth)
        let files = s.fileCount == 1 ? "1 file" : "\(s.fileCount) files"
        let entries: [(String, String)] = [
            ("path", s.path.truncatedFromStart(toWidth: pathRoom)),
            ("format", "\(s.format), \(files)"),
            ("on disk", Quantity.bytes(s.fileBytes)),
            ("tensors", "\(s.tensorCount)"),
            ("dtypes", s.dtypes.joined(separator: ", ")),
        ]
        let lines = entries.map { Line([Span($0.0.padded(toWidth: labelWidth), style: label), Span($0.1, style: value)]) }
        frame.render(Paragraph(lines, wrap: .word), in: inner)
    }

    /// The panel shown when no model could be opened.
    static func renderUnavailable(path: String, reason: String, area: Rect, into frame: inout Frame) {
        let theme = frame.theme
        let lines: [Line] = [
            Line([Span("looked for  ", style: Style(fg: theme.muted)), Span(path, style: Style(fg: theme.text))]),
            Line(""),
            Line(reason, style: Style(fg: theme.warn)),
            Line(""),
            Line("Open a model with `scalpel workbench MODEL`: a Hugging Face folder (config.json + safetensors) or a GGUF file.",
                 style: Style(fg: theme.text)),
        ]
        let paragraph = Paragraph(lines, wrap: .word)
        let width = min(area.width, 80)
        let height = min(area.height, paragraph.lineCount(width: max(1, width - 4)) + 2)
        let box = area.centered(width: width, height: height)
        let block = Block(title: "No model", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: box)
        frame.render(paragraph, in: block.inner(box))
    }
}

extension String {
    /// The longest suffix that fits in `width` columns, starting with `…` when something was cut.
    func truncatedFromStart(toWidth width: Int) -> String {
        guard displayWidth > width else { return self }
        guard width > 1 else { return String(reversed()).truncated(toWidth: width, ellipsis: "") }
        var tail = ""
        var used = 1
        for c in reversed() {
            let w = c.displayWidth
            if used + w > width { break }
            tail.insert(c, at: tail.startIndex)
            used += w
        }
        return "…" + tail
    }
}

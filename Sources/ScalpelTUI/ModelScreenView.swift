import ScalpelTerm

/// The Model screen: architecture, parameters by part, memory of the weights, and the files.
enum ModelScreenView {
    /// Width of the right-hand column (memory and file panels) in a body `width` columns wide.
    static func sideWidth(_ width: Int) -> Int { min(40, max(30, width * 2 / 5)) }

    /// The note under the memory table.
    static let groupNote = "g128 = fp16 scale + zero per 128"

    /// Where the four panels go inside `area`.
    struct Regions {
        var header: Rect
        var parts: Rect
        var memory: Rect
        var file: Rect
    }

    /// Splits `area`: the architecture panel on top (as tall as its text), the parts table below on
    /// the left, memory and file panels on the right.
    static func regions(_ summary: ModelSummary, area: Rect) -> Regions {
        let headerHeight = Paragraph(headerLines(summary, theme: .default)).lineCount(width: max(1, area.width - 4)) + 2
        let rows = Layout.vertical([.length(headerHeight), .fill(1)]).split(area)
        let columns = Layout.horizontal([.fill(1), .length(sideWidth(area.width))]).split(rows[1])
        let noteHeight = Paragraph(groupNote).lineCount(width: max(1, columns[1].width - 4))
        let side = Layout.vertical([.length(WeightPrecision.standard.count + 3 + noteHeight), .fill(1)]).split(columns[1])
        return Regions(header: rows[0], parts: columns[0], memory: side[0], file: side[1])
    }

    /// The body of the screen for a terminal of `size` (between the tab bar and the footer).
    static func bodyArea(size: Size) -> Rect {
        Rect(x: 0, y: 1, width: size.width, height: size.height - 2)
    }

    /// How many table rows the parts panel shows on a terminal of `size`.
    static func visiblePartRows(_ summary: ModelSummary, size: Size) -> Int {
        let box = regions(summary, area: bodyArea(size: size)).parts
        return max(0, box.height - 3)
    }

    /// Draws the screen for `state` into `area`.
    static func render(_ state: AppState, area: Rect, into frame: inout Frame) {
        guard let summary = state.model.summary else {
            if case .unavailable(let path, let reason) = state.model { renderUnavailable(path: path, reason: reason, area: area, into: &frame) }
            return
        }
        let r = regions(summary, area: area)
        let headerBlock = Block(title: summary.name, borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(headerBlock, in: r.header)
        frame.render(Paragraph(headerLines(summary, theme: frame.theme)), in: headerBlock.inner(r.header))
        renderParts(summary, selection: TableState(selected: state.partSelection, offset: state.partOffset), area: r.parts, into: &frame)
        renderMemory(summary, area: r.memory, into: &frame)
        renderFile(summary, area: r.file, into: &frame)
    }

    /// The architecture lines of the top panel, each a muted label and its facts.
    static func headerLines(_ s: ModelSummary, theme: Theme) -> [Line] {
        let d = s.decoder
        func line(_ label: String, _ text: String) -> Line {
            Line([Span(label.padded(toWidth: 12), style: Style(fg: theme.muted)), Span(text, style: Style(fg: theme.text))])
        }
        var lines = [
            line("decoder", "\(d.modelType) · \(d.layers) layers · hidden \(d.hiddenSize) · MLP \(d.intermediateSize) · "
                 + "\(d.heads) heads / \(d.kvHeads) KV heads of \(d.headDim)"),
            line("tokens", "vocabulary \(d.vocabSize) · context \(d.contextLength) · rope θ \(Quantity.plain(d.ropeTheta)) · "
                 + (d.tiedEmbeddings ? "head tied to the embeddings" : "separate head")),
        ]
        if let v = s.vision {
            lines.append(line("vision", "CLIP · \(v.layers) layers · hidden \(v.hiddenSize) · \(v.imageSize) px images in \(v.patchSize) px patches"))
        }
        let total = s.totalParameters
        lines.append(line("parameters", "\(Quantity.grouped(total)) (\(Quantity.count(total))) in \(s.tensorCount) tensors"))
        return lines
    }

    /// The rows of the parts table: one per part, then the total. `compact` rows give short counts
    /// and no dtype, for narrow terminals.
    static func partRows(_ s: ModelSummary, compact: Bool = false) -> [[String]] {
        let total = s.totalParameters
        let count = compact ? Quantity.count : Quantity.grouped
        var rows = s.parts.map { part in
            [part.name, count(part.parameters), Quantity.percent(part.parameters, of: total), part.dtypes.joined(separator: ", ")]
        }
        rows.append(["total", count(total), Quantity.percent(total, of: total), s.dtypes.joined(separator: ", ")])
        return compact ? rows.map { Array($0.prefix(3)) } : rows
    }

    /// The parameters-by-part table in a box, from `selection`'s offset; below 45 columns inside the box
    /// counts are shortened and the dtype column is left out.
    static func renderParts(_ s: ModelSummary, selection: TableState, area: Rect, into frame: inout Frame) {
        let block = Block(title: "Parameters by part", footer: "\(min(selection.selected ?? 0, s.parts.count) + 1)/\(s.parts.count + 1)",
                          borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let inner = block.inner(area)
        let compact = inner.width < 45
        let columns = compact
            ? [TableColumn("part", width: .fill(1)), TableColumn("params", width: .length(8), alignment: .right),
               TableColumn("share", width: .length(6), alignment: .right)]
            : [TableColumn("part", width: .fill(1)), TableColumn("parameters", width: .length(14), alignment: .right),
               TableColumn("share", width: .length(7), alignment: .right), TableColumn("dtype", width: .fill(1))]
        let table = Table(columns: columns, rows: partRows(s, compact: compact), columnSpacing: compact ? 1 : 2)
        var state = selection
        frame.render(table, in: inner, state: &state)
    }

    /// What the weights take in memory at each standard precision.
    static func renderMemory(_ s: ModelSummary, area: Rect, into frame: inout Frame) {
        let block = Block(title: "Memory of the weights", borderType: .rounded, padding: Margin(horizontal: 1))
        frame.render(block, in: area)
        let inner = block.inner(area)
        let total = s.totalParameters
        let withBits = inner.width >= 34
        let rows = WeightPrecision.standard.map { p in
            [p.name] + (withBits ? [Quantity.plain(p.bitsPerWeight)] : []) + [Quantity.bytes(p.bytes(parameters: total))]
        }
        let columns = [TableColumn("precision", width: .fill(1))]
            + (withBits ? [TableColumn("bits/w", width: .length(6), alignment: .right)] : [])
            + [TableColumn("bytes", width: .length(10), alignment: .right)]
        let table = Table(columns: columns, rows: rows, columnSpacing: 1)
        let parts = Layout.vertical([.length(rows.count + 1), .fill(1)]).split(inner)
        frame.render(table, in: parts[0])
        frame.render(Paragraph(groupNote, style: Style(fg: frame.theme.muted)), in: parts[1])
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

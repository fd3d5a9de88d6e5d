import ScalpelTerm

extension AppState {
    /// Marks or unmarks the block under the cursor.
    mutating func toggleBlock() {
        guard let layer = layers.layerAtCursor(layerCount: layerCount) else { return }
        if layers.marked.contains(layer) { layers.marked.remove(layer) } else { layers.marked.insert(layer) }
        // A filter on marks can hide the block just changed: keep the cursor on a listed row.
        layers.cursor.row = min(layers.cursor.row, max(0, layers.order(layerCount: layerCount).count - 1))
        if layers.marked.count == layerCount { notice = Notice("Every block is marked: nothing would be left", kind: .warning) }
    }

    /// Sorts rows by the cursor's criterion, or, when already sorted by it, back to layer order; the
    /// cursor stays on its layer.
    mutating func cycleSort() {
        guard !layers.criteria.isEmpty else {
            notice = Notice("No scores to sort by yet: press c to compute importance", kind: .warning)
            return
        }
        let layer = layers.layerAtCursor(layerCount: layerCount)
        layers.sortColumn = layers.sortColumn == layers.cursor.column ? nil : layers.cursor.column
        if let layer, let row = layers.order(layerCount: layerCount).firstIndex(of: layer) { layers.cursor.row = row }
    }

    /// Opens the "how many blocks" prompt for the cursor's criterion.
    mutating func startAutoSelect() {
        guard layers.criteria.indices.contains(layers.cursor.column) else {
            notice = Notice("No scores yet: press c to compute importance", kind: .warning)
            return
        }
        let name = layers.criteria[layers.cursor.column]
        overlay = .prompt(Prompt(.autoSelect(column: layers.cursor.column),
                                 title: "Drop how many blocks, least important by \(name)?", text: "\(max(1, layers.marked.count))"))
    }

    /// Opens the calibration prompt, or says why importance cannot be computed now.
    mutating func startImportancePrompt() {
        guard context.modelPath != nil, model.summary != nil else {
            notice = Notice("No model is open", kind: .error)
            return
        }
        guard !layers.status.isRunning else {
            notice = Notice("Importance is already being computed", kind: .warning)
            return
        }
        overlay = .prompt(Prompt(.calibration, title: "Calibration data (text, LLaVA conversation JSON or .ids)",
                                 text: layers.calibration ?? context.calibrationPath ?? ""))
    }

    /// Applies an accepted prompt.
    mutating func submit(_ prompt: Prompt, effects: inout [Effect]) {
        let text = prompt.text.strippedOfSpaces
        switch prompt.purpose {
        case .calibration:
            guard !text.isEmpty else {
                notice = Notice("No calibration data given", kind: .warning)
                return
            }
            layers.calibration = text
            effects.append(.startImportance(calibration: text))
        case .autoSelect(let column):
            guard let n = Int(text), n >= 0, n < layerCount else {
                notice = Notice("Give a number of blocks from 0 to \(max(0, layerCount - 1))", kind: .error)
                return
            }
            let chosen = layers.leastImportant(n, column: column, layerCount: layerCount)
            layers.marked = Set(chosen)
            let name = layers.criteria.indices.contains(column) ? layers.criteria[column] : "?"
            notice = Notice(chosen.count < n ? "Only \(chosen.count) blocks have \(name) scores; marked them"
                                             : "Marked \(chosen.count) least important by \(name)")
        case .context:
            guard let n = Int(text), n >= 1, n <= 1 << 20 else {
                notice = Notice("Context length must be a whole number of tokens from 1 to 1048576", kind: .error)
                return
            }
            quant.context = n
        case .budget:
            guard let gb = Double(text), gb.isFinite, gb > 0, gb <= 10_000 else {
                notice = Notice("Give the budget in GB, such as 4 or 0.5", kind: .error)
                return
            }
            quant.budgetBytes = Int((gb * 1e9).rounded())
        }
    }

    /// Opens a prompt for the selected Quantize field when it takes typed values.
    mutating func editQuantField() {
        switch quantField {
        case .context:
            overlay = .prompt(Prompt(.context, title: "Context length in tokens", text: "\(quant.context)"))
        case .budget:
            overlay = .prompt(Prompt(.budget, title: "Memory budget in GB",
                                     text: Quantity.plain(Double(quant.budgetBytes) / 1e9)))
        default:
            quant.step(quantField, by: 1)
        }
    }
}

extension String {
    /// Without leading and trailing spaces.
    var strippedOfSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

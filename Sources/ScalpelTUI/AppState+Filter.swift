import ScalpelTerm

extension AppState {
    /// The filter text of the current screen, `nil` on screens without a filter.
    var filterText: String? {
        switch screen {
        case .layers: layers.filter.text
        case .compare: runFilter.text
        case .model, .quantize, .run: nil
        }
    }

    /// Opens the filter line on screens that have one.
    mutating func openFilter() {
        guard filterText != nil else { return }
        overlay = .filter
    }

    /// Sets the current screen's filter to `text`, keeping the cursor on its block (or run) when it is
    /// still listed, else on the first row.
    mutating func setFilter(_ text: String) {
        switch screen {
        case .layers:
            let layer = layers.layerAtCursor(layerCount: layerCount)
            layers.filter = LayerFilter(text)
            let order = layers.order(layerCount: layerCount)
            layers.cursor.row = layer.flatMap { order.firstIndex(of: $0) } ?? 0
            layers.cursor.rowOffset = 0
        case .compare:
            let visible = visibleRuns
            let id = visible.indices.contains(runSelection) ? visible[runSelection].id : nil
            runFilter = RunFilter(text)
            runSelection = id.flatMap { id in visibleRuns.firstIndex { $0.id == id } } ?? 0
        case .model, .quantize, .run:
            break
        }
    }

    /// Types `c` into the open filter line.
    mutating func typeIntoFilter(_ c: Character) {
        setFilter((filterText ?? "") + String(c))
    }

    /// Carries out a filter-line command.
    mutating func applyFilter(_ command: Command) {
        switch command {
        case .filter:
            openFilter()
        case .filterAccept:
            if overlay == .filter { overlay = .none }
        case .filterDelete:
            if var text = filterText, !text.isEmpty {
                text.removeLast()
                setFilter(text)
            }
        case .filterClear:
            if overlay == .filter { overlay = .none }
            if let text = filterText, !text.isEmpty { setFilter("") }
        default:
            break
        }
    }
}

import ScalpelTerm

extension AppState {
    /// Reacts to the mouse: a press on a tab shows its screen; on the Layers heatmap it moves the
    /// cursor to the block (and criterion) pressed, and a press on the block already under the cursor
    /// marks or unmarks it, as Space does; on Compare it selects the run, on Quantize the field (again:
    /// changes it, as Enter does). The wheel moves the selection (or scrolls help and the palette).
    mutating func handle(_ mouse: MouseEvent, effects: inout [Effect]) {
        guard !isTooSmall else { return }
        switch mouse.kind {
        case .wheelUp, .wheelDown:
            let down = mouse.kind == .wheelDown
            switch overlay {
            case .help: apply(down ? .helpDown : .helpUp, effects: &effects)
            case .palette: apply(down ? .paletteDown : .paletteUp, effects: &effects)
            case .none, .filter: apply(down ? .rowDown : .rowUp, effects: &effects)
            case .prompt, .confirm: break
            }
        case .press:
            switch overlay {
            case .none: break
            case .filter: overlay = .none           // the filter stays; the press acts on the screen
            case .help: overlay = .none; return     // a press closes help
            case .palette, .prompt, .confirm: return
            }
            press(at: mouse.position, effects: &effects)
        }
    }

    /// A left-button press at `position`.
    private mutating func press(at position: Position, effects: inout [Effect]) {
        if position.y == 0 {
            if let target = WorkbenchView.tab(atColumn: position.x, width: size.width) { apply(.goTo(target), effects: &effects) }
            return
        }
        let body = WorkbenchView.bodyArea(size)
        guard body.contains(x: position.x, y: position.y), model.summary != nil else { return }
        switch screen {
        case .layers:
            guard let hit = LayersScreenView.cell(at: position, self, area: body) else { return }
            if hit.row == layers.cursor.row && (hit.column == nil || hit.column == layers.cursor.column) {
                toggleBlock()
            } else {
                layers.cursor.row = hit.row
                if let column = hit.column { layers.cursor.column = column }
            }
        case .compare:
            if let index = CompareScreenView.run(atRow: position.y, self, area: body) { runSelection = index }
        case .quantize:
            guard let field = QuantizeScreenView.field(at: position, area: body) else { return }
            if field == quantField { editQuantField() } else { quantField = field }
        case .model, .run:
            break
        }
    }
}

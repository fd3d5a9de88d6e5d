import Testing
@testable import ScalpelTerm

@Suite struct HeatmapTests {
    /// 12 layers × 3 criteria with different scales per column.
    var heatmap: Heatmap {
        let values = (0..<12).map { i -> [Double] in
            let x = Double(i)
            return [x / 11, 100 + 10 * x * x, i == 5 ? .nan : 0.5 - x / 22]
        }
        return Heatmap(values: values, columnTitles: ["cos", "ppl", "grad"], marked: [3, 4])
    }

    @Test func screenWithCursorMarkersAndLegend() {
        var state = HeatmapState(row: 2, column: 1)
        let b = render(heatmap, width: 36, height: 8, state: &state)
        Golden.check("heatmap", b)
    }

    @Test func cellColoursComeFromTheRampPerColumn() {
        var state = HeatmapState(row: 0, column: 0)
        let b = render(heatmap, width: 36, height: 14, state: &state)
        let ramp = Theme.default.heat
        // Gutter: marker (1) + label (2) + space = 4; columns at x = 4, 11, 18.
        #expect(b[5, 1].style.bg == ramp[0])   // row 0, cos: column minimum
        #expect(b[5, 12].style.bg == ramp[7])  // row 11, cos: column maximum
        #expect(b[12, 1].style.bg == ramp[0])  // ppl: 100 is the minimum
        #expect(b[12, 12].style.bg == ramp[7])
        #expect(b[19, 1].style.bg == ramp[7])  // grad falls, so row 0 is its maximum
        #expect(b[19, 12].style.bg == ramp[0])
        // Row 6 of cos: 6/11 = 0.545 → bucket 4 of 8.
        #expect(b[5, 7].style.bg == ramp[4])
        #expect(heatmap.normalized(row: 6, column: 0) == 6.0 / 11)
        // The NaN cell is drawn as a muted dot without a ramp colour.
        #expect(b[20, 6].symbol == "·" && b[20, 6].style.bg == nil)
        #expect(heatmap.normalized(row: 5, column: 2) == nil)
    }

    @Test func cursorCellShowsItsValue() {
        var state = HeatmapState(row: 2, column: 1)
        let b = render(heatmap, width: 36, height: 14, state: &state)
        let row = b.lines[3]
        #expect(row.contains("[ 140]"))
        let x = 11
        #expect(b[x, 3].symbol == "[" && b[x, 3].modifiers.contains(.bold))
        #expect(b[x, 3].style.bg == Theme.default.heatColor(40.0 / 1210))
        // Markers for rows toggled for pruning, in the theme's bad colour.
        #expect(b[0, 4].symbol == "✗" && b[0, 4].style.fg == Theme.default.bad)
        #expect(b[0, 3].symbol == " ")
    }

    @Test func scrollsToKeepTheCursorVisible() {
        var state = HeatmapState(row: 10, column: 2)
        let b = render(heatmap, width: 36, height: 8, state: &state)
        #expect(state.rowOffset == 5)  // 6 body rows (8 less header and legend): rows 5...10, the cursor on the last
        Golden.check("heatmap-scrolled", b)
        state.move(rows: -8, rowCount: 12, columnCount: 3)
        _ = render(heatmap, width: 36, height: 8, state: &state)
        #expect(state.row == 2 && state.rowOffset == 2)
    }

    @Test func columnsScrollWhenNarrow() {
        var state = HeatmapState(row: 0, column: 2)
        let b = render(heatmap, width: 18, height: 5, state: &state)
        #expect(state.columnOffset == 1)
        Golden.check("heatmap-narrow", b)
    }

    @Test func constantColumnsAndEmptyData() {
        var state = HeatmapState()
        let flat = Heatmap(values: [[1], [1]], columnTitles: ["x"])
        let b = render(flat, width: 20, height: 4, state: &state)
        #expect(b[3, 1].style.bg == Theme.default.heatColor(0.5))
        let empty = Heatmap(values: [], columnTitles: [])
        #expect(render(empty, width: 10, height: 3, state: &state).lines.count == 3)
    }
}

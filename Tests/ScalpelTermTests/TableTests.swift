import Testing
@testable import ScalpelTerm

@Suite struct TableTests {
    let columns = [TableColumn("layer", width: .length(5), alignment: .right), TableColumn("criterion", width: .fill(1)),
                   TableColumn("score", width: .length(7), alignment: .right)]
    var rows: [[String]] {
        (0..<12).map { (i: Int) -> [String] in
            let criterion = i % 2 == 0 ? "cosine" : "perplexity"
            let score = Double((i * 37) % 11) / 10
            return [String(i), criterion, NumberFormat.fixed(score, decimals: 2)]
        }
    }

    @Test func headerRowsAndSelection() {
        var state = TableState(selected: 2)
        let b = render(Table(columns: columns, rows: rows), width: 30, height: 6, state: &state)
        Golden.check("table", b)
        #expect(state.offset == 0)
        #expect((0..<30).allSatisfy { b[$0, 3].modifiers.contains(.reverse) })
        #expect(b[0, 3].style.fg == Theme.default.selection)
        #expect(!b[0, 2].modifiers.contains(.reverse))
        #expect(b[0, 0].modifiers.contains(.bold) && b[0, 0].style.fg == Theme.default.accent)
    }

    @Test func scrollingKeepsTheSelectionVisible() {
        var state = TableState(selected: 9)
        let table = Table(columns: columns, rows: rows)
        let b = render(table, width: 30, height: 6, state: &state)
        #expect(state.offset == 5)  // rows 5...9 visible
        Golden.check("table-scrolled", b)
        state.selected = 6
        _ = render(table, width: 30, height: 6, state: &state)
        #expect(state.offset == 5)  // still visible: no jump
        state.selected = 1
        _ = render(table, width: 30, height: 6, state: &state)
        #expect(state.offset == 1)
        state.selected = 40
        _ = render(table, width: 30, height: 6, state: &state)
        #expect(state.selected == 11 && state.offset == 7)
    }

    @Test func sortingNumericallyWithIndicator() {
        var table = Table(columns: columns, rows: [["1", "a", "10.5"], ["2", "b", "9"], ["3", "c", "-1"], ["4", "d", "9"]])
        table.sort(by: 2, descending: true)
        #expect(table.rows.map { $0[0] } == ["1", "2", "4", "3"])  // ties keep their order
        Golden.check("table-sorted", render(table, width: 30, height: 5))
        let ascending = table.sorted(by: 2)
        #expect(ascending.rows.map { $0[0] } == ["3", "2", "4", "1"])
        #expect(ascending.sort == TableSort(column: 2, descending: false))
        #expect(table.sorted(by: 1, descending: true).rows.map { $0[1] } == ["d", "c", "b", "a"])
    }

    @Test func stateMovement() {
        var s = TableState()
        s.move(by: 1, rowCount: 3)
        #expect(s.selected == 0)
        s.move(by: 5, rowCount: 3)
        #expect(s.selected == 2)
        s.move(by: -1, rowCount: 0)
        #expect(s.selected == nil)
    }

    @Test func tooNarrowColumnsAreTruncated() {
        let b = render(Table(columns: columns, rows: rows), width: 16, height: 2)
        #expect(b.lines == ["layer c…   score", "    0 c…    0.00"])
    }
}

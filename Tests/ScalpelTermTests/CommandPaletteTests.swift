import Testing
@testable import ScalpelTerm

@Suite struct CommandPaletteTests {
    let commands = [
        PaletteCommand(id: "model.open", title: "Open model", key: "o"),
        PaletteCommand(id: "score.run", title: "Score layers on calibration data", key: "S"),
        PaletteCommand(id: "layer.auto", title: "Auto-select layers by criterion", key: "a"),
        PaletteCommand(id: "quant.pick", title: "Quantize: pick bits and group size"),
        PaletteCommand(id: "run.start", title: "Start run", key: "r"),
        PaletteCommand(id: "quit", title: "Quit", key: "q"),
    ]

    @Test func filteredListWithHighlights() {
        let palette = CommandPalette(commands: commands, query: "lay", selected: 1, maxWidth: 50)
        var b = Buffer(area: Rect(width: 60, height: 12))
        palette.render(into: &b, area: b.area, theme: .default)
        Golden.check("palette", b)
        // Equal scores: the shorter title comes first, so "Auto-select …" leads and "Score …" is selected.
        #expect(palette.matches().map(\.command.id) == ["layer.auto", "score.run"])
        #expect(palette.selectedCommand?.id == "score.run")
        let box = palette.boxArea(in: b.area)
        #expect(box == Rect(x: 5, y: 2, width: 50, height: 6))
        // The matched "l" of "layers" in the first entry is accented; the selected row is reversed.
        let firstRow = box.y + 3
        let lx = box.x + 2 + "Auto-select ".count
        #expect(b[lx, firstRow].symbol == "l" && b[lx, firstRow].style.fg == Theme.default.accent
                && b[lx, firstRow].modifiers == .bold)
        #expect(b[box.x + 2, firstRow + 1].modifiers.contains(.reverse))
        #expect(!b[box.x + 2, firstRow].modifiers.contains(.reverse))
    }

    @Test func emptyQueryListsEverythingAndNoMatchSaysSo() {
        var b = Buffer(area: Rect(width: 44, height: 12))
        CommandPalette(commands: commands, maxVisible: 4, maxWidth: 44).render(into: &b, area: b.area, theme: .default)
        Golden.check("palette-all", b)
        let none = CommandPalette(commands: commands, query: "xyzzy", maxWidth: 44)
        #expect(none.selectedCommand == nil)
        var n = Buffer(area: Rect(width: 44, height: 6))
        none.render(into: &n, area: n.area, theme: .default)
        Golden.check("palette-none", n)
    }

    @Test func selectionScrollsTheList() {
        var b = Buffer(area: Rect(width: 44, height: 12))
        CommandPalette(commands: commands, selected: 5, maxVisible: 3, maxWidth: 44).render(into: &b, area: b.area, theme: .default)
        #expect(b.lines.contains { $0.contains("Quit") })
        #expect(!b.lines.contains { $0.contains("Open model") })
    }
}

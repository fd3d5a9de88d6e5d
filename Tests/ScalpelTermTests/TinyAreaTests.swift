import Testing
@testable import ScalpelTerm

/// Every widget must draw into any area, including none at all, without trapping.
@Suite struct TinyAreaTests {
    var widgets: [(String, any Widget)] {
        [
            ("block", Block(title: "title")),
            ("paragraph", Paragraph("some words to wrap 日本")),
            ("sparkline", Sparkline([1, 5, 3])),
            ("gauge", Gauge(ratio: 0.4)),
            ("tabs", Tabs(["a", "b"], selected: 1)),
            ("table", Table(columns: [TableColumn("x"), TableColumn("y", width: .length(4))], rows: [["1", "2"]])),
            ("keyhints", KeyHints(keymap: sampleKeymap, context: "score")),
            ("help", HelpOverlay(keymap: sampleKeymap)),
            ("palette", CommandPalette(commands: [PaletteCommand(id: "a", title: "Alpha")], query: "a")),
            ("toast", Toast("message", kind: .error)),
            ("heatmap", Heatmap(values: [[1, 2], [3, 4]], columnTitles: ["a", "b"], marked: [1])),
            ("linechart", LineChart([ChartSeries(name: "s", values: [1, 2, 3])])),
        ]
    }

    @Test(arguments: [(0, 0), (1, 1), (2, 1), (1, 3), (3, 2), (5, 4)])
    func rendersWithoutTrapping(size: (Int, Int)) {
        for (name, widget) in widgets {
            var buffer = Buffer(area: Rect(width: size.0, height: size.1))
            widget.render(into: &buffer, area: buffer.area, theme: .default)
            #expect(buffer.lines.count == size.1, "\(name)")
            #expect(buffer.lines.allSatisfy { $0.displayWidth == size.0 }, "\(name) at \(size)")
        }
    }

    @Test func areasOutsideTheBufferDrawNothing() {
        for (name, widget) in widgets {
            var buffer = Buffer(area: Rect(width: 4, height: 2))
            widget.render(into: &buffer, area: Rect(x: 10, y: 10, width: 20, height: 10), theme: .default)
            widget.render(into: &buffer, area: Rect(x: -30, y: -30, width: 20, height: 10), theme: .default)
            #expect(buffer == Buffer(area: Rect(width: 4, height: 2)), "\(name)")
        }
    }

    @Test func offsetBuffersWork() {
        var buffer = Buffer(area: Rect(x: 5, y: 3, width: 12, height: 4))
        Block(title: "t").render(into: &buffer, area: buffer.area, theme: .default)
        Paragraph("in").render(into: &buffer, area: Block().inner(buffer.area), theme: .default)
        #expect(buffer.lines == ["╭ t ───────╮", "│in        │", "│          │", "╰──────────╯"])
    }
}

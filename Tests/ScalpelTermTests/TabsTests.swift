import Testing
@testable import ScalpelTerm

@Suite struct TabsTests {
    let titles = ["Inspect", "Score", "Prune", "Quantize", "Run", "Compare"]

    @Test func activeTabHighlighted() {
        let b = render(Tabs(titles, selected: 1), width: 70, height: 1)
        Golden.check("tabs", b)
        let start = " 1 Inspect │".displayWidth
        #expect(b[start, 0].modifiers.contains(.reverse))
        #expect(b[start + 1, 0].symbol == "2" && b[start + 1, 0].modifiers.contains(.bold))
        #expect(!b[1, 0].modifiers.contains(.reverse))
        #expect(b[1, 0].style.fg == Theme.default.accent)
    }

    @Test func clippedWhenNarrow() {
        #expect(render(Tabs(titles, selected: 0), width: 20, height: 1).lines == [" 1 Inspect │ 2 Score"])
        #expect(render(Tabs(titles, selected: 0, showDigits: false), width: 20, height: 1).lines == [" Inspect │ Score │ P"])
    }

    @Test func digits() {
        #expect(Tabs.digit(for: 0) == "1")
        #expect(Tabs.digit(for: 9) == "0")
        #expect(Tabs.digit(for: 10) == nil)
    }
}

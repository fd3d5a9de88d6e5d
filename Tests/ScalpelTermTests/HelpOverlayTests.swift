import Testing
@testable import ScalpelTerm

@Suite struct HelpOverlayTests {
    func background(width: Int, height: Int) -> Buffer {
        var b = Buffer(area: Rect(width: width, height: height))
        for y in 0..<height { b.setString(0, y, String(repeating: ".", count: width)) }
        return b
    }

    @Test func centredAndGroupedByContext() {
        var b = background(width: 60, height: 22)
        HelpOverlay(keymap: sampleKeymap, contextTitles: ["global": "General", "score": "Score screen", "run": "Run view"])
            .render(into: &b, area: b.area, theme: .default)
        Golden.check("help-overlay", b)
    }

    @Test func scrollsWhenTooTall() {
        var b = background(width: 50, height: 10)
        HelpOverlay(keymap: sampleKeymap, scroll: 2).render(into: &b, area: b.area, theme: .default)
        Golden.check("help-overlay-scrolled", b)
    }
}

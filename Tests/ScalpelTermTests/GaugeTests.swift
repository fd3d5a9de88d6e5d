import Testing
@testable import ScalpelTerm

@Suite struct GaugeTests {
    @Test func eighthBlockPrecision() {
        // 20 cells = 160 eighths; 0.53 → 84.8 → 84 eighths = 10 full cells and a half.
        let b = render(Gauge(ratio: 0.53, label: ""), width: 20, height: 1)
        #expect(b.lines == ["██████████▌         "])
        #expect(render(Gauge(ratio: 1.5 / 160, label: ""), width: 20, height: 1).lines == ["▏                   "])
        #expect(render(Gauge(ratio: 7.5 / 160, label: ""), width: 20, height: 1).lines == ["▉                   "])
        #expect(render(Gauge(ratio: 1, label: ""), width: 4, height: 1).lines == ["████"])
        #expect(render(Gauge(ratio: 3, label: ""), width: 4, height: 1).lines == ["████"])
        #expect(render(Gauge(ratio: .nan, label: ""), width: 4, height: 1).lines == ["    "])
    }

    @Test func labelIsCentredAndReversedOverTheFill() {
        let b = render(Gauge(ratio: 0.5), width: 20, height: 3)
        Golden.check("gauge", b)
        #expect(b[8, 1].symbol == "5" && b[8, 1].modifiers.contains(.reverse))  // over the fill
        #expect(b[10, 1].symbol == "%" && !b[10, 1].modifiers.contains(.reverse))  // past it
        #expect(b[0, 0].style.fg == Theme.default.accent)
    }

    @Test func doneOfTotalLabel() {
        let b = render(Gauge(done: 1200, total: 4000), width: 24, height: 1)
        #expect(b.lines == ["████1200/4000 (30%)     "])
    }
}

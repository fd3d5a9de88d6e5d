import Testing
@testable import ScalpelTerm

@Suite struct SparklineTests {
    @Test func oneRow() {
        let b = render(Sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8]), width: 9, height: 1)
        #expect(b.lines == [" ▁▂▃▄▅▆▇█"])
        #expect(b[8, 0].style.fg == Theme.default.accent)
    }

    @Test func severalRowsAndTheMostRecentValues() {
        let loss = [9.0, 8, 6.5, 5, 4.2, 3.1, 2.9, 2.5, 2.2, 2.0, 1.8, 1.75, 1.7, 1.6]
        Golden.check("sparkline", render(Sparkline(loss), width: 12, height: 3))
        #expect(render(Sparkline([1, 2, 3, 4]), width: 2, height: 1).lines == ["▆█"])
    }

    @Test func boundsAndGaps() {
        #expect(render(Sparkline([5, .nan, 10], minimum: 5, maximum: 10), width: 3, height: 1).lines == ["  █"])
        #expect(render(Sparkline([3, 3, 3]), width: 3, height: 1).lines == ["███"])
        #expect(render(Sparkline([-1, 0, 1]), width: 3, height: 1).lines == [" ▄█"])
        #expect(render(Sparkline([]), width: 3, height: 1).lines == ["   "])
    }
}

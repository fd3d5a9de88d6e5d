import Testing
@testable import ScalpelTerm

@Suite struct RectTests {
    @Test func edgesAndArea() {
        let r = Rect(x: 2, y: 3, width: 10, height: 4)
        #expect(r.right == 12 && r.bottom == 7 && r.area == 40)
        #expect(r.contains(x: 2, y: 3) && r.contains(x: 11, y: 6))
        #expect(!r.contains(x: 12, y: 3) && !r.contains(x: 2, y: 7))
    }

    @Test func negativeSizesClampToEmpty() {
        let r = Rect(x: 1, y: 1, width: -5, height: 3)
        #expect(r.width == 0 && r.isEmpty)
    }

    @Test func intersectionAndUnion() {
        let a = Rect(x: 0, y: 0, width: 10, height: 10)
        let b = Rect(x: 5, y: 6, width: 10, height: 10)
        #expect(a.intersection(b) == Rect(x: 5, y: 6, width: 5, height: 4))
        #expect(a.intersection(Rect(x: 20, y: 20, width: 2, height: 2)).isEmpty)
        #expect(a.union(b) == Rect(x: 0, y: 0, width: 15, height: 16))
    }

    @Test func insetAndCentered() {
        let r = Rect(x: 0, y: 0, width: 20, height: 10)
        #expect(r.inset(by: Margin(horizontal: 2, vertical: 1)) == Rect(x: 2, y: 1, width: 16, height: 8))
        #expect(r.inset(by: Margin(11)).isEmpty)
        #expect(r.centered(width: 6, height: 4) == Rect(x: 7, y: 3, width: 6, height: 4))
        #expect(r.centered(width: 50, height: 50) == r)
    }
}

import Testing
@testable import ScalpelTerm

@Suite struct LayoutTests {
    let area = Rect(x: 0, y: 0, width: 100, height: 30)

    @Test func headerBodyFooter() {
        let rows = Layout.vertical([.length(1), .fill(1), .length(1)]).split(area)
        #expect(rows == [Rect(x: 0, y: 0, width: 100, height: 1), Rect(x: 0, y: 1, width: 100, height: 28),
                         Rect(x: 0, y: 29, width: 100, height: 1)])
    }

    @Test func percentagesRoundToTheLargestRemainders() {
        #expect(Layout.sizes(for: [.percentage(50), .percentage(50)], total: 11) == [6, 5])
        #expect(Layout.sizes(for: [.percentage(33), .percentage(33), .percentage(34)], total: 100) == [33, 33, 34])
        #expect(Layout.sizes(for: [.ratio(1, 3), .ratio(1, 3), .ratio(1, 3)], total: 10) == [4, 3, 3])
        #expect(Layout.sizes(for: [.percentage(25)], total: 10) == [2])  // a lone quarter stays a quarter
    }

    @Test func fillSharesSpareSpaceByWeight() {
        #expect(Layout.sizes(for: [.length(10), .fill(1), .fill(3)], total: 50) == [10, 10, 30])
        #expect(Layout.sizes(for: [.fill(1), .fill(1), .fill(1)], total: 10) == [4, 3, 3])
        #expect(Layout.sizes(for: [.percentage(20), .fill(1)], total: 55) == [11, 44])
    }

    @Test func minGrowsWhenThereIsNoFill() {
        #expect(Layout.sizes(for: [.length(5), .min(10)], total: 40) == [5, 35])
        #expect(Layout.sizes(for: [.min(3), .min(3)], total: 11) == [6, 5])
        #expect(Layout.sizes(for: [.length(5), .max(10)], total: 40) == [5, 10])
    }

    @Test func overflowShrinksFlexibleSegmentsFromTheEnd() {
        #expect(Layout.sizes(for: [.length(10), .max(10), .length(10)], total: 25) == [10, 5, 10])
        #expect(Layout.sizes(for: [.min(10), .length(10), .length(10)], total: 25) == [10, 10, 5])
        #expect(Layout.sizes(for: [.min(10), .length(10)], total: 5) == [5, 0])
        #expect(Layout.sizes(for: [.length(3), .fill(1)], total: 0) == [0, 0])
    }

    @Test func marginAndSpacing() {
        let cols = Layout.horizontal([.length(10), .fill(1), .length(10)], margin: Margin(horizontal: 2, vertical: 1), spacing: 1)
            .split(Rect(x: 0, y: 0, width: 40, height: 10))
        #expect(cols == [Rect(x: 2, y: 1, width: 10, height: 8), Rect(x: 13, y: 1, width: 14, height: 8),
                         Rect(x: 28, y: 1, width: 10, height: 8)])
    }

    @Test func segmentsNeverLeaveTheArea() {
        let cols = Layout.horizontal([.length(30), .length(30)]).split(Rect(x: 5, y: 0, width: 40, height: 1))
        #expect(cols[0] == Rect(x: 5, y: 0, width: 30, height: 1))
        #expect(cols[1] == Rect(x: 35, y: 0, width: 10, height: 1))
        let tiny = Layout.vertical([.length(1), .fill(1), .length(1)], margin: Margin(2)).split(Rect(width: 1, height: 1))
        #expect(tiny.allSatisfy { $0.isEmpty })
    }
}

import Testing
@testable import ScalpelTerm

@Suite struct BlockTests {
    @Test func borderTypesAndTitles() {
        var buffer = Buffer(area: Rect(width: 24, height: 9))
        Block(title: "plain", borderType: .plain).render(into: &buffer, area: Rect(x: 0, y: 0, width: 12, height: 3), theme: .default)
        Block(title: "double", titleAlignment: .right, borderType: .double)
            .render(into: &buffer, area: Rect(x: 12, y: 0, width: 12, height: 3), theme: .default)
        Block(title: "thick", titleAlignment: .center, footer: "2 more", borderType: .thick)
            .render(into: &buffer, area: Rect(x: 0, y: 3, width: 14, height: 3), theme: .default)
        Block(title: "a very long title", borders: [.top, .bottom])
            .render(into: &buffer, area: Rect(x: 14, y: 3, width: 10, height: 3), theme: .default)
        Block(title: "ascii", borderType: .ascii).render(into: &buffer, area: Rect(x: 0, y: 6, width: 9, height: 3), theme: .default)
        Block(borders: [.left]).render(into: &buffer, area: Rect(x: 10, y: 6, width: 4, height: 3), theme: .default)
        Golden.check("block", buffer)
    }

    @Test func innerArea() {
        let area = Rect(x: 2, y: 1, width: 10, height: 6)
        #expect(Block().inner(area) == Rect(x: 3, y: 2, width: 8, height: 4))
        #expect(Block(borders: [.top], padding: Margin(horizontal: 1)).inner(area) == Rect(x: 3, y: 2, width: 8, height: 5))
        #expect(Block().inner(Rect(width: 2, height: 2)).isEmpty)
    }
}

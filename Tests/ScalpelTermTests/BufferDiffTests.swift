import Testing
@testable import ScalpelTerm

@Suite struct BufferDiffTests {
    @Test func identicalBuffersHaveNoChanges() {
        let a = Buffer(lines: ["hello", "world"])
        #expect(a.diff(a).isEmpty)
    }

    @Test func onlyChangedCellsAreReported() {
        let a = Buffer(lines: ["hello", "world"])
        var b = a
        b.setString(1, 0, "a")
        b.setString(3, 1, "d!")
        let changes = b.diff(a)
        #expect(changes.count == 3)
        #expect(changes.map { "\($0.x),\($0.y),\($0.cell.symbol)" } == ["1,0,a", "3,1,d", "4,1,!"])
    }

    @Test func styleChangesCount() {
        let a = Buffer(lines: ["abc"])
        var b = a
        b.setStyle(Rect(x: 1, y: 0, width: 1, height: 1), Style(modifiers: .reverse))
        let changes = b.diff(a)
        #expect(changes.count == 1)
        #expect(changes[0].x == 1 && changes[0].cell.modifiers == .reverse)
    }

    @Test func wideCharacterIsSentOnce() {
        let a = Buffer(area: Rect(width: 4, height: 1))
        var b = a
        b.setString(0, 0, "日本")
        let changes = b.diff(a)
        #expect(changes.map(\.x) == [0, 2])
    }

    @Test func replacingAWideCharacterResendsTheCellsItCovered() {
        var a = Buffer(area: Rect(width: 4, height: 1))
        a.setString(0, 0, "日 z")
        var b = Buffer(area: Rect(width: 4, height: 1))
        b.setString(0, 0, "ab z")
        // "a" replaces 日, and "b" must be written where 日's tail was.
        let changes = b.diff(a)
        #expect(changes.map(\.x) == [0, 1])
    }

    @Test func differentAreasSendEverything() {
        let a = Buffer(area: Rect(width: 3, height: 1))
        let b = Buffer(lines: ["a", "b"])
        #expect(b.diff(a).count == 2)
    }
}

import Testing
@testable import ScalpelTerm

@Suite struct BufferTests {
    @Test func setStringClipsAtTheRightEdge() {
        var b = Buffer(area: Rect(width: 5, height: 2))
        let end = b.setString(2, 0, "abcdef")
        #expect(end == 5)
        #expect(b.lines == ["  abc", "     "])
    }

    @Test func setStringHonoursMaxWidthAndRowsOutside() {
        var b = Buffer(area: Rect(width: 6, height: 1))
        b.setString(0, 0, "abcdef", maxWidth: 2)
        b.setString(0, 1, "zzz")
        b.setString(0, -1, "zzz")
        #expect(b.lines == ["ab    "])
    }

    @Test func setStringClipsOnTheLeft() {
        var b = Buffer(area: Rect(x: 2, y: 0, width: 4, height: 1))
        b.setString(0, 0, "abcdef")
        #expect(b.lines == ["cdef"])
        var w = Buffer(area: Rect(x: 1, y: 0, width: 4, height: 1))
        w.setString(0, 0, "日本")  // 日 straddles the left edge: its visible half is blank
        #expect(w.lines == [" 本 "])
    }

    @Test func wideCharactersTakeTwoCells() {
        var b = Buffer(area: Rect(width: 6, height: 1))
        let end = b.setString(0, 0, "日本x")
        #expect(end == 5)
        #expect(b[0, 0].symbol == "日" && b[1, 0].isContinuation)
        #expect(b[2, 0].symbol == "本" && b[3, 0].isContinuation)
        #expect(b[4, 0].symbol == "x")
        #expect(b.lines == ["日本x "])
        #expect(b.lines[0].displayWidth == 6)
    }

    @Test func wideCharacterThatDoesNotFitIsNotDrawn() {
        var b = Buffer(area: Rect(width: 5, height: 1))
        let end = b.setString(0, 0, "ab日本")
        #expect(end == 4)
        #expect(b.lines == ["ab日 "])
        var e = Buffer(area: Rect(width: 3, height: 1))
        e.setString(0, 0, "🚀🚀")
        #expect(e.lines == ["🚀 "])
        var m = Buffer(area: Rect(width: 8, height: 1))
        m.setString(0, 0, "日本語", maxWidth: 5)
        #expect(m.lines == ["日本    "])
    }

    @Test func overwritingHalfOfAWideCharacterBlanksTheOtherHalf() {
        var b = Buffer(area: Rect(width: 6, height: 1))
        b.setString(0, 0, "日本語")
        b.setString(1, 0, "x")  // over the tail of 日
        #expect(b.lines == [" x本語"])
        b.setString(2, 0, "y")  // over the head of 本
        #expect(b.lines == [" xy 語"])
        b.setString(3, 0, "🚀")  // a wide one over the tail of 本's blank and the head of 語
        #expect(b.lines == [" xy🚀 "])
        #expect(b.lines[0].displayWidth == 6)
    }

    @Test func controlAndZeroWidthCharactersAreSkipped() {
        var b = Buffer(area: Rect(width: 5, height: 1))
        b.setString(0, 0, "a\tb\nc")
        #expect(b.lines == ["abc  "])
    }

    @Test func styledWritesPatch() {
        var b = Buffer(area: Rect(width: 4, height: 1))
        b.setStyle(b.area, Style(bg: .blue))
        b.setString(0, 0, "ab", style: Style(fg: .red, modifiers: .bold))
        #expect(b[0, 0].style == Style(fg: .red, bg: .blue, modifiers: .bold))
        #expect(b[3, 0].style == Style(bg: .blue))
    }

    @Test func outOfRangeAccessIsHarmless() {
        var b = Buffer(area: Rect(width: 2, height: 2))
        b[5, 5] = Cell("x")
        #expect(b[5, 5] == .empty)
        #expect(b[-1, 0] == .empty)
        b.fill(Rect(x: -3, y: -3, width: 100, height: 100), with: Cell("#"))
        #expect(b.lines == ["##", "##"])
        var empty = Buffer(area: .zero)
        empty.setString(0, 0, "x")
        empty.setStyle(Rect(width: 3, height: 3), Style(fg: .red))
        #expect(empty.lines.isEmpty)
    }

    @Test func lineWithSpans() {
        var b = Buffer(area: Rect(width: 10, height: 1))
        let line = Line([Span("ab", style: Style(fg: .red)), Span("cd")], style: Style(modifiers: .bold))
        let end = b.setLine(1, 0, line, maxWidth: 3)
        #expect(end == 4)
        #expect(b.lines == [" abc      "])
        #expect(b[1, 0].style == Style(fg: .red, modifiers: .bold))
        #expect(b[3, 0].style == Style(modifiers: .bold))
    }

    @Test func mergeCopiesTheOverlap() {
        var a = Buffer(area: Rect(width: 4, height: 2))
        var b = Buffer(area: Rect(x: 2, y: 1, width: 4, height: 2))
        b.fill(b.area, with: Cell("x"))
        a.merge(b)
        #expect(a.lines == ["    ", "  xx"])
    }
}

import Testing
@testable import ScalpelTerm

@Suite struct ParagraphTests {
    let text = "Scalpel scores every decoder layer on calibration data, then drops the least useful ones."

    @Test func wordWrap() {
        Golden.check("paragraph-word", render(Paragraph(text), width: 20, height: 6))
    }

    @Test func characterWrapAndAlignment() {
        var buffer = Buffer(area: Rect(width: 20, height: 8))
        Paragraph(text, wrap: .character).render(into: &buffer, area: Rect(x: 0, y: 0, width: 20, height: 5), theme: .default)
        Paragraph("centred\nright", wrap: .none, alignment: .center).render(into: &buffer, area: Rect(x: 0, y: 5, width: 20, height: 1), theme: .default)
        Paragraph([Line("right", alignment: .right)]).render(into: &buffer, area: Rect(x: 0, y: 6, width: 20, height: 1), theme: .default)
        Paragraph("no wrap: this line is clipped at the edge", wrap: .none).render(into: &buffer, area: Rect(x: 0, y: 7, width: 20, height: 1), theme: .default)
        Golden.check("paragraph-char-align", buffer)
    }

    @Test func wrappingKeepsSpanStylesAndIndentation() {
        let line = Line([Span("  error: ", style: Style(fg: .red, modifiers: .bold)), Span("shape mismatch in layer twelve")])
        let p = Paragraph([line])
        let rows = p.wrappedLines(width: 16)
        #expect(rows.map(\.description) == ["  error: shape", "mismatch in", "layer twelve"])
        let buffer = render(p, width: 16, height: 3)
        #expect(buffer[2, 0].style.fg == .red && buffer[2, 0].modifiers == .bold)
        #expect(buffer[9, 0].style.fg == Theme.default.text)
    }

    @Test func longWordsAndWideCharactersSplit() {
        #expect(Paragraph("abcdefghij xy").wrappedLines(width: 4).map(\.description) == ["abcd", "efgh", "ij", "xy"])
        #expect(Paragraph("日本語のテキスト").wrappedLines(width: 5).map(\.description) == ["日本", "語の", "テキ", "スト"])
        #expect(Paragraph("日本").wrappedLines(width: 1).map(\.description) == [""])
        #expect(Paragraph("a\n\nb").lineCount(width: 10) == 3)
    }

    @Test func scrolling() {
        let buffer = render(Paragraph("one\ntwo\nthree\nfour", scroll: 2), width: 6, height: 2)
        #expect(buffer.lines == ["three ", "four  "])
    }
}

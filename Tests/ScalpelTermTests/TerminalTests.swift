import Testing
@testable import ScalpelTerm

@Suite struct TerminalTests {
    @Test func firstFrameDrawsOnlyNonBlankCellsThenOnlyChanges() throws {
        var terminal = try Terminal(backend: TestBackend(width: 10, height: 3))
        try terminal.draw { frame in frame.buffer.setString(0, 0, "hello") }
        #expect(terminal.lastChangeCount == 5)
        #expect(terminal.backend.lines == ["hello     ", "          ", "          "])

        try terminal.draw { frame in frame.buffer.setString(0, 0, "help!") }
        #expect(terminal.lastChangeCount == 2)  // "p" and "!"
        #expect(terminal.backend.lastDrawCount == 2)
        #expect(terminal.backend.lines[0] == "help!     ")

        try terminal.draw { frame in frame.buffer.setString(0, 0, "help!") }
        #expect(terminal.lastChangeCount == 0)
        #expect(terminal.backend.flushCount == 3)
        #expect(terminal.frameCount == 3)
    }

    @Test func erasedTextIsBlankedOnScreen() throws {
        var terminal = try Terminal(backend: TestBackend(width: 6, height: 1))
        try terminal.draw { frame in frame.buffer.setString(0, 0, "abcdef") }
        try terminal.draw { frame in frame.buffer.setString(0, 0, "ab") }
        #expect(terminal.lastChangeCount == 4)
        #expect(terminal.backend.lines == ["ab    "])
    }

    @Test func stylesReachTheBackend() throws {
        var terminal = try Terminal(backend: TestBackend(width: 4, height: 1))
        try terminal.draw { frame in frame.buffer.setString(0, 0, "ab", style: Style(fg: .red, modifiers: .bold)) }
        #expect(terminal.backend.buffer[1, 0].style == Style(fg: .red, modifiers: .bold))
        try terminal.draw { frame in frame.buffer.setString(0, 0, "ab", style: Style(fg: .green)) }
        #expect(terminal.lastChangeCount == 2)
        #expect(terminal.backend.buffer[0, 0].style == Style(fg: .green))
    }

    @Test func wideCharactersReachTheBackendWhole() throws {
        var terminal = try Terminal(backend: TestBackend(width: 6, height: 1))
        try terminal.draw { frame in frame.buffer.setString(0, 0, "日本x") }
        #expect(terminal.lastChangeCount == 3)
        #expect(terminal.backend.lines == ["日本x "])
        try terminal.draw { frame in frame.buffer.setString(0, 0, "a本x") }
        #expect(terminal.backend.lines == ["a本x  "])
    }

    @Test func cursorIsShownOnlyWhenTheFrameAsksForIt() throws {
        var terminal = try Terminal(backend: TestBackend(width: 4, height: 2))
        try terminal.draw { frame in frame.cursor = Position(x: 2, y: 1) }
        #expect(terminal.backend.isCursorVisible)
        #expect(terminal.backend.cursor == Position(x: 2, y: 1))
        try terminal.draw { _ in }
        #expect(!terminal.backend.isCursorVisible)
    }

    @Test func resizeRedrawsEverything() throws {
        var terminal = try Terminal(backend: TestBackend(width: 4, height: 1))
        try terminal.draw { frame in frame.buffer.setString(0, 0, "ab") }
        terminal.withBackend { $0.resize(width: 3, height: 2) }
        let frame = try terminal.draw { frame in frame.buffer.setString(0, 1, "xy") }
        #expect(frame.area == Rect(width: 3, height: 2))
        #expect(terminal.lastChangeCount == 6)
        #expect(terminal.backend.lines == ["   ", "xy "])
    }

    @Test func clearForcesAFullRedraw() throws {
        var terminal = try Terminal(backend: TestBackend(width: 3, height: 1))
        try terminal.draw { frame in frame.buffer.setString(0, 0, "abc") }
        try terminal.clear()
        try terminal.draw { frame in frame.buffer.setString(0, 0, "abc") }
        #expect(terminal.lastChangeCount == 3)
        #expect(terminal.backend.lines == ["abc"])
    }

    @Test func framesRenderWidgetsWithTheTerminalTheme() throws {
        var terminal = try Terminal(backend: TestBackend(width: 12, height: 3), theme: .default)
        try terminal.draw { frame in frame.render(Block(title: "Hi"), in: frame.area) }
        #expect(terminal.backend.lines == ["╭ Hi ──────╮", "│          │", "╰──────────╯"])
        #expect(terminal.backend.buffer[0, 0].style.fg == Theme.default.border)
        #expect(terminal.backend.buffer[2, 0].style == Style(fg: Theme.default.accent, modifiers: .bold))
    }
}

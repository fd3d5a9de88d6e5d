import CNcursesW
import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// Terminal input translated into keys, and command identifiers.
@Suite struct KeysTests {
    @Test func controlBytesAndCharacters() {
        #expect(CursesKeys.key(character: 27) == .escape)
        #expect(CursesKeys.key(character: 9) == .tab)
        #expect(CursesKeys.key(character: 13) == .enter)
        #expect(CursesKeys.key(character: 10) == .enter)
        #expect(CursesKeys.key(character: 127) == .backspace)
        #expect(CursesKeys.key(character: 8) == .backspace)
        #expect(CursesKeys.key(character: 16) == .ctrl("p"))
        #expect(CursesKeys.key(character: 14) == .ctrl("n"))
        #expect(CursesKeys.key(character: 21) == .ctrl("u"))
        #expect(CursesKeys.key(character: 1) == .ctrl("a"))
        #expect(CursesKeys.key(character: 0x71) == .character("q"))
        #expect(CursesKeys.key(character: 0x3A) == .character(":"))
        #expect(CursesKeys.key(character: 0x20) == .character(" "))
        #expect(CursesKeys.key(character: 0x3B8) == .character("θ"))
        #expect(CursesKeys.key(character: 0x85) == nil)
        #expect(CursesKeys.key(character: 0xD800) == nil)
    }

    @Test func keyCodes() {
        #expect(CursesKeys.key(code: KEY_UP) == .up)
        #expect(CursesKeys.key(code: KEY_DOWN) == .down)
        #expect(CursesKeys.key(code: KEY_LEFT) == .left)
        #expect(CursesKeys.key(code: KEY_RIGHT) == .right)
        #expect(CursesKeys.key(code: KEY_HOME) == .home)
        #expect(CursesKeys.key(code: KEY_END) == .end)
        #expect(CursesKeys.key(code: KEY_NPAGE) == .pageDown)
        #expect(CursesKeys.key(code: KEY_PPAGE) == .pageUp)
        #expect(CursesKeys.key(code: KEY_BTAB) == .backTab)
        #expect(CursesKeys.key(code: KEY_BACKSPACE) == .backspace)
        #expect(CursesKeys.key(code: KEY_DC) == .delete)
        #expect(CursesKeys.key(code: KEY_ENTER) == .enter)
        #expect(CursesKeys.key(code: scalpel_key_f(1)) == .function(1))
        #expect(CursesKeys.key(code: scalpel_key_f(12)) == .function(12))
        #expect(CursesKeys.key(code: KEY_MOUSE) == nil)
    }

    @Test func commandIdentifiersRoundTrip() {
        let commands: [Command] = Screen.allCases.map { Command.goTo($0) } + [
            .nextScreen, .previousScreen, .help, .palette, .nextTheme, .theme(0), .theme(12), .back, .quit, .rowDown, .rowUp,
            .rowFirst, .rowLast, .pageDown, .pageUp, .helpDown, .helpUp, .paletteUp, .paletteDown, .paletteRun,
            .paletteDelete, .paletteClear,
        ]
        for command in commands { #expect(Command(id: command.id) == command, "\(command.id)") }
        #expect(Command(id: "theme.set.x") == nil)
        #expect(Command(id: "theme.set.-1") == nil)
        #expect(Command(id: "nope") == nil)
    }
}

import Testing
@testable import ScalpelTerm

/// The keymap used across the keymap, footer, help and palette tests.
let sampleKeymap = Keymap([
    KeyBinding([.character("?")], action: "help", description: "Show key bindings", hint: "help"),
    KeyBinding([.character(":"), .ctrl("p")], action: "palette", description: "Open the command palette", hint: "commands"),
    KeyBinding([.character("q")], action: "quit", description: "Quit (asks while a run is live)", hint: "quit"),
    KeyBinding([.tab], action: "pane.next", description: "Next pane"),
    KeyBinding([.character("k"), .up], action: "cursor.up", description: "Move up", context: "score"),
    KeyBinding([.character("j"), .down], action: "cursor.down", description: "Move down", context: "score"),
    KeyBinding([.character(" ")], action: "layer.toggle", description: "Toggle layer for pruning", hint: "toggle", context: "score"),
    KeyBinding([.character("a")], action: "layer.auto", description: "Auto-select N layers by criterion", hint: "auto", context: "score"),
    KeyBinding([.character("s")], action: "table.sort", description: "Sort by the selected column", hint: "sort", context: "score"),
    KeyBinding([.character("q")], action: "back", description: "Back to the run list", hint: "back", context: "run"),
    KeyBinding([.escape], action: "back", description: "Back", context: "run"),
])

@Suite struct KeymapTests {
    @Test func resolvesContextThenGlobal() {
        #expect(sampleKeymap.action(for: .character(" "), in: "score") == "layer.toggle")
        #expect(sampleKeymap.action(for: .ctrl("p"), in: "score") == "palette")
        #expect(sampleKeymap.action(for: .character("q"), in: "score") == "quit")
        #expect(sampleKeymap.action(for: .character("q"), in: "run") == "back")  // shadowed
        #expect(sampleKeymap.action(for: .character("x"), in: "score") == nil)
        #expect(sampleKeymap.action(for: .character(" "), in: "run") == nil)
    }

    @Test func contextsAndActiveBindings() {
        #expect(sampleKeymap.contexts == ["global", "score", "run"])
        #expect(sampleKeymap.activeBindings(in: "run").map(\.action) == ["back", "back", "help", "palette", "pane.next"])
        #expect(sampleKeymap.hints(in: "score").map(\.label) == ["toggle", "auto", "sort", "help", "commands", "quit"])
        #expect(sampleKeymap.binding(for: "palette", in: "score")?.keyLabel == ":/Ctrl-P")
    }

    @Test func conflicts() {
        #expect(sampleKeymap.conflicts().isEmpty)
        var bad = sampleKeymap
        bad.bindings.append(KeyBinding([.character("a")], action: "other", description: "x", context: "score"))
        let c = bad.conflicts()
        #expect(c.count == 1 && c[0].context == "score" && c[0].key == .character("a") && c[0].actions == ["layer.auto", "other"])
    }

    @Test func keyNames() {
        #expect(Key(parsing: "ctrl-p") == .ctrl("p"))
        #expect(Key(parsing: "^C") == .ctrl("c"))
        #expect(Key(parsing: "space") == .character(" "))
        #expect(Key(parsing: "Q") == .character("Q"))
        #expect(Key(parsing: "shift-tab") == .backTab)
        #expect(Key(parsing: "f12") == .function(12))
        #expect(Key(parsing: "f25") == nil)
        #expect(Key(parsing: "nope") == nil)
        #expect([Key.ctrl("p"), .character(" "), .up, .pageDown, .escape].map(\.displayName) == ["Ctrl-P", "Space", "↑", "PgDn", "Esc"])
    }

    @Test func paletteCommandsComeFromTheKeymap() {
        let commands = sampleKeymap.paletteCommands(in: "score")
        #expect(commands.first == PaletteCommand(id: "cursor.up", title: "Move up", key: "k/↑"))
        #expect(commands.count == 9)
    }
}

@Suite struct KeyHintsTests {
    @Test func footerFromTheKeymap() {
        let b = render(KeyHints(keymap: sampleKeymap, context: "score"), width: 70, height: 1)
        Golden.check("keyhints", b)
        #expect(b[0, 0].symbol == "S" && b[0, 0].style == Style(fg: Theme.default.accent, modifiers: .bold))
        #expect(b[6, 0].symbol == "t" && b[6, 0].style.fg == Theme.default.muted)
    }

    @Test func truncatesGracefully() {
        let hints = KeyHints(keymap: sampleKeymap, context: "score")
        #expect(render(hints, width: 40, height: 1).lines == ["Space toggle  a auto  s sort  ? help  … "])
        #expect(render(hints, width: 16, height: 1).lines == ["Space toggle  … "])
        #expect(render(hints, width: 10, height: 1).lines == ["Space tog…"])
        #expect(render(hints, width: 4, height: 1).lines == ["Spa…"])
    }
}

import Testing
@testable import ScalpelTerm

@Suite struct StyleTests {
    @Test func patchingKeepsUnsetColours() {
        let base = Style(fg: .red, bg: .blue, modifiers: .bold)
        let patched = base.patched(with: Style(fg: .green))
        #expect(patched.fg == .green && patched.bg == .blue && patched.addModifier == .bold)
    }

    @Test func patchingAddsAndRemovesModifiers() {
        let base = Style(modifiers: [.bold, .italic])
        let patched = base.patched(with: Style(modifiers: .underline, removing: .bold))
        #expect(patched.addModifier == [.italic, .underline])
        var cell = Cell("x", style: base)
        cell.patchStyle(Style(removing: .italic).reversed())
        #expect(cell.modifiers == [.bold, .reverse])
        #expect(cell.style.subModifier.isEmpty)
    }

    @Test func builders() {
        let s = Style().fg(.cyan).bg(.indexed(236)).bold().underline()
        #expect(s == Style(fg: .cyan, bg: .indexed(236), modifiers: [.bold, .underline]))
        #expect(s.description == "fg=cyan bg=236 +bold+underline")
    }
}

import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// Below 60×16 the layout gives way to a notice.
@Suite struct TooSmallTests {
    @Test func smallTerminalShowsTheSizeItNeeds() throws {
        #expect(try screen(makeState(width: 50, height: 12)) == [
        "",
        "",
        "",
        "",
        "",
        "    terminal too small: need 60×16, have 50×12",
        "      enlarge the window, or press q to quit",
        "",
        "",
        "",
        "",
        "",
        ])
    }

    @Test func oneColumnOrRowShortIsTooSmall() throws {
        for (w, h) in [(59, 16), (60, 15)] {
            let state = makeState(width: w, height: h)
            #expect(state.isTooSmall)
            let text = try screen(state).joined(separator: "\n")
            #expect(text.contains("terminal too small: need 60×16, have \(w)×\(h)"))
            #expect(!text.contains("Parameters by part"))
        }
        #expect(!makeState(width: 60, height: 16).isTooSmall)
        // Tiny screens wrap the notice rather than break.
        #expect(try screen(makeState(width: 20, height: 4)) == ["terminal too small:", "  need 60×16, have", "        20×4", "enlarge the window,"])
    }

    @Test func onlyQuitAndEscapeWorkWhileTooSmall() {
        let state = makeState(width: 40, height: 10)
        let (same, effects) = press([.character("2"), .character("?"), .character(":")], on: state)
        #expect(same.screen == .model && same.overlay == .none && effects.isEmpty)
        #expect(press([.character("q")], on: state).1 == [.quit])
    }

    @Test func resizingBackRestoresTheLayout() throws {
        let (small, _) = reduce(makeState(), .resize(Size(width: 50, height: 12)))
        #expect(try screen(small)[5].contains("terminal too small"))
        let (big, _) = reduce(small, .resize(Size(width: 100, height: 30)))
        #expect(try screen(big) == screen(makeState()))
    }

    @Test func terminalRedrawsAfterAResize() throws {
        var terminal = try Terminal(backend: TestBackend(width: 100, height: 30))
        let state = makeState()
        try terminal.draw { WorkbenchView.render(state, into: &$0) }
        terminal.withBackend { $0.resize(width: 50, height: 12) }
        let small = reduce(state, .resize(Size(width: 50, height: 12))).0
        try terminal.draw { WorkbenchView.render(small, into: &$0) }
        #expect(terminal.backend.lines[5].contains("terminal too small: need 60×16, have 50×12"))
    }
}

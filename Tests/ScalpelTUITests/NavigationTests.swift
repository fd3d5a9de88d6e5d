import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// Tabs, digits, the screens' panels, quitting and theme switching.
@Suite struct NavigationTests {
    @Test func digitsJumpToTheirScreenAndTheTabBarFollows() throws {
        let expected: [(Character, Screen, String)] = [
            ("2", .layers, "2 Layers"), ("5", .compare, "5 Compare"), ("3", .quantize, "3 Quantize"),
            ("4", .run, "4 Run"), ("1", .model, "1 Model"),
        ]
        var state = makeState()
        #expect(activeTabTitle(try draw(state)) == "1 Model")
        for (digit, target, title) in expected {
            state = press([.character(digit)], on: state).0
            #expect(state.screen == target)
            #expect(activeTabTitle(try draw(state)) == title)
        }
    }

    @Test func tabAndShiftTabCycleThroughTheScreens() {
        let (forward, _) = press([.tab, .tab], on: makeState())
        #expect(forward.screen == .quantize)
        let (wrapped, _) = press([.backTab, .backTab, .backTab], on: forward)
        #expect(wrapped.screen == .compare)
        #expect(Screen.compare.next == .model && Screen.model.previous == .compare)
    }

    @Test func everyScreenDrawsItsPanelsAndCompareReadsTheRunStoreOnce() throws {
        for (digit, panels) in [("2", ["Blocks × criteria", "╭ Drop ─"]), ("3", ["╭ Plan ─", "╭ Deploy memory ─"]),
                                ("4", ["╭ Stages ─", "╭ Progress ─", "╭ Loss", "╭ Log ─"]), ("5", ["╭ Compare ─"])] {
            let (state, _) = press([.character(Character(digit))], on: makeState())
            let text = try screen(state).joined(separator: "\n")
            for panel in panels { #expect(text.contains(panel), "screen \(digit) lacks \(panel)") }
        }
        let (compare, effects) = press([.character("5")], on: makeState())
        #expect(effects == [.loadRuns])
        let (loaded, _) = reduce(compare, .runsLoaded([]))
        #expect(try screen(loaded).joined(separator: "\n").contains("No runs in runs yet."))
        let (_, again) = press([.character("1"), .character("5")], on: loaded)
        #expect(again.isEmpty, "the store is read once; r reads it again")
        #expect(press([.character("r")], on: loaded).1 == [.loadRuns])
    }

    @Test func qQuitsAndEscapeWithoutAnOverlayDoesNothing() {
        let state = makeState()
        let (_, quit) = press([.character("q")], on: state)
        #expect(quit == [.quit])
        let (same, effects) = press([.escape], on: state)
        #expect(same == state && effects.isEmpty)
        let (_, viaCommand) = reduce(state, .run(.quit))
        #expect(viaCommand == [.quit])
    }

    @Test func tCyclesThemesAndSaysWhichUntilTheNextKey() throws {
        let solarized = Theme(name: "Solarized dark", background: .rgb(0, 0x2b, 0x36), text: .rgb(0x83, 0x94, 0x96),
                              muted: .indexed(240), accent: .cyan, border: .brightBlack, selection: .blue, heat: [.black, .white],
                              good: .green, warn: .yellow, bad: .red, series: [.cyan])
        let state = makeState(themes: [.default, solarized])
        let (next, remembered) = press([.character("t")], on: state)
        #expect(next.theme.name == "Solarized dark")
        #expect(remembered == [.rememberTheme("Solarized dark")])
        #expect(next.notice == Notice("Theme: Solarized dark"))
        let lines = try screen(next)
        #expect(lines[26].hasSuffix("╭ Info ─────────────────╮"))
        #expect(lines[27].hasSuffix("│ Theme: Solarized dark │"))
        #expect(lines[28].hasSuffix("╰───────────────────────╯"))
        // The frame is painted in the theme's colours.
        let backend = try draw(next)
        #expect(backend.buffer[50, 20].style.bg == .rgb(0, 0x2b, 0x36))
        let (again, _) = press([.character("t")], on: next)
        #expect(again.theme.name == "default")
        let (quiet, _) = press([.character("j")], on: next)
        #expect(quiet.notice == nil)
    }
}

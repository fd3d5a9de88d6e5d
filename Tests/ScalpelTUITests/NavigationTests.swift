import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// Tabs, digits, placeholders for the engine-driven screens, quitting and theme switching.
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

    @Test func layersScreenSaysWhatItWillShowAndThatItNeedsTheEngine() throws {
        let (state, _) = press([.character("2")], on: makeState())
        #expect(try screen(state) == [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "            ╭ Layers ──────────────────────────────────────────────────────────────────╮",
        "            │ Importance of every decoder layer, scored on calibration data: a heatmap │",
        "            │ of layers × criteria.                                                    │",
        "            │                                                                          │",
        "            │ Space marks a layer to drop (or \"auto: drop N by criterion\"), with the   │",
        "            │ memory estimate updated on every key.                                    │",
        "            │                                                                          │",
        "            │ Needs the engine: layer scoring does not report to the workbench yet, so │",
        "            │ there are no scores to show.                                             │",
        "            ╰──────────────────────────────────────────────────────────────────────────╯",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "Tab next  ? help  :/Ctrl-P commands  t theme  q quit",
        ])
    }

    @Test func quantizeRunAndCompareScreensShowNoInventedData() throws {
        for (digit, title) in [("3", "Quantize"), ("4", "Run"), ("5", "Compare")] {
            let (state, _) = press([.character(Character(digit))], on: makeState())
            let text = try screen(state).joined(separator: "\n")
            #expect(text.contains("╭ \(title) ─"))
            #expect(text.contains("Needs the engine"))
            #expect(!text.contains("%"))
        }
        let (run, _) = press([.character("4")], on: makeState())
        #expect(try screen(run) == [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "            ╭ Run ─────────────────────────────────────────────────────────────────────╮",
        "            │ A recipe running as `scalpel run recipe.yaml --events -`, followed live: │",
        "            │ stage, progress, loss curve, learning rate, tokens/s, RSS and estimated  │",
        "            │ deploy memory.                                                           │",
        "            │                                                                          │",
        "            │ Needs the engine: there is no run to follow yet.                         │",
        "            ╰──────────────────────────────────────────────────────────────────────────╯",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "Tab next  ? help  :/Ctrl-P commands  t theme  q quit",
        ])
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
        let (next, _) = press([.character("t")], on: state)
        #expect(next.theme.name == "Solarized dark")
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

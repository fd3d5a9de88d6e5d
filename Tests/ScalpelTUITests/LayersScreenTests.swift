import ScalpelEngine
import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// The Layers screen: the heatmap filled from importance events, marking, sorting, auto-selection,
/// and what dropping saves; drawn whole at several sizes.
@Suite struct LayersScreenTests {
    @Test func scoredBlocksAt100x30WithTwoMarked() throws {
        var state = scoredSmolState()
        state = press([.character(" "), .character("j"), .character("j"), .character(" "), .character("l")], on: state).0
        #expect(state.layers.marked == [0, 2])
        try expectScreen(state, [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                SmolLM2-135M-Instruct.Q4_1.gguf",
        "Importance 2 criteria on cal.json",
        "╭ Blocks × criteria ──────────────────────────────────────────────╮╭ Drop ─────────────────────────╮",
        "│   # influence  angular                                          ││ blocks     2 of 30            │",
        "│ ✗ 0                                                             ││ 0, 2                          │",
        "│   1                                                             ││                               │",
        "│ ✗ 2           [  0.343]                                         ││ removed    7.08M (5.3%)       │",
        "│   3                                                             ││ kept       127.43M            │",
        "│   4                                                             ││ ratio      1.056×             │",
        "│   5                                                             ││                               │",
        "│   6                                                             ││ deploy     160.42 MB          │",
        "│   7                                                             ││ with the Quantize plan: AWQ   │",
        "│   8                                                             ││ 4-bit                         │",
        "│   9                                                             ││                               │",
        "│  10                                                             ││                               │",
        "│  11                                                             ││                               │",
        "│  12                                                             ││                               │",
        "│  13                                                             ││                               │",
        "│  14                                                             ││                               │",
        "│  15                                                             ││                               │",
        "│  16                                                             ││                               │",
        "│  17                                                             ││                               │",
        "│  18                                                             ││                               │",
        "│  19                                                             ││                               │",
        "│  20                                                             ││                               │",
        "│  21                                                             ││                               │",
        "│ angular 0.113 ████████ 0.983  layer 2 = 0.343           1–22/30 ││                               │",
        "╰─────────────────────────────────────────────────────────────────╯╰───────────────────────────────╯",
        "block 2 · 3.54M params · marked · angular = 0.3434567890123 · 10th least important of 30",
        "c compute  j/↓ move  Space drop  s sort  a auto  / filter  Tab next  ? help  :/Ctrl-P commands  …",
        ])
    }

    @Test func sortedByACriterionAtTheMinimumSize() throws {
        var state = scoredSmolState(width: 60, height: 16)
        state = press([.character("l"), .character("s")], on: state).0
        #expect(state.layers.sortColumn == 1)
        try expectScreen(state, [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare",
        "Importance 2 criteria on cal.json",
        "╭ Blocks × criteria · by angular…╮╭ Drop ──────────────────╮",
        "│   # influence  angular         ││ blocks     0 of 30     │",
        "│  15                            ││ none marked (Space, or │",
        "│  10                            ││ a: auto)               │",
        "│   5                            ││                        │",
        "│   0           [  0.173]        ││ removed    0 (0.0%)    │",
        "│  27                            ││ kept       134.52M     │",
        "│  22                            ││ ratio      1.000×      │",
        "│  17                            ││                        │",
        "│  12                            ││ deploy     167.55 MB   │",
        "│ angular 0.113 ████████ 0.983   ││ with the Quantize      │",
        "╰────────────────────────────────╯╰────────────────────────╯",
        "block 0 · 3.54M params · angular = 0.1734567890123 · 4th lea",
        "c compute  j/↓ move  Space drop  s sort  a auto  / filter  …",
        ])
    }

    @Test func beforeAnyScoresTheScreenSaysHowToGetThem() throws {
        var state = makeState()
        state.context = WorkbenchContext(modelPath: "/m", calibrationPath: "/m/cal.json", estimator: tinyEstimator)
        state.screen = .layers
        try expectScreen(state, [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "Importance not computed — press c to score every block on calibration data",
        "╭ Blocks × criteria ──────────────────────────────────────────────╮╭ Drop ─────────────────────────╮",
        "│  # no scores                                                    ││ blocks     0 of 2             │",
        "│  0 [      ·]                                                    ││ none marked (Space, or a:     │",
        "│  1     ·                                                        ││ auto)                         │",
        "│                                                                 ││                               │",
        "│                                                                 ││ removed    0 (0.0%)           │",
        "│                                                                 ││ kept       98.6K              │",
        "│                                                                 ││ ratio      1.000×             │",
        "│                                                                 ││                               │",
        "│                                                                 ││ deploy     603.91 KB          │",
        "│                                                                 ││ with the Quantize plan: AWQ   │",
        "│                                                                 ││ 4-bit                         │",
        "│                                                                 ││                               │",
        "│                                                                 ││                               │",
        "│                                                                 ││                               │",
        "│                                                                 ││                               │",
        "│                                                                 ││                               │",
        "│                                                                 ││                               │",
        "│                                                                 ││                               │",
        "│                                                                 ││                               │",
        "│                                                                 ││                               │",
        "│                                                                 ││                               │",
        "│                                                                 ││                               │",
        "│                                                                 ││                               │",
        "│ no scores  layer 0 = —                                          ││                               │",
        "╰─────────────────────────────────────────────────────────────────╯╰───────────────────────────────╯",
        "block 0 · 43.1K params",
        "c compute  j/↓ move  Space drop  s sort  a auto  / filter  Tab next  ? help  :/Ctrl-P commands  …",
        ])
    }

    @Test func heatCellsAreColouredByTheirScoreWithinTheirColumnAndMarksInTheBadColour() throws {
        var state = scoredSmolState()
        state.layers.marked = [4]
        let backend = try draw(state)
        let heatmap = LayersScreenView.heatmap(state, layers: 30)
        let theme = state.theme
        // Rows start under the tab bar, status line, border and header (y = 4); cells at x = 6 and 16.
        for layer in 1..<22 {
            for (column, x) in [(0, 6), (1, 16)] {
                let expected = theme.heatColor(try #require(heatmap.normalized(row: layer, column: column)))
                #expect(backend.buffer[x, 4 + layer].style.bg == expected, "layer \(layer) column \(column)")
            }
        }
        // Layer 15 has the lowest angular score: the low end of the ramp.
        #expect(backend.buffer[16, 4 + 15].style.bg == theme.heat.first)
        #expect(backend.buffer[2, 4 + 4].symbol == "✗")
        #expect(backend.buffer[2, 4 + 4].style.fg == theme.bad)
    }

    @Test func spaceTogglesTheBlockUnderTheCursorEvenWhenSorted() {
        var state = scoredSmolState()
        state = press([.character("s")], on: state).0
        let first = state.layers.order(layerCount: 30)[0]
        #expect(state.layers.score(layer: first, column: 0) == (0..<30).compactMap { state.layers.score(layer: $0, column: 0) }.min())
        state = press([.character("g"), .character(" ")], on: state).0
        #expect(state.layers.marked == [first])
        state = press([.character(" ")], on: state).0
        #expect(state.layers.marked.isEmpty)
    }

    @Test func sortingKeepsTheCursorOnItsLayerAndSortingAgainRestoresLayerOrder() {
        var state = scoredSmolState()
        state = press(Array(repeating: .character("j"), count: 7), on: state).0
        #expect(state.layers.layerAtCursor(layerCount: 30) == 7)
        state = press([.character("s")], on: state).0
        #expect(state.layers.layerAtCursor(layerCount: 30) == 7)
        #expect(state.layers.cursor.row != 7)
        state = press([.character("s")], on: state).0
        #expect(state.layers.sortColumn == nil && state.layers.cursor.row == 7)
    }

    @Test func autoSelectMarksTheNLeastImportantByTheCursorsCriterion() {
        var state = scoredSmolState()
        state = press([.character("l"), .character("a")], on: state).0
        guard case .prompt(let prompt) = state.overlay else {
            Issue.record("expected the prompt")
            return
        }
        #expect(prompt.title == "Drop how many blocks, least important by angular?")
        state = press([.ctrl("u")], on: state).0
        state = type("4", on: state)
        state = press([.enter], on: state).0
        let expected = (0..<30).map { ($0, state.layers.score(layer: $0, column: 1)!) }.sorted { $0.1 < $1.1 }.prefix(4).map(\.0)
        #expect(state.layers.marked == Set(expected))
        #expect(state.notice == Notice("Marked 4 least important by angular"))
        #expect(state.overlay == .none)
        let bad = press([.enter], on: type("x", on: press([.character("a"), .ctrl("u")], on: state).0)).0
        #expect(bad.notice?.kind == .error)
        #expect(bad.layers.marked == state.layers.marked)
    }

    @Test func removedParametersRatioAndEstimateFollowTheMarks() throws {
        var state = scoredSmolState()
        let before = try #require(try state.estimate?.get())
        state = press([.character(" "), .character("j"), .character(" ")], on: state).0
        #expect(state.removedParameters == 2 * 3_540_096)
        let after = try #require(try state.estimate?.get())
        #expect(after.totalBytes < before.totalBytes)
        let text = try screen(state).joined(separator: "\n")
        #expect(text.contains("ratio      1.056×"))
        #expect(text.contains(Quantity.bytes(after.totalBytes)))
    }

    @Test func cAsksForCalibrationDataAndLaunchesImportance() {
        var state = scoredSmolState()
        state = press([.character("c")], on: state).0
        #expect(state.overlay == .prompt(Prompt(.calibration, title: "Calibration data (text, LLaVA conversation JSON or .ids)", text: "/m/cal.json")))
        let (next, effects) = press([.backspace, .backspace, .backspace, .backspace], on: state)
        let (launched, more) = press([.enter], on: type("txt", on: next))
        #expect(effects.isEmpty)
        #expect(more == [.startImportance(calibration: "/m/cal.txt")])
        let (started, _) = reduce(launched, .engineStarted(.importance, pid: 42, log: "/l", recipe: nil))
        #expect(started.layers.status == .running(pid: 42))
        #expect(started.layers.criteria.isEmpty, "a new computation starts from no scores")
        let event = EngineEvent(time: 0, run: "i", payload: .importance(layer: 3, criterion: "taylor", score: 1.25e-7, tokenClass: .image))
        let (scored, _) = reduce(started, .engineOutput(.importance, .event(event)))
        #expect(scored.layers.criteria == ["taylor/image"])
        #expect(scored.layers.score(layer: 3, column: 0) == 1.25e-7)
    }

    @Test func theDetailLineShowsTheUnroundedScore() throws {
        var state = scoredSmolState()
        state = press([.character("j")], on: state).0
        let last = try screen(state)[28]
        #expect(last == "block 1 · 3.54M params · block_influence = 0.5834567890123 · 18th least important of 30")
        #expect(last.contains("0.5834567890123"))
    }
}

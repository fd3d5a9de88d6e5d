import Foundation
import ScalpelEngine
import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// `/` on the Layers and Compare screens: the filter line, the rows it leaves, Enter keeping and Esc
/// clearing it; drawn whole.
@Suite struct FilterTests {
    @Test func layerFilterTerms() {
        func listed(_ text: String, marked: Set<Int> = []) -> [Int] {
            let f = LayerFilter(text)
            return (0..<12).filter { f.matches(layer: $0, marked: marked.contains($0)) }
        }
        #expect(listed("") == Array(0..<12) && listed(" , ") == Array(0..<12))
        #expect(listed("3") == [3] && listed("3, 7") == [3, 7] && listed("11") == [11])
        #expect(listed("2-5") == [2, 3, 4, 5] && listed("9-") == [9, 10, 11] && listed("-1") == [0, 1])
        #expect(listed("1-") == Array(1..<12), "a range being typed already lists its blocks")
        #expect(listed("m", marked: [4, 8]) == [4, 8] && listed("marked 0", marked: [4]) == [0, 4])
        #expect(listed("un", marked: [4, 8]) == [0, 1, 2, 3, 5, 6, 7, 9, 10, 11])
        #expect(listed("x") == [] && listed("5-2") == [] && listed("-") == [] && listed("2-x") == [])
    }

    @Test func runFilterWords() {
        let run = RunRecord(id: "derm-wb2-drop1-w4-20261129", path: "/r/x", progress: RunProgress(), quantization: "awq 4-bit g32")
        #expect(RunFilter("").matches(run) && RunFilter("W4").matches(run) && RunFilter("awq incomplete").matches(run))
        #expect(!RunFilter("w4 gptq").matches(run) && !RunFilter("completed").matches(run))
    }

    @Test func typingFiltersTheLayersLiveAt100x30() throws {
        var state = scoredSmolState()
        state = press([.character("j"), .character("j"), .character("/")], on: state).0
        #expect(state.overlay == .filter)
        state = type("1-4", on: state)
        #expect(state.layers.order(layerCount: 30) == [1, 2, 3, 4])
        #expect(state.layers.layerAtCursor(layerCount: 30) == 1, "typing 1 hid block 2, so the cursor went to the first block listed")
        try expectScreen(state, [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                SmolLM2-135M-Instruct.Q4_1.gguf",
        "Importance 2 criteria on cal.json",
        "╭ Blocks × criteria · /1-4: 4 of 30 ──────────────────────────────╮╭ Drop ─────────────────────────╮",
        "│  # influence  angular                                           ││ blocks     0 of 30            │",
        "│  1 [  0.583]                                                    ││ none marked (Space, or a:     │",
        "│  2                                                              ││ auto)                         │",
        "│  3                                                              ││                               │",
        "│  4                                                              ││ removed    0 (0.0%)           │",
        "│                                                                 ││ kept       134.52M            │",
        "│                                                                 ││ ratio      1.000×             │",
        "│                                                                 ││                               │",
        "│                                                                 ││ deploy     167.55 MB          │",
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
        "│ influence 0.433 ████████ 0.953  layer 1 = 0.583                 ││                               │",
        "╰─────────────────────────────────────────────────────────────────╯╰───────────────────────────────╯",
        "block 1 · 3.54M params · block_influence = 0.5834567890123 · 18th least important of 30",
        "/1-4▏  Enter keep  Esc clear",
        ])
    }

    @Test func enterKeepsTheFilterEscClearsIt() throws {
        var state = scoredSmolState()
        state = press([.character("/")], on: state).0
        state = type("3 7-9", on: state)
        state = press([.enter, .character("j"), .character(" ")], on: state).0
        #expect(state.overlay == .none && state.layers.filter.text == "3 7-9")
        #expect(state.layers.marked == [7], "Space marks the listed block under the cursor")
        try expectScreen(state, [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                SmolLM2-135M-Instruct.Q4_1.gguf",
        "Importance 2 criteria on cal.json",
        "╭ Blocks × criteria · /3 7-9: 4 of 30 ────────────────────────────╮╭ Drop ─────────────────────────╮",
        "│  # influence  angular                                           ││ blocks     1 of 30            │",
        "│  3                                                              ││ 7                             │",
        "│ ✗7 [  0.133]                                                    ││                               │",
        "│  8                                                              ││ removed    3.54M (2.6%)       │",
        "│  9                                                              ││ kept       130.97M            │",
        "│                                                                 ││ ratio      1.027×             │",
        "│                                                                 ││                               │",
        "│                                                                 ││ deploy     163.99 MB          │",
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
        "│                                                                 ││                               │",
        "│ influence 0.133 ████████ 0.873  layer 7 = 0.133                 ││                               │",
        "╰─────────────────────────────────────────────────────────────────╯╰───────────────────────────────╯",
        "block 7 · 3.54M params · marked · block_influence = 0.1334567890123 · 2nd least important of 30",
        "c compute  j/↓ move  Space drop  s sort  a auto  / filter  Tab next  ? help  :/Ctrl-P commands  …",
        ])
        // Backspace while typing edits; Esc on the screen clears; the cursor stays on block 7.
        state = press([.character("/"), .backspace, .backspace, .backspace, .enter], on: state).0
        #expect(state.layers.filter.text == "3 ")
        #expect(state.layers.order(layerCount: 30) == [3])
        state = press([.escape], on: state).0
        #expect(state.layers.filter.isEmpty && state.layers.order(layerCount: 30).count == 30)
        #expect(state.layers.layerAtCursor(layerCount: 30) == 3)
        // Esc while typing clears and closes too.
        state = press([.character("/"), .character("m"), .escape], on: state).0
        #expect(state.overlay == .none && state.layers.filter.isEmpty)
    }

    @Test func aFilterMatchingNothingAtTheMinimumSize() throws {
        var state = scoredSmolState(width: 60, height: 16)
        state = press([.character("/")], on: state).0
        state = type("99", on: state)
        #expect(state.layers.order(layerCount: 30).isEmpty && state.layers.layerAtCursor(layerCount: 30) == nil)
        // Keys that need a block do nothing.
        state = press([.down, .up], on: state).0
        #expect(state.layers.marked.isEmpty)
        try expectScreen(state, [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare",
        "Importance 2 criteria on cal.json",
        "╭ Blocks × criteria · /99: 0 of …╮╭ Drop ──────────────────╮",
        "│  # influence  angular          ││ blocks     0 of 30     │",
        "│                                ││ none marked (Space, or │",
        "│                                ││ a: auto)               │",
        "│                                ││                        │",
        "│                                ││ removed    0 (0.0%)    │",
        "│                                ││ kept       134.52M     │",
        "│                                ││ ratio      1.000×      │",
        "│                                ││                        │",
        "│                                ││ deploy     167.55 MB   │",
        "│ influence                      ││ with the Quantize      │",
        "╰────────────────────────────────╯╰────────────────────────╯",
        "no block matches /99 · Esc clears the filter",
        "/99▏  Enter keep  Esc clear",
        ])
    }

    @Test func compareFiltersRunsByNameAndQuantization() throws {
        let suite = CompareScreenTests()
        let store = try suite.makeStore()
        defer { try? FileManager.default.removeItem(at: store) }
        var state = suite.compareState(store)
        state = press([.character("j"), .character("j"), .character("/")], on: state).0
        state = type("w4", on: state)
        #expect(state.visibleRuns.map(\.id) == ["a-drop2-w4-20261129-100000", "c-drop1-w4-20261129-102000"])
        #expect(state.runSelection == 1, "the selection stays on run c")
        state = press([.enter, .character("k")], on: state).0
        #expect(state.runSelection == 0)
        try expectScreen(state, [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "╭ Runs in runs · /w4: 2 of 3 ──────────────────────────────────────────────────────────────────────╮",
        "│ run                 status      drop quant               loss     val accuracy (test)     deploy │",
        "│ a-drop2-w4-2026112… completed      2 awq 4-bit g32      1.000   1.200           0.625   68.00 MB │",
        "│ c-drop1-w4-2026112… incomplete     1 awq 4-bit g32      2.640   2.970               –   68.00 MB │",
        "╰───────────────────────────────────────────────────────────────────────────────────────────── 1/2 ╯",
        "╭ Training loss ───────────────────────────────────────────╮╭ Dropped blocks ──────────────────────╮",
        "│              ━━ a-drop2-w4-202611…  ━━ c-drop1-w4-202611…││ a-drop2-w4-20261129-100000           │",
        "│3.19│⠑⠢⣀                                                  ││   3, 7                               │",
        "│    │   ⠑⠢⢄                                               ││ c-drop1-w4-20261129-102000           │",
        "│    │⠢⢄    ⠉⠢⢄                                            ││   5                                  │",
        "│    │  ⠉⠢⢄⡀   ⠉⠒⢄⡀                                        ││                                      │",
        "│    │     ⠈⠒⠤⣀   ⠈⠒⠄                                      ││                                      │",
        "│    │         ⠉⠒⢄⡀                                        ││                                      │",
        "│    │            ⠈⠒⢄⡀                                     ││                                      │",
        "│    │               ⠈⠑⠤⣀                                  ││                                      │",
        "│    │                   ⠉⠒⠤⡀                              ││                                      │",
        "│2.03│                      ⠈⠑⠤⡀                           ││                                      │",
        "│    │                         ⠈⠑⠢⣀                        ││                                      │",
        "│    │                             ⠉⠒⠤⣀                    ││                                      │",
        "│    │                                 ⠑⠢⣀                 ││                                      │",
        "│    │                                    ⠑⠢⢄              ││                                      │",
        "│    │                                       ⠉⠒⠤⣀          ││                                      │",
        "│    │                                           ⠉⠢⢄       ││                                      │",
        "│    │                                              ⠉⠢⢄⡀   ││                                      │",
        "│   1│                                                 ⠈⠒⠤⣀││                                      │",
        "│    └─────────────────────────────────────────────────────││                                      │",
        "│     1                       10.5                       20││                                      │",
        "╰──────────────────────────────────────────────────────────╯╰──────────────────────────────────────╯",
        "j/↓ move  r reload  / filter  Tab next  ? help  :/Ctrl-P commands  t theme  q quit",
        ])
        state = press([.character("/")], on: state).0
        state = type(" incomplete", on: state)
        #expect(state.visibleRuns.map(\.id) == ["c-drop1-w4-20261129-102000"] && state.runSelection == 0)
        state = press([.escape], on: state).0
        #expect(state.visibleRuns.count == 3 && state.runSelection == 2)
    }
}

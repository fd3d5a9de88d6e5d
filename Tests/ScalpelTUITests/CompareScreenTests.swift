import Foundation
import ScalpelEngine
import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// The Compare screen over a run store written to disk: events and the recipe copy of each run.
@Suite struct CompareScreenTests {
    /// Writes two finished runs and one cut short into a fresh store.
    func makeStore() throws -> URL {
        let store = FakeEngine.scratch("runs")
        let runs: [(String, [Int], Int, Bool, Double)] = [("a-drop2-w4-20261129-100000", [3, 7], 20, true, 1),
                                                          ("b-drop0-fp16-20261129-101000", [], 20, true, 0.8),
                                                          ("c-drop1-w4-20261129-102000", [5], 6, false, 1.1)]
        for (id, drop, steps, finished, scale) in runs {
            let folder = store.appendingPathComponent(id)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let lines = cannedRun(id, steps: steps, finished: finished, lossScale: scale).map { $0.jsonLine() }
            try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("events.jsonl"), atomically: true, encoding: .utf8)
            var quant = QuantPlan()
            quant.groupSize = 32
            if id.contains("fp16") { quant.method = "none" }
            let draft = RecipeDraft(name: id, model: "/m", calibration: "/m/c.json", dropped: drop, trainingData: "/m/t.json",
                                    steps: steps, quant: quant, evaluation: nil)
            try draft.yaml.write(to: folder.appendingPathComponent("recipe.yaml"), atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(at: store.appendingPathComponent(".workbench"), withIntermediateDirectories: true)
        return store
    }

    func compareState(_ store: URL, width: Int = 100, height: Int = 30) -> AppState {
        var state = makeState(width: width, height: height)
        state.context = WorkbenchContext(modelPath: "/m", runsDirectory: "runs")
        state.screen = .compare
        return reduce(state, .runsLoaded(RunRecord.loadAll(directory: store.path))).0
    }

    @Test func theStoreIsReadBackWithDroppedBlocksAndQuantization() throws {
        let store = try makeStore()
        defer { try? FileManager.default.removeItem(at: store) }
        let records = RunRecord.loadAll(directory: store.path)
        #expect(records.map(\.id) == ["a-drop2-w4-20261129-100000", "b-drop0-fp16-20261129-101000", "c-drop1-w4-20261129-102000"])
        #expect(records.map(\.dropped) == [[3, 7], [], [5]])
        #expect(records.map(\.quantization) == ["awq 4-bit g32", "16-bit", "awq 4-bit g32"])
        #expect(records.map(\.status) == ["completed", "completed", "incomplete"])
        #expect(records[1].finalLoss == 0.8 * 1.0)
        #expect(records[0].progress.metrics["accuracy (test)"] == 0.625)
    }

    @Test func threeRunsAt100x30() throws {
        let store = try makeStore()
        defer { try? FileManager.default.removeItem(at: store) }
        try expectScreen(compareState(store), [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "╭ Runs in runs ────────────────────────────────────────────────────────────────────────────────────╮",
        "│ run                 status      drop quant               loss     val accuracy (test)     deploy │",
        "│ a-drop2-w4-2026112… completed      2 awq 4-bit g32      1.000   1.200           0.625   68.00 MB │",
        "│ b-drop0-fp16-20261… completed      0 16-bit             0.800   0.960           0.625   68.00 MB │",
        "│ c-drop1-w4-2026112… incomplete     1 awq 4-bit g32      2.640   2.970               –   68.00 MB │",
        "╰───────────────────────────────────────────────────────────────────────────────────────────── 1/3 ╯",
        "╭ Training loss ───────────────────────────────────────────╮╭ Dropped blocks ──────────────────────╮",
        "│━━ a-drop2-w4-202611…  ━━ b-drop0-fp16-2026…  ━━ c-drop1-w││ a-drop2-w4-20261129-100000           │",
        "│3.19│⠑⠢⢄⡀                                                 ││   3, 7                               │",
        "│    │   ⠈⠑⠢⣀                                              ││ b-drop0-fp16-20261129-101000         │",
        "│    │⠑⠢⢄⡀   ⠉⠒⠤⣀                                          ││   none                               │",
        "│    │   ⠈⠑⠢⣀    ⠑⠢⢄⡀                                      ││ c-drop1-w4-20261129-102000           │",
        "│    │       ⠉⠒⠢⢄⡀                                         ││   5                                  │",
        "│    │           ⠈⠑⠢⢄⡀                                     ││                                      │",
        "│    │⠑⠢⢄⣀           ⠈⠑⠤⣀                                  ││                                      │",
        "│    │    ⠉⠒⠢⠤⣀⡀         ⠉⠒⠤⣀                              ││                                      │",
        "│   2│         ⠈⠑⠢⢄⡀         ⠉⠑⠢⢄⡀                         ││                                      │",
        "│    │             ⠈⠉⠒⠤⢄⣀        ⠈⠒⠤⣀                      ││                                      │",
        "│    │                   ⠉⠑⠢⢄⡀       ⠉⠒⢄⡀                  ││                                      │",
        "│    │                       ⠈⠑⠒⠤⣀⡀     ⠈⠑⠒⠤⣀              ││                                      │",
        "│    │                            ⠈⠉⠒⠢⢄⡀     ⠉⠒⠤⣀          ││                                      │",
        "│    │                                 ⠈⠑⠢⠤⣀     ⠉⠢⢄⡀      ││                                      │",
        "│    │                                      ⠉⠑⠒⠤⢄⡀  ⠈⠑⠢⢄⡀  ││                                      │",
        "│    │                                           ⠈⠑⠢⢄⣀  ⠈⠉⠒││                                      │",
        "│ 0.8│                                                ⠉⠒⠢⠤⣀││                                      │",
        "│    └─────────────────────────────────────────────────────││                                      │",
        "│     1                       10.5                       20││                                      │",
        "╰──────────────────────────────────────────────────────────╯╰──────────────────────────────────────╯",
        "j/↓ move  r reload  / filter  Tab next  ? help  :/Ctrl-P commands  t theme  q quit",
        ])
    }

    @Test func threeRunsAtTheMinimumSize() throws {
        let store = try makeStore()
        defer { try? FileManager.default.removeItem(at: store) }
        try expectScreen(compareState(store, width: 60, height: 16), [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare",
        "╭ Runs in runs ────────────────────────────────────────────╮",
        "│ run                     status      drop    loss     val │",
        "│ a-drop2-w4-20261129-10… completed      2   1.000   1.200 │",
        "│ b-drop0-fp16-20261129-… completed      0   0.800   0.960 │",
        "│ c-drop1-w4-20261129-10… incomplete     1   2.640   2.970 │",
        "╰───────────────────────────────────────────────────── 1/3 ╯",
        "╭ Training loss ───────────────────╮╭ Dropped blocks ──────╮",
        "│━━ a-drop2-w4-202611…  ━━ b-drop0-││ a-drop2-w4-20261129- │",
        "│3.19│⠛⠶⠶⠶⣤⣤⣤⣀                     ││ 100000               │",
        "│    │⠉⠉⠑⠒⠒⠒⠒⠭⠭⠭⣒⣒⣒⣒⡢⠤⠤⢄⣀⣀⡀        ││   3, 7               │",
        "│ 0.8│              ⠈⠉⠉⠉⠉⠒⠚⠛⠭⠵⠶⠶⢦⣤⣤││ b-drop0-fp16-2026112 │",
        "│    └─────────────────────────────││ 9-101000             │",
        "│     1           10.5           20││   none               │",
        "╰──────────────────────────────────╯╰──────────────────────╯",
        "j/↓ move  r reload  / filter  Tab next  ? help  …",
        ])
    }

    @Test func aBrokenEventLogIsShownNotFatal() throws {
        let store = try makeStore()
        defer { try? FileManager.default.removeItem(at: store) }
        let bad = store.appendingPathComponent("d-broken")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try "{\"v\":1}\nnot json\n".write(to: bad.appendingPathComponent("events.jsonl"), atomically: true, encoding: .utf8)
        let state = press([.character("j"), .character("j"), .character("j")], on: compareState(store)).0
        #expect(state.runs.last?.status == "unreadable")
        #expect(state.runSelection == 3)
        #expect(try screen(state).joined(separator: "\n").contains("events.jsonl:1:"))
    }
}

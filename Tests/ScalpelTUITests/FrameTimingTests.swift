import Foundation
import ScalpelEngine
import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// Frame render time at 200×60 for each screen and in-process keystroke-to-frame time (reduce, render,
/// diff against the previous frame): printed, not asserted (numbers depend on the machine; the budget is
/// a frame well under 16 ms). Recorded in docs/benchmarks.md ("Workbench").
@Suite struct FrameTimingTests {
    /// Milliseconds per call of `body`, the median of `rounds` rounds of `iterations` calls.
    func median(rounds: Int = 5, iterations: Int = 20, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<rounds {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<iterations { try body() }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(iterations))
        }
        return times.sorted()[rounds / 2]
    }

    /// A workbench with everything filled: 30 scored blocks, a live run of 200 steps, three runs to compare.
    func fullState(_ screen: Screen) -> AppState {
        var state = scoredSmolState(width: 200, height: 60)
        state.layers.marked = [3, 7, 11]
        state = reduce(state, .engineStarted(.run, pid: 1, log: "/l", recipe: nil)).0
        for event in cannedRun("bench", steps: 200, finished: false) { state = reduce(state, .engineOutput(.run, .event(event))).0 }
        var runs: [RunRecord] = []
        for (i, id) in ["a", "b", "c"].enumerated() {
            var p = RunProgress()
            for event in cannedRun(id, steps: 100, lossScale: 1 + 0.1 * Double(i)) { p.apply(event) }
            runs.append(RunRecord(id: id, path: "/r/\(id)", progress: p, dropped: [i, i + 4], quantization: "awq 4-bit g128"))
        }
        state = reduce(state, .runsLoaded(runs)).0
        state.screen = screen
        return state
    }

    @Test func frameAndKeystrokeTimesAt200x60() throws {
        var report = ["workbench frame times at 200×60 (median ms; full redraw = render into a fresh buffer + diff of every cell):"]
        for screen in Screen.allCases {
            let state = fullState(screen)
            var terminal = try Terminal(backend: TestBackend(width: 200, height: 60), theme: state.theme)
            let full = try median {
                try terminal.clear()
                _ = try terminal.draw { WorkbenchView.render(state, into: &$0) }
            }
            let unchanged = try median { _ = try terminal.draw { WorkbenchView.render(state, into: &$0) } }
            report.append("  \(screen.title.padded(toWidth: 9)) full \(NumberFormat.fixed(full, decimals: 2)) ms · unchanged frame \(NumberFormat.fixed(unchanged, decimals: 2)) ms")
        }
        // A keystroke: reduce the key, render, diff, on the screens where keys change the most.
        for (screen, key) in [(Screen.layers, Key.character(" ")), (.layers, .character("j")), (.quantize, .character("l"))] {
            var state = fullState(screen)
            var terminal = try Terminal(backend: TestBackend(width: 200, height: 60), theme: state.theme)
            _ = try terminal.draw { WorkbenchView.render(state, into: &$0) }
            let ms = try median {
                state = reduce(state, .key(key)).0
                _ = try terminal.draw { WorkbenchView.render(state, into: &$0) }
            }
            report.append("  key \(key.displayName.padded(toWidth: 5)) on \(screen.title.padded(toWidth: 8)) reduce + frame \(NumberFormat.fixed(ms, decimals: 2)) ms")
        }
        print(report.joined(separator: "\n"))
    }
}

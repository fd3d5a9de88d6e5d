import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelEngine

/// The human-readable side of runs: the console progress display and `scalpel compare`'s table.
@Suite("Run reporting")
struct RunReportingTests {
    final class Output: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ s: String) { lock.lock(); text += s; lock.unlock() }
        var value: String { lock.lock(); defer { lock.unlock() }; return text }
    }

    @Test("console progress: stage list, a finished bar with the latest loss, metrics, errors, done")
    func console() {
        let out = Output()
        let console = ConsoleProgress(interactive: false) { out.append($0) }
        let events: [(Double, EventPayload)] = [
            (0, .hello(engine: "scalpel", version: "0.1.0", backend: "swift", capabilities: [])),
            (1, .stage(name: "sft", index: 2, count: 7, state: .started)),
            (2, .loss(step: 1, loss: 2.5, lr: 1e-3, tokensPerSecond: 100)),
            (2, .progress(stage: "sft", done: 1, total: 2, unit: "steps", rate: 1)),
            (3, .loss(step: 2, loss: 2.25, lr: 1e-3, tokensPerSecond: 100)),
            (3, .progress(stage: "sft", done: 2, total: 2, unit: "steps", rate: 1)),
            (3.5, .metric(name: "loss", value: 2.4, split: "val", step: 2)),
            (4, .stage(name: "sft", index: 2, count: 7, state: .completed)),
            (5, .metric(name: "accuracy", value: 0.75, split: "test", step: nil)),
            (6, .error(code: "x_failed", message: "broke", hint: "fix it")),
            (70, .done(status: .failed, summary: .object([:]))),
        ]
        for (t, p) in events { console.handle(EngineEvent(time: t, run: "r-1", payload: p)) }
        #expect(out.value == """
        run r-1 (scalpel 0.1.0, swift backend)
        [3/7] sft …
          [########################] 2/2 steps  loss 2.2500
          validation loss 2.4000 at step 2
        [3/7] sft done in 3.0 s
          accuracy on test: 0.7500
        error [x_failed]: broke (fix it)
        run r-1 failed after 1 min 10 s

        """)
        #expect(ConsoleProgress.size(1536) == "1.5 KiB" && ConsoleProgress.size(12) == "12 B")
        #expect(ConsoleProgress.duration(7384) == "2 h 03 min")
    }

    @Test("compare: one column per run, rows for blocks, memory, sizes, each metric per set, stage times, loss")
    func comparisonTable() throws {
        func summary(_ id: String, kept: Int, dropped: [Int], accuracy: Double, loss: Double?) -> JSONValue {
            .object([
                "run": .string(id), "status": .string("completed"),
                "blocks": .object(["total": .int(12), "kept": .int(kept), "dropped": .array(dropped.map(JSONValue.int))]),
                "params": .int(2_694_000), "memory": .object(["estimate": .object(["total": .int(8_700_000), "weights": .int(3_000_000)]),
                                                              "measured_peak_rss": .int(88_000_000)]),
                "files": .object(["gguf": .int(1_153_434)]),
                "metrics": .object(["synthderm-test": .object(["accuracy": .double(accuracy)])]),
                "stages": .object(["sft": .object(["state": .string("completed"), "seconds": .double(35.1)]),
                                   "prune": .object(["state": .string("skipped"), "seconds": .null])]),
                "final_loss": loss.map(JSONValue.double) ?? .null, "seconds": .double(61),
            ])
        }
        let comparison = RunComparison(entries: [
            .init(id: "a", summary: summary("a", kept: 9, dropped: [7, 9, 11], accuracy: 0.5, loss: 1.84379)),
            .init(id: "baseline", summary: summary("baseline", kept: 12, dropped: [], accuracy: 0.625, loss: nil)),
        ])
        let rows = Dictionary(uniqueKeysWithValues: comparison.rows.map { ($0.label, $0.cells) })
        #expect(rows["blocks kept"] == ["9/12", "12/12"])
        #expect(rows["blocks dropped"] == ["7,9,11", "none"])
        #expect(rows["accuracy (synthderm-test)"] == ["0.5000", "0.6250"])
        #expect(rows["file size (gguf)"] == ["1.1 MiB", "1.1 MiB"])
        #expect(rows["time sft"] == ["35.1 s", "35.1 s"] && rows["time prune"] == ["skipped", "skipped"])
        #expect(rows["time quantize"] == ["—", "—"])
        #expect(rows["final loss"] == ["1.8438", "—"])
        let table = comparison.table().split(separator: "\n").map(String.init)
        // Right-aligned columns as wide as their widest cell ("1 min 01 s"): every line has the same length.
        #expect(table.first?.hasSuffix("         a    baseline") == true)
        #expect(table.contains { $0.hasPrefix("blocks kept") && $0.hasSuffix("      9/12       12/12") })
        #expect(Set(table.map(\.count)).count == 1)
        #expect(comparison.json["runs"]?.array?.count == 2)
    }
}

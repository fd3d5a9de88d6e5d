import Foundation
import ScalpelEngine
import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// The engine backend of the next run: `b` on the Run screen, the recipe's `backend`, `scalpel run
/// --backend`, and a run on the torch backend streaming into the Run screen like any other.
@Suite struct RunBackendTests {
    func runState() -> AppState {
        var state = makeState()
        let files = RunScreenTests.files
        state.context = WorkbenchContext(modelPath: "\(files)/llama", calibrationPath: "\(files)/cal.json",
                                         trainingDataPath: "\(files)/train.json", evaluationPath: "\(files)/test.json",
                                         runsDirectory: "/r", estimator: tinyEstimator)
        state.quant.groupSize = 32
        state.screen = .run
        return state
    }

    @Test func bCyclesTheBackendAndTheRunScreenSaysWhich() throws {
        var state = runState()
        #expect(state.backend == .swift)
        #expect(try screen(state)[1] == "r launches: drop 0 · AWQ 4-bit g32 · 20 SFT steps · swift engine (+/- steps, b engine)")
        state = press([.character("b")], on: state).0
        #expect(state.backend == .torch)
        #expect(try screen(state)[1] == "r launches: drop 0 · AWQ 4-bit g32 · 20 SFT steps · torch engine (+/- steps, b engine)")
        #expect(try screen(state).last == "r launch  c cancel  b backend  + steps  Tab next  ? help  :/Ctrl-P commands  t theme  q quit")
        state = press([.character("b")], on: state).0
        #expect(state.backend == .swift)
    }

    @Test func theChoiceIsRecordedInTheRecipeDraft() throws {
        let state = press([.character("b")], on: runState()).0
        let (next, effects) = press([.character("r")], on: state)
        guard case .startRun(let draft)? = effects.first else {
            Issue.record("expected a run to start, got \(effects)")
            return
        }
        #expect(draft.backend == .torch)
        #expect(draft.name == "llama-fp32-wb1-drop0-w4-torch")
        #expect(next.run.logs == ["launching llama-fp32-wb1-drop0-w4-torch on the torch engine"])
        #expect(draft.yaml.split(separator: "\n").contains("backend: torch"))
        let (recipe, diagnostics) = Recipe.check(text: draft.yaml, path: "/r/.workbench/x.yaml", checkModel: false)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(recipe?.backend == .torch)

        guard case .startRun(let swiftDraft)? = press([.character("r")], on: runState()).1.first else {
            Issue.record("expected a run to start")
            return
        }
        #expect(swiftDraft.backend == .swift && Recipe.check(text: swiftDraft.yaml, path: "/r/x.yaml", checkModel: false).recipe?.backend == .swift)
    }

    @Test func theBackendReachesTheEngineCommandLine() {
        let supervisor = EngineSupervisor(context: WorkbenchContext(runsDirectory: "/r", engineArguments: ["--quiet"]))
        #expect(supervisor.arguments(run: "/r/x.yaml", backend: .torch)
                == ["--quiet", "run", "/r/x.yaml", "--backend", "torch", "--events", "-", "--runs-dir", "/r"])
        #expect(supervisor.arguments(run: "/r/x.yaml", backend: .swift)
                == ["--quiet", "run", "/r/x.yaml", "--backend", "swift", "--events", "-", "--runs-dir", "/r"])
    }

    /// A child started for a torch draft gets `--backend torch`, and its stream (a `hello` naming the torch
    /// backend, losses, progress) fills the Run screen as the Swift engine's does.
    @Test func aTorchRunStreamsIntoTheRunScreen() throws {
        let scratch = FakeEngine.scratch("backend")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let engine = try FakeEngine.install(in: scratch)
        var state = press([.character("b")], on: runState()).0
        state.context.runsDirectory = scratch.appendingPathComponent("runs").path
        state.context.engineExecutable = engine
        var effects: [Effect]
        (state, effects) = press([.character("r")], on: state)
        var supervisor = EngineSupervisor(context: state.context)
        var actions = effects.flatMap { supervisor.perform($0) }
        let deadline = Date().addingTimeInterval(30)
        var ended = false
        while !ended && Date() < deadline {
            for action in actions {
                let (next, more) = reduce(state, action)
                state = next
                if case .engineOutput(_, .exited) = action { ended = true }
                #expect(!more.contains { if case .startRun = $0 { true } else { false } })
            }
            actions = supervisor.drain()
            if actions.isEmpty { Thread.sleep(forTimeInterval: 0.01) }
        }
        #expect(ended, "the child ended")
        #expect(state.run.status == .finished)
        #expect(state.run.backend == "torch")
        #expect(state.run.trainLoss.count == 20 && state.run.trainLoss.last?.x == 20)
        let log = try String(contentsOfFile: try #require(state.run.logPath), encoding: .utf8)
        #expect(log.contains(" --backend torch --events - --runs-dir "), "the engine's command line: \(log)")
        let rows = try screen(state)
        #expect(rows.contains { $0.contains("Loss · 1.6000 at step 20") })
        #expect(state.run.logs.contains("engine fake 0 (torch)"))
    }
}

import Foundation
import ScalpelEngine
import ScalpelTerm
import Testing
@testable import ScalpelTUI

/// The canned events of a short run: three stages, `steps` optimizer steps with a validation loss every
/// 5, memory, an accuracy, and `done` unless `finished` is false.
func cannedRun(_ id: String, steps: Int, finished: Bool = true, lossScale: Double = 1) -> [EngineEvent] {
    var t = 0.0
    func e(_ p: EventPayload) -> EngineEvent {
        t += 0.25
        return EngineEvent(time: t, run: id, payload: p)
    }
    var events = [e(.hello(engine: "scalpel", version: "0.1.0", backend: "swift", capabilities: [])),
                  e(.stage(name: "prune", index: 0, count: 3, state: .started)),
                  e(.stage(name: "prune", index: 0, count: 3, state: .completed)),
                  e(.stage(name: "sft", index: 1, count: 3, state: .started))]
    for s in 1...steps {
        events.append(e(.loss(step: s, loss: lossScale * (3 - 0.1 * Double(s)), lr: 2e-4, tokensPerSecond: 1500)))
        events.append(e(.progress(stage: "sft", done: s, total: 20, unit: "steps", rate: 4)))
        if s % 5 == 0 { events.append(e(.metric(name: "loss", value: lossScale * (3.2 - 0.1 * Double(s)), split: "val", step: s))) }
    }
    events.append(e(.memory(rss: 123_456_789, peak: 150_000_000, estimate: ["weights": 60_000_000, "kv_cache": 8_000_000])))
    events.append(e(.log(level: .warning, message: "gradient norm clipped")))
    guard finished else { return events }
    events += [e(.stage(name: "sft", index: 1, count: 3, state: .completed)),
               e(.stage(name: "quantize", index: 2, count: 3, state: .skipped)),
               e(.metric(name: "accuracy", value: 0.625, split: "test", step: nil)),
               e(.done(status: .completed, summary: .object([:])))]
    return events
}

/// The Run screen: written recipe, launch, the live stream folded in, cancel and crash.
@Suite struct RunScreenTests {
    /// A folder with a model folder and data files, so recipes written for it pass the loader's path checks.
    static let files: String = {
        let dir = FakeEngine.scratch("recipe-files")
        try? FileManager.default.createDirectory(at: dir.appendingPathComponent("llama"), withIntermediateDirectories: true)
        for name in ["cal.json", "train.json", "test.json"] {
            try? "[]".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return dir.path
    }()

    func runState(width: Int = 100, height: Int = 30, files: String = "/m") -> AppState {
        var state = makeState(width: width, height: height)
        state.context = WorkbenchContext(modelPath: "\(files)/llama", calibrationPath: "\(files)/cal.json",
                                         trainingDataPath: "\(files)/train.json", evaluationPath: "\(files)/test.json",
                                         runsDirectory: "/r", estimator: tinyEstimator)
        state.screen = .run
        return state
    }

    func live(_ state: AppState, steps: Int, finished: Bool = false) -> AppState {
        var s = reduce(state, .engineStarted(.run, pid: 4242, log: "/r/.workbench/x.log", recipe: "/r/.workbench/x.yaml")).0
        for event in cannedRun("llama-wb1-20261129-101500", steps: steps, finished: finished) {
            s = reduce(s, .engineOutput(.run, .event(event))).0
        }
        s.notice = nil
        return s
    }

    @Test func beforeLaunchAt100x30() throws {
        try expectScreen(runState(), [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "r launches: drop 0 · AWQ 4-bit g32 · 20 SFT steps · swift engine (+/- steps, b engine)",
        "╭ Stages ───────────────────────╮╭ Progress ───────────────────────────────────────────────────────╮",
        "│ none yet                      ││ no progress yet                                                 │",
        "╰───────────────────────────────╯│                                                                 │",
        "╭ Now ──────────────────────────╮╰─────────────────────────────────────────────────────────────────╯",
        "│ step                        – │╭ Loss ───────────────────────────────────────────────────────────╮",
        "│ loss                        – ││the curve appears with the first optimizer step                  │",
        "│ val loss                    – ││                                                                 │",
        "│ lr                          – ││                                                                 │",
        "│ tokens/s                    – ││                                                                 │",
        "│ RSS                         – ││                                                                 │",
        "│ peak RSS                    – ││                                                                 │",
        "│ deploy est.                 – ││                                                                 │",
        "│                               ││                                                                 │",
        "│                               ││                                                                 │",
        "│                               ││                                                                 │",
        "│                               ││                                                                 │",
        "│                               ││                                                                 │",
        "│                               ││                                                                 │",
        "│                               ││                                                                 │",
        "╰───────────────────────────────╯╰─────────────────────────────────────────────────────────────────╯",
        "╭ Log ─────────────────────────────────────────────────────────────────────────────────────────────╮",
        "│                                                                                                  │",
        "│                                                                                                  │",
        "│                                                                                                  │",
        "│                                                                                                  │",
        "│                                                                                                  │",
        "╰──────────────────────────────────────────────────────────────────────────────────────────────────╯",
        "r launch  c cancel  b backend  + steps  Tab next  ? help  :/Ctrl-P commands  t theme  q quit",
        ])
    }

    @Test func aLiveRunAt100x30() throws {
        try expectScreen(live(runState(), steps: 12), [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare                                     llama-fp32",
        "running 0:08 · engine pid 4242 (swift) · llama-wb1-20261129-101500",
        "╭ Stages ───────────────────────╮╭ Progress ───────────────────────────────────────────────────────╮",
        "│ ✓ prune                       ││ sft · stage 2/3 · 4 steps/s                                     │",
        "│ ▶ sft                         ││ █████████████████12/20 steps (60%) · ETA 0:02                   │",
        "│ ○ …                           │╰─────────────────────────────────────────────────────────────────╯",
        "╰───────────────────────────────╯╭ Loss · 1.8000 at step 12 ───────────────────────────────────────╮",
        "╭ Now ──────────────────────────╮│                                                 ━━ train  ━━ val│",
        "│ step                       12 ││ 2.9│⠉⠒⠢⢄⣀                                                       │",
        "│ loss                   1.8000 ││    │     ⠉⠑⠒⠤⣀⡀                                                 │",
        "│ val loss               2.2000 ││    │          ⠈⠉⠒⠤⢄⡀     ⠈⠑⠒⠤⢄⡀                                 │",
        "│ lr                       2e-4 ││    │               ⠈⠉⠒⠢⢄⣀     ⠈⠉⠒⠢⠤⣀⡀                           │",
        "│ tokens/s                 1500 ││    │                     ⠉⠑⠒⠤⣀⡀     ⠈⠉⠒⠤⢄⣀                      │",
        "│ RSS                 123.46 MB ││2.35│                          ⠈⠉⠒⠒⠤⠤⣀⡀    ⠉⠑⠒⠤⢄⣀                │",
        "│ peak RSS            150.00 MB ││    │                                 ⠈⠉⠒⠤⢄⣀     ⠉⠒⠢⠤⣀           │",
        "│ deploy est.          68.00 MB ││    │                                       ⠉⠑⠢⠤⣀⡀               │",
        "│                               ││    │                                            ⠈⠑⠒⠤⣀⡀          │",
        "│                               ││    │                                                 ⠈⠉⠒⠤⢄⣀     │",
        "│                               ││ 1.8│                                                       ⠉⠑⠢⠤⣀│",
        "│                               ││    └────────────────────────────────────────────────────────────│",
        "│                               ││     1                           6.5                           12│",
        "╰───────────────────────────────╯╰─────────────────────────────────────────────────────────────────╯",
        "╭ Log ─────────────────────────────────────────────────────────────────────────────────────────────╮",
        "│ recipe: /r/.workbench/x.yaml                                                                     │",
        "│ engine pid 4242; its messages go to /r/.workbench/x.log                                          │",
        "│ engine scalpel 0.1.0 (swift)                                                                     │",
        "│ stage prune completed                                                                            │",
        "│ warning: gradient norm clipped                                                                   │",
        "╰──────────────────────────────────────────────────────────────────────────────────────────────────╯",
        "r launch  c cancel  b backend  + steps  Tab next  ? help  :/Ctrl-P commands  t theme  q quit",
        ])
    }

    @Test func aLiveRunAtTheMinimumSize() throws {
        try expectScreen(live(runState(width: 60, height: 16), steps: 12), [
        " 1 Model │ 2 Layers │ 3 Quantize │ 4 Run │ 5 Compare",
        "running 0:08 · engine pid 4242 (swift) · llama-wb1-20261129-",
        "╭ Stages ──────────────╮╭ Progress ────────────────────────╮",
        "│ ✓ prune              ││ sft · stage 2/3 · 4 steps/s      │",
        "│ ▶ sft                ││ ██12/20 steps (60%) · ETA 0:02   │",
        "│ ○ …                  │╰──────────────────────────────────╯",
        "╰──────────────────────╯╭ Loss · 1.8000 at step 12 ────────╮",
        "╭ Now ─────────────────╮│                  ━━ train  ━━ val│",
        "│ step              12 ││2.9│⠉⠉⠉⠉⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠶⠶⠦⠤⠤⠤⠤⠤⠤⠤⢄⣀⣀⣀⣀│",
        "│ loss          1.8000 ││   └──────────────────────────────│",
        "│ val loss      2.2000 ││    1            6.5            12│",
        "╰──────────────────────╯╰──────────────────────────────────╯",
        "╭ Log ─────────────────────────────────────────────────────╮",
        "│ warning: gradient norm clipped                           │",
        "╰──────────────────────────────────────────────────────────╯",
        "r launch  c cancel  b backend  + steps  Tab next  ? help  …",
        ])
    }

    @Test func launchingWritesARecipeFromTheChoicesThatTheRecipeLoaderAccepts() throws {
        let m = Self.files
        var state = runState(files: m)
        state.layers.marked = [1]
        state.quant.method = "rtn"
        state.quant.bits = 4
        state.quant.groupSize = 32
        state = press([.character("+"), .character("+")], on: state).0
        let (next, effects) = press([.character("r")], on: state)
        guard case .startRun(let draft)? = effects.first else {
            Issue.record("expected a run to start, got \(effects)")
            return
        }
        #expect(next.run.logs == ["launching llama-fp32-wb1-drop1-w4 on the swift engine"])
        #expect(draft.dropped == [1] && draft.steps == 22)
        let (recipe, diagnostics) = Recipe.check(text: draft.yaml, path: "/r/.workbench/x.yaml", checkModel: false)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let r = try #require(recipe)
        #expect(r.model == "\(m)/llama")
        #expect(r.prune == Recipe.Prune(selection: .blocks([1])))
        #expect(r.sft?.steps == 22 && r.sft?.data == "\(m)/train.json")
        #expect(r.quantize?.scheme.bits == 4 && r.quantize?.scheme.groupSize == 32)
        #expect(r.quantize?.keepFP16 == ["embed_tokens", "lm_head", "vision_tower", "projector"])
        #expect(r.evaluations.map(\.data) == ["\(m)/test.json"])
        #expect(r.calibration == nil, "RTN needs no calibration")
    }

    @Test func awqWritesCalibration() throws {
        var state = runState(files: Self.files)
        state.quant.groupSize = 32
        let (_, effects) = press([.character("r")], on: state)
        guard case .startRun(let draft)? = effects.first else {
            Issue.record("expected a run to start")
            return
        }
        let (recipe, diagnostics) = Recipe.check(text: draft.yaml, path: "/r/x.yaml", checkModel: false)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(recipe?.calibration?.domain == "\(Self.files)/cal.json")
        #expect(recipe?.quantize?.method.rawValue == "awq")
    }

    @Test func progressEtaAndNumbersFollowTheEvents() throws {
        let state = live(runState(), steps: 12)
        #expect(state.run.stages.map(\.name) == ["prune", "sft", ""], "the third stage is known by its count only")
        #expect(state.run.currentProgress?.eta == 2)
        #expect(state.run.learningRate == 2e-4 && state.run.tokensPerSecond == 1500)
        #expect(state.run.deployBytes == 68_000_000)
        let text = try screen(state).joined(separator: "\n")
        #expect(text.contains("sft · stage 2/3 · 4 steps/s"))
        #expect(text.contains("12/20 steps (60%) · ETA 0:02"))
        let lines = try screen(state)
        #expect(lines.contains { $0.contains("│ RSS ") && $0.contains(" 123.46 MB │") })
        #expect(lines.contains { $0.contains("│ deploy est. ") && $0.contains(" 68.00 MB │") })
        #expect(text.contains("warning: gradient norm clipped"))
    }

    @Test func cancelAsksFirstThenCancelsTheChild() {
        let state = live(runState(), steps: 3)
        let (asking, none) = press([.character("c")], on: state)
        #expect(asking.overlay == .confirm(.cancel) && none.isEmpty)
        let (_, no) = press([.character("n")], on: asking)
        #expect(no.isEmpty)
        let (_, yes) = press([.character("y")], on: asking)
        #expect(yes == [.cancel(.run)])
        let ended = reduce(asking, .engineOutput(.run, .exited(EngineExit(code: nil, signal: SIGINT, cancelled: true)))).0
        #expect(ended.run.status == .cancelled)
    }

    @Test func quitConfirmsWhileARunIsLive() {
        let state = live(runState(), steps: 3)
        let (asking, none) = press([.character("q")], on: state)
        #expect(asking.overlay == .confirm(.quit) && none.isEmpty)
        #expect(press([.escape], on: asking).0.overlay == .none)
        #expect(press([.character("y")], on: asking).1 == [.cancel(.run), .quit])
        let done = reduce(state, .engineOutput(.run, .exited(EngineExit(code: 0, signal: nil)))).0
        #expect(press([.character("q")], on: done).1 == [.quit])
    }

    @Test func anEngineThatExitsWithoutDoneFailsTheRun() {
        let state = live(runState(), steps: 3)
        let (ended, effects) = reduce(state, .engineOutput(.run, .exited(EngineExit(code: 1, signal: nil))))
        #expect(ended.run.status == .failed("the engine failed: exit status 1"))
        #expect(ended.notice?.message == "Run: the engine failed: exit status 1 (log: /r/.workbench/x.log)")
        #expect(effects == [.loadRuns])
    }
}

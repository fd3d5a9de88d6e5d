import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelEngine

/// Whole runs on the tiny LLaVA fixture: the event stream, the run folder, failures, resume, cancellation.
@Suite("Run pipeline")
struct RunPipelineTests {
    static func started(_ events: [EngineEvent]) -> [String] {
        events.compactMap { e in
            if case .stage(let name, _, _, .started) = e.payload { return name }
            return nil
        }
    }

    @Test("a full run: a conforming stream with every event kind, every stage folder, metrics and summary")
    func fullRun() throws {
        let fixture = try RunFixture()
        defer { fixture.remove() }
        let recipe = try fixture.load(fixture.recipe())
        let collector = LineCollector()
        let runner = try PipelineRunner.create(recipe: recipe, store: fixture.store, sinks: [collector.sink])
        #expect(runner.run() == .completed)
        let problems = EventStreamValidator.problems(lines: collector.lines)
        #expect(problems.isEmpty, "\(problems)")
        // The log file holds exactly the streamed lines.
        let logged = try EventLog.read(path: runner.folder.eventsPath)
        #expect(logged.map { $0.jsonLine() } == collector.lines)
        let events = collector.events
        #expect(events.first?.type == "hello")
        #expect(Self.started(events) == ["importance", "prune", "sft", "quantize", "baseline_eval", "eval", "export"])
        let types = Set(events.map(\.type))
        for type in ["hello", "stage", "progress", "memory", "importance", "metric", "artifact", "loss", "done"] {
            #expect(types.contains(type), "no \(type) event")
        }
        // Block influence per block and token class: the fixture's sequences hold image and text tokens.
        let classes = Set(events.compactMap { e -> TokenClass? in
            if case .importance(_, "block_influence", _, let c) = e.payload { return c }
            return nil
        })
        #expect(classes == [.all, .image, .text])
        let losses = events.compactMap { e -> Int? in if case .loss(let step, _, _, _) = e.payload { return step }; return nil }
        #expect(losses == Array(1...6))
        let validation = events.compactMap { e -> Int? in
            if case .metric("loss", _, "val", let step) = e.payload { return step }
            return nil
        }
        #expect(validation == [3, 6])
        if case .memory(_, _, let estimate)? = events.last(where: { $0.type == "memory" })?.payload {
            #expect(estimate["total"] ?? 0 > 0 && estimate["kv_cache"] ?? 0 > 0 && estimate["decoder_linears"] ?? 0 > 0)
        } else {
            Issue.record("no memory event")
        }
        guard case .done(.completed, let summary)? = events.last?.payload else {
            Issue.record("the last event is not done/completed")
            return
        }
        // Run folder: every stage committed, nothing partial, state and summary agree with the stream.
        let names = try FileManager.default.contentsOfDirectory(atPath: runner.folder.path).sorted()
        #expect(names == ["01-importance", "02-prune", "03-sft", "04-quantize", "05-baseline_eval", "06-eval", "07-export",
                          "events.jsonl", "lock", "metrics.json", "recipe.yaml", "state.json", "summary.json"])
        let state = try runner.folder.readState()
        #expect(state.status == .completed && state.stages.count == 7)
        let onDisk = try JSONValue.parse(try Data(contentsOf: URL(fileURLWithPath: runner.folder.summaryPath)), file: "summary")
        #expect(onDisk == summary)
        #expect(summary["blocks"]?["kept"]?.int == 1)
        #expect(summary["blocks"]?["dropped"]?.array?.count == 1)
        #expect(summary["metrics"]?["test"]?["accuracy"]?.double != nil)
        #expect(summary["metrics"]?["baseline/test"]?["accuracy"]?.double != nil)
        #expect(summary["final_loss"]?.double != nil)
        #expect((summary["files"]?["hf"]?.int ?? 0) > 0)
        #expect((summary["params"]?.int ?? 0) > 0)
        // The chosen block is the one block influence ranks lowest.
        let importance = try JSONValue.read(contentsOf: URL(fileURLWithPath: runner.folder.path + "/01-importance/importance.json"))
        #expect(importance["order"]?["block_influence"]?.array?.first?.int == summary["blocks"]?["dropped"]?.array?.first?.int)
        // The recipe copy reads back to the same recipe.
        let copy = Recipe.check(path: runner.folder.recipePath)
        #expect(copy.diagnostics.isEmpty && copy.recipe?.yamlText() == recipe.yamlText())
        // The final model has one block: its config says so.
        let config = try JSONValue.read(contentsOf: URL(fileURLWithPath: runner.folder.path + "/07-export/hf/config.json"))
        #expect(config["text_config"]?["num_hidden_layers"]?.int == 1)
    }

    @Test("a stage that throws: error (code, message, hint), the stage failed, done failed, state failed")
    func failingStage() throws {
        let fixture = try RunFixture()
        defer { fixture.remove() }
        let collector = LineCollector()
        let runner = try PipelineRunner.create(recipe: try fixture.load(fixture.recipe()), store: fixture.store, sinks: [collector.sink])
        runner.beforeStage = { stage in
            if stage == .quantize { throw StageError(code: "test_failure", "quantize broke on purpose", hint: "do not break it") }
        }
        #expect(runner.run() == .failed)
        let events = collector.events
        #expect(EventStreamValidator.problems(events: events).isEmpty)
        let tail = events.suffix(3).map(\.payload)
        #expect(tail[0] == .error(code: "test_failure", message: "quantize broke on purpose", hint: "do not break it"))
        #expect(tail[1] == .stage(name: "quantize", index: 3, count: 7, state: .failed))
        guard case .done(.failed, _) = tail[2] else { Issue.record("no done/failed"); return }
        #expect(try runner.folder.readState().status == .failed)
        #expect(try fixture.store.list().map(\.status) == [.failed])
        // An error that is not a StageError gets the stage's code.
        let other = try PipelineRunner.create(recipe: try fixture.load(fixture.recipe(name: "other")), store: fixture.store)
        struct Broken: Error, CustomStringConvertible { var description: String { "no disk" } }
        other.beforeStage = { if $0 == .prune { throw Broken() } }
        #expect(other.run() == .failed)
        let otherEvents = try EventLog.read(path: other.folder.eventsPath)
        #expect(otherEvents.contains { $0.payload == .error(code: "prune_failed", message: "prune: no disk", hint: nil) })
    }

    @Test("resume: completed stages are not redone, the clock continues, the second attempt's stream conforms")
    func resumeSkipsCompletedStages() throws {
        let fixture = try RunFixture()
        defer { fixture.remove() }
        let first = try PipelineRunner.create(recipe: try fixture.load(fixture.recipe()), store: fixture.store)
        first.beforeStage = { if $0 == .quantize { throw StageError(code: "test_failure", "stop here") } }
        #expect(first.run() == .failed)
        let id = first.id
        let firstEvents = try EventLog.read(path: first.folder.eventsPath)
        #expect(Self.started(firstEvents) == ["importance", "prune", "sft", "quantize"])

        let collector = LineCollector()
        let second = try PipelineRunner.resume(id: id, store: fixture.store, sinks: [collector.sink])
        #expect(second.run() == .completed)
        let events = collector.events
        #expect(EventStreamValidator.problems(events: events).isEmpty)
        #expect(Self.started(events) == ["quantize", "baseline_eval", "eval", "export"])
        #expect(events.contains { $0.payload == .stage(name: "sft", index: 2, count: 7, state: .skipped) })
        #expect(!events.contains { $0.type == "loss" })
        #expect(events.first!.time >= firstEvents.last!.time)
        // The whole log: two attempts, time never runs backwards, every stage started at most once per attempt.
        let all = try EventLog.read(path: second.folder.eventsPath)
        #expect(all.count == firstEvents.count + events.count)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.time <= $1.time + 1e-6 })
        let state = try second.folder.readState()
        #expect(state.attempts == 2 && state.status == .completed && state.stages.map(\.name).count == 7)
        #expect(throws: StageError.self) { _ = try PipelineRunner.resume(id: id, store: fixture.store) }
    }

    @Test("cancel during SFT, then resume from its checkpoint: the same final loss and metrics as an uninterrupted run")
    func cancelAndResumeSFT() throws {
        let fixture = try RunFixture()
        defer { fixture.remove() }
        let recipe = try fixture.load(fixture.recipe(steps: 8))
        let straight = try PipelineRunner.create(recipe: recipe, store: fixture.store)
        #expect(straight.run() == .completed)

        let token = CancellationToken()
        let collector = LineCollector()
        let interrupted = try PipelineRunner.create(recipe: recipe, store: fixture.store, sinks: [collector.sink], cancellation: token)
        interrupted.emitter.addListener { event in
            if case .loss(5, _, _, _) = event.payload { token.cancel(reason: "test") }
        }
        #expect(interrupted.run() == .cancelled)
        let events = collector.events
        #expect(EventStreamValidator.problems(events: events).isEmpty)
        guard case .done(.cancelled, _)? = events.last?.payload else { Issue.record("no done/cancelled"); return }
        #expect(events.contains { $0.payload == .stage(name: "sft", index: 2, count: 7, state: .cancelled) })
        let lastStep = events.compactMap { e -> Int? in if case .loss(let s, _, _, _) = e.payload { return s }; return nil }.last
        #expect(lastStep == 5)
        #expect(try interrupted.folder.readState().status == .cancelled)
        #expect(FileManager.default.fileExists(atPath: interrupted.folder.path + "/03-sft.partial/train"))
        #expect(!FileManager.default.fileExists(atPath: interrupted.folder.path + "/03-sft"))

        let resumedEvents = LineCollector()
        let resumed = try PipelineRunner.resume(id: interrupted.id, store: fixture.store, sinks: [resumedEvents.sink])
        #expect(resumed.run() == .completed)
        let steps = resumedEvents.events.compactMap { e -> Int? in if case .loss(let s, _, _, _) = e.payload { return s }; return nil }
        #expect(steps.first ?? 0 > 1, "training restarted from step 1 instead of the checkpoint: \(steps)")
        #expect(steps.last == 8)
        let a = try JSONValue.read(contentsOf: URL(fileURLWithPath: straight.folder.metricsPath))
        let b = try JSONValue.read(contentsOf: URL(fileURLWithPath: resumed.folder.metricsPath))
        #expect(a == b)
        #expect(a["train"]?["final_loss"]?.double != nil)
    }

    @Test("an incomplete artifact folder (partial name) or an unrecorded one is never taken for a finished stage")
    func partialFoldersAreRedone() throws {
        let fixture = try RunFixture()
        defer { fixture.remove() }
        let first = try PipelineRunner.create(recipe: try fixture.load(fixture.recipe()), store: fixture.store)
        first.beforeStage = { if $0 == .sft { throw StageError(code: "test_failure", "stop here") } }
        #expect(first.run() == .failed)
        let fm = FileManager.default
        // A killed quantize left its half-written folder; a crash between rename and state write left an
        // eval folder under its final name that the state does not list.
        for folder in ["04-quantize.partial", "06-eval"] {
            try fm.createDirectory(atPath: first.folder.path + "/" + folder + "/model", withIntermediateDirectories: true)
            try Data("half".utf8).write(to: URL(fileURLWithPath: first.folder.path + "/" + folder + "/junk"))
        }
        let collector = LineCollector()
        let second = try PipelineRunner.resume(id: first.id, store: fixture.store, sinks: [collector.sink])
        #expect(second.run() == .completed)
        #expect(Self.started(collector.events) == ["sft", "quantize", "baseline_eval", "eval", "export"])
        for folder in ["04-quantize", "06-eval"] {
            #expect(!fm.fileExists(atPath: second.folder.path + "/" + folder + "/junk"))
        }
        #expect(!fm.fileExists(atPath: second.folder.path + "/04-quantize.partial"))
        #expect(fm.fileExists(atPath: second.folder.path + "/04-quantize/model/model.safetensors"))
    }
}

import Foundation
import ScalpelCompress
import ScalpelFormats
import ScalpelModels

/// Executes a recipe's stages in order (importance → prune → sft → quantize → baseline eval → eval →
/// export) inside a run folder, streaming events to its sinks (always the run's `events.jsonl`).
///
/// Each stage writes into `<nn>-<stage>.partial/`, renamed when complete and then recorded in
/// `state.json`; a resumed run (`resume`) redoes only stages not recorded, and the SFT stage continues
/// from the checkpoint in its partial folder. `run()` never throws: failures become an `error` event and
/// `done` with status failed; a cancellation (`CancellationToken`) ends the current step and reports
/// `done` with status cancelled.
public final class PipelineRunner: @unchecked Sendable {
    public static let capabilities = ["prune", "sft", "quantize", "eval", "export", "resume", "cancel", "importance"]

    public let recipe: Recipe
    public let folder: RunFolder
    public let emitter: EventEmitter
    public let cancellation: CancellationToken
    public private(set) var state: RunState
    /// Called before each stage that executes (tests use it to make a stage fail).
    public var beforeStage: ((PipelineStage) throws -> Void)?
    var context: PipelineContext
    private let lock: RunLock
    private let resumed: Bool

    private init(recipe: Recipe, folder: RunFolder, state: RunState, lock: RunLock, sinks: [EventSink], elapsed: Double,
                 cancellation: CancellationToken, resumed: Bool) throws {
        self.recipe = recipe
        self.folder = folder
        self.state = state
        self.lock = lock
        self.cancellation = cancellation
        self.resumed = resumed
        let log = try FileEventSink(path: folder.eventsPath)
        emitter = EventEmitter(run: state.id, sinks: [log] + sinks, elapsedAtStart: elapsed)
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.open(recipe.model) } catch {
            throw StageError(code: "model_unreadable", "cannot open the model \(recipe.model): \(error)")
        }
        context = PipelineContext(input: recipe.model, config: checkpoint.config)
    }

    /// A new run of `recipe` (already checked) in `store`: creates its folder with the recipe copy.
    public static func create(recipe: Recipe, store: RunStore, sinks: [EventSink] = [],
                              cancellation: CancellationToken = CancellationToken(), date: Date = Date()) throws -> PipelineRunner {
        let (folder, state) = try store.create(name: recipe.name, recipeText: recipe.yamlText(), date: date)
        let lock = try RunLock(path: folder.lockPath)
        return try PipelineRunner(recipe: recipe, folder: folder, state: state, lock: lock, sinks: sinks, elapsed: 0,
                                  cancellation: cancellation, resumed: false)
    }

    /// Continues run `id` of `store` (interrupted, failed or cancelled) from its recipe copy and state.
    public static func resume(id: String, store: RunStore, sinks: [EventSink] = [],
                              cancellation: CancellationToken = CancellationToken()) throws -> PipelineRunner {
        let folder = try store.open(id)
        let lock = try RunLock(path: folder.lockPath)
        let state = try folder.readState()
        if state.status == .completed {
            throw StageError(code: "run_completed", "run \(state.id) has already completed", hint: "start a new run with `scalpel run RECIPE`")
        }
        let checked = Recipe.check(path: folder.recipePath)
        guard let recipe = checked.recipe, checked.diagnostics.isEmpty else {
            throw StageError(code: "recipe_invalid", "the run's recipe copy no longer checks:\n"
                             + checked.diagnostics.map(\.description).joined(separator: "\n"),
                             hint: "the model or data files it names may have moved")
        }
        let elapsed = try folder.repairEventLog()
        return try PipelineRunner(recipe: recipe, folder: folder, state: state, lock: lock, sinks: sinks, elapsed: elapsed,
                                  cancellation: cancellation, resumed: true)
    }

    public var id: String { state.id }

    // MARK: Running

    /// Runs every stage not yet completed and returns how the run ended.
    @discardableResult
    public func run() -> RunStatus {
        defer { lock.release() }
        emitter.emit(.hello(engine: "scalpel", version: ScalpelEngineVersion.string, backend: recipe.backend.rawValue,
                            capabilities: Self.capabilities))
        if resumed { emitter.emit(.log(level: .info, message: "resuming run \(state.id) (attempt \(state.attempts + 1))")) }
        state.attempts += 1
        state.status = .running
        var current: PipelineStage?
        do {
            try folder.writeState(state)
            emitMemory()
            for stage in PipelineStage.allCases {
                current = stage
                try runStage(stage)
            }
            current = nil
            return finish(.completed)
        } catch let cancelled as RunCancelled {
            if let stage = current {
                emitter.emit(.stage(name: stage.rawValue, index: stage.index, count: PipelineStage.allCases.count, state: .cancelled))
            }
            emitter.emit(.log(level: .warning, message: "run cancelled: \(cancelled.reason)"))
            return finish(.cancelled)
        } catch {
            let failure = Self.stageError(error, stage: current)
            emitter.emit(.error(code: failure.code, message: failure.message, hint: failure.hint))
            if let stage = current {
                emitter.emit(.stage(name: stage.rawValue, index: stage.index, count: PipelineStage.allCases.count, state: .failed))
            }
            return finish(.failed)
        }
    }

    private func runStage(_ stage: PipelineStage) throws {
        let count = PipelineStage.allCases.count
        guard stage.applies(to: recipe) else {
            emitter.emit(.stage(name: stage.rawValue, index: stage.index, count: count, state: .skipped))
            return
        }
        if let done = state.stage(stage.rawValue), FileManager.default.fileExists(atPath: folder.absolute(done.folder)) {
            try restore(stage, from: done)
            emitter.emit(.log(level: .info, message: "\(stage.rawValue): completed in an earlier attempt, kept"))
            emitter.emit(.stage(name: stage.rawValue, index: stage.index, count: count, state: .skipped))
            return
        }
        try cancellation.check()
        emitter.emit(.stage(name: stage.rawValue, index: stage.index, count: count, state: .started))
        let began = emitter.elapsed
        try beforeStage?(stage)
        let work = try folder.beginStage(stage.folderName, keep: stage == .sft)
        let outcome = try execute(stage, in: work)
        let final = try folder.commitStage(stage.folderName)
        var record = RunState.CompletedStage(name: stage.rawValue, folder: stage.folderName, seconds: emitter.elapsed - began,
                                             results: outcome.results)
        for (kind, relative) in outcome.artifacts.sorted(by: { $0.key < $1.key }) {
            record.artifacts[kind] = stage.folderName + "/" + relative
        }
        try restore(stage, from: record)
        state.stages.append(record)
        try folder.writeState(state)
        for (kind, relative) in record.artifacts.sorted(by: { $0.key < $1.key }) {
            let path = folder.absolute(relative)
            emitter.emit(.artifact(kind: kind, path: path, bytes: RunFolder.bytes(at: path)))
        }
        _ = final
        emitMemory()
        emitter.emit(.stage(name: stage.rawValue, index: stage.index, count: count, state: .completed))
    }

    /// What a stage produced: artifacts by kind (paths relative to its folder) and results to record.
    struct StageOutcome {
        var artifacts: [String: String] = [:]
        var results: [String: JSONValue] = [:]
    }

    private func execute(_ stage: PipelineStage, in work: String) throws -> StageOutcome {
        switch stage {
        case .importance: try runImportance(in: work)
        case .prune: try runPrune(in: work)
        case .sft: try runSFT(in: work)
        case .quantize: try runQuantize(in: work)
        case .baselineEval: try runEvaluations(in: work, baseline: true)
        case .eval: try runEvaluations(in: work, baseline: false)
        case .export: try runExport(in: work)
        }
    }

    /// Takes a finished stage's results into the context (after running it, or when resuming).
    private func restore(_ stage: PipelineStage, from record: RunState.CompletedStage) throws {
        if let model = record.artifacts["model"] { context.model = folder.absolute(model) }
        switch stage {
        case .importance:
            for (criterion, list) in record.results["order"]?.object ?? [:] {
                context.order[criterion] = list.array?.compactMap(\.int) ?? []
            }
        case .prune:
            context.dropped = record.results["dropped"]?.array?.compactMap(\.int) ?? []
        case .sft:
            context.finalLoss = record.results["final_loss"]?.double
        case .quantize, .export:
            for (format, bytes) in record.results["exported"]?.object ?? [:] { context.exported[format] = bytes.int }
        case .baselineEval, .eval:
            for (split, values) in record.results["metrics"]?.object ?? [:] {
                context.metrics[split] = (values.object ?? [:]).compactMapValues(\.double)
            }
            if stage == .eval, let peak = record.results["peak_rss"]?.int { context.measuredPeak = peak }
        }
    }

    private func finish(_ status: RunStatus) -> RunStatus {
        state.status = status
        let summary = summaryJSON(status: status)
        do {
            try AtomicFile.write(metricsJSON().prettyPrinted() + "\n", to: folder.metricsPath)
            try AtomicFile.write(summary.prettyPrinted() + "\n", to: folder.summaryPath)
            try folder.writeState(state)
        } catch {
            emitter.emit(.error(code: "run_store", message: "cannot write the run's summary: \(error)", hint: nil))
        }
        emitter.emit(.done(status: status, summary: summary))
        return status
    }

    static func stageError(_ error: Error, stage: PipelineStage?) -> StageError {
        if let e = error as? StageError { return e }
        let name = stage?.rawValue ?? "run"
        return StageError(code: "\(name)_failed", "\(name): \(error)", hint: nil)
    }

    // MARK: Memory

    /// The deploy-memory estimate of the model this run produces, as far as it is decided: by part, plus
    /// `weights`, `kv_cache`, `activations` and `total`, in bytes.
    func memoryEstimate() -> [String: Int] {
        let q = recipe.quantize
        let keep = Set(q?.keepFP16 ?? [])
        let zero: MemoryEstimate.ZeroFormat = (q?.scheme.symmetric ?? false) ? .symmetric : .awqGemm
        let options = MemoryEstimate.Options(drop: Set(context.dropped), scheme: q?.scheme, zeroFormat: zero,
                                             keepEmbeddings: keep.contains("embed_tokens"), keepHead: keep.contains("lm_head"),
                                             keepVision: keep.contains("vision_tower"), keepProjector: keep.contains("projector"),
                                             context: min(2048, context.inputConfig.text.maxPositionEmbeddings))
        guard let e = try? MemoryEstimate.estimate(config: context.inputConfig, options: options, partialGroups: true) else { return [:] }
        var out: [String: Int] = [:]
        for part in e.parts {
            let key = part.name.split(separator: "(").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? part.name
            out[key.lowercased().replacingOccurrences(of: " ", with: "_"), default: 0] += part.bytes
        }
        out["weights"] = e.weightsBytes
        out["kv_cache"] = e.kvCacheBytes
        out["activations"] = e.activationsBytes
        out["total"] = e.totalBytes
        return out
    }

    func emitMemory() {
        emitter.emitMemory(estimate: memoryEstimate())
    }

    /// A `progress` event for `stage`, with the rate since `began` (emitter seconds).
    func progress(_ stage: PipelineStage, done: Int, total: Int, unit: String, since began: Double) {
        let seconds = emitter.elapsed - began
        emitter.emit(.progress(stage: stage.rawValue, done: min(done, total), total: total, unit: unit,
                               rate: seconds > 0 && done > 0 ? Double(done) / seconds : nil))
    }

    func log(_ message: String, level: LogLevel = .info) {
        emitter.emit(.log(level: level, message: message))
    }
}

/// The engine's version, as `hello` reports it.
public enum ScalpelEngineVersion {
    public static let string = "0.1.0"
}

import ArgumentParser
import Foundation
import ScalpelEngine
import ScalpelFormats

/// `scalpel run RECIPE [--events -] [--runs-dir D]`, `scalpel run --resume ID`: executes a recipe.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a recipe (importance → prune → SFT → quantize → eval → export) in a run folder.",
        discussion: """
        The recipe is checked first: every problem is printed and nothing runs. Each run gets a folder \
        runs/<name>-<yyyymmdd-hhmmss>/ (under the working directory, --runs-dir or $SCALPEL_RUNS) with the \
        recipe copy, events.jsonl, state.json, one folder per stage, metrics.json and summary.json. \
        --events - streams the event protocol (docs/protocol.md) on stdout instead of the progress display. \
        SIGINT/SIGTERM finish the current step (and its checkpoint) and end the run as cancelled; \
        --resume ID continues an interrupted, failed or cancelled run without redoing finished stages. \
        Exit status: 0 completed, 1 failed or invalid, 130/143 cancelled by SIGINT/SIGTERM.
        """)

    @Argument(help: "The recipe (YAML, docs/recipes.md).")
    var recipe: String?

    @Option(help: "Stream events as JSON lines: '-' for stdout, or a file to append to.")
    var events: String?

    @Option(help: "The folder holding the runs (default: $SCALPEL_RUNS, else ./runs).")
    var runsDir: String?

    @Option(help: "Continue this run (its id under the runs folder, or its folder).")
    var resume: String?

    @Option(help: "The engine: swift (built in) or torch (scalpel-torch, backends/torch). Default: the recipe's backend.")
    var backend: Recipe.Backend?

    func validate() throws {
        if (recipe == nil) == (resume == nil) { throw ValidationError("give a RECIPE, or --resume ID") }
    }

    func run() throws {
        let store = RunStore.resolve(explicit: runsDir)
        let streaming = events == "-"
        var sinks: [ScalpelEngine.EventSink] = []
        if let events {
            sinks.append(try EventSinks.named(events))
        }
        let token = CancellationToken()
        let received = RunSignal()
        let trap = SignalTrap(token: token) { received.set($0) }
        defer { withExtendedLifetime(trap) {} }
        let runner: PipelineRunner
        do {
            if usesTorchBackend(store: store) {
                // The backend writes the run folder and its events.jsonl itself; the sinks here only listen.
                var listeners = sinks
                if !streaming {
                    let console = ConsoleProgress()
                    listeners.append(CallbackSink { line in
                        if let event = try? EngineEvent(line: line) { console.handle(event) }
                    })
                }
                let status = try TorchBackendLauncher.run(recipePath: recipe ?? "", runsDir: store.root, events: listeners,
                                                          resume: resume, cancellation: token)
                if status == 130 && received.value == SIGTERM { throw ExitCode(143) }
                if status != 0 { throw ExitCode(status) }
                return
            }
            if let resume {
                runner = try PipelineRunner.resume(id: resume, store: store, sinks: sinks, cancellation: token)
            } else {
                let path = recipe!
                let checked = Recipe.check(path: path)
                guard let loaded = checked.recipe, checked.diagnostics.isEmpty else {
                    let lines = checked.diagnostics.map(\.description)
                    for line in lines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
                    reportWithoutRun(name: (path as NSString).lastPathComponent, sinks: sinks,
                                     errors: checked.diagnostics.map { StageError(code: "recipe_invalid", $0.description) })
                    FileHandle.standardError.write(Data("\(lines.count) problem(s) in \(path); nothing was run\n".utf8))
                    throw ExitCode(1)
                }
                runner = try PipelineRunner.create(recipe: loaded, store: store, sinks: sinks, cancellation: token)
            }
        } catch let error as StageError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            reportWithoutRun(name: resume ?? recipe ?? "run", sinks: sinks, errors: [error])
            throw ExitCode(1)
        }
        if !streaming {
            let console = ConsoleProgress()
            runner.emitter.addListener { console.handle($0) }
        }
        let status = runner.run()
        if !streaming { FileHandle.standardError.write(Data("run folder: \(runner.folder.path)\n".utf8)) }
        switch status {
        case .completed: return
        case .cancelled: throw ExitCode(received.value == SIGTERM ? 143 : 130)
        case .failed, .running: throw ExitCode(1)
        }
    }

    /// Whether this run goes to the torch backend: `--backend torch`, or (without the option) a recipe — or,
    /// on resume, the run folder's recipe copy — that says `backend: torch`.
    private func usesTorchBackend(store: RunStore) -> Bool {
        if let backend { return backend == .torch }
        let path: String
        if let resume {
            let folder = resume.contains("/") ? resume : (store.root as NSString).appendingPathComponent(resume)
            path = (folder as NSString).appendingPathComponent("recipe.yaml")
        } else {
            path = recipe!
        }
        // Only the backend is read here; whichever engine runs checks the whole recipe itself.
        return Recipe.check(path: path, checkModel: false).recipe?.backend == .torch
    }

    /// When no run could start (invalid recipe, unknown run id), an event listener still gets a complete
    /// stream: `hello`, one `error` per problem, `done` failed.
    private func reportWithoutRun(name: String, sinks: [ScalpelEngine.EventSink], errors: [StageError]) {
        guard !sinks.isEmpty else { return }
        let emitter = EventEmitter(run: name, sinks: sinks)
        emitter.emit(.hello(engine: "scalpel", version: ScalpelEngineVersion.string, backend: "swift",
                            capabilities: PipelineRunner.capabilities))
        for e in errors { emitter.emit(.error(code: e.code, message: e.message, hint: e.hint)) }
        emitter.emit(.done(status: .failed, summary: .object(["errors": .int(errors.count)])))
    }
}

/// The last signal received, shared with the signal queue.
private final class RunSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var signal: Int32 = 0
    func set(_ s: Int32) { lock.lock(); signal = s; lock.unlock() }
    var value: Int32 { lock.lock(); defer { lock.unlock() }; return signal }
}

extension Recipe.Backend: ExpressibleByArgument {}

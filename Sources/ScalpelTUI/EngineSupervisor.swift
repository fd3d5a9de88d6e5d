import Foundation
import ScalpelEngine

/// Starts, follows and stops the workbench's engine children: turns ``Effect``s into processes and
/// their output into ``Action``s.
struct EngineSupervisor {
    /// Where the engine and its files are.
    let context: WorkbenchContext
    /// The running (or just ended, not yet drained) child per job.
    private(set) var clients: [EngineJob: EngineClient] = [:]

    init(context: WorkbenchContext) {
        self.context = context
    }

    /// Whether no child is being followed.
    var isIdle: Bool { clients.isEmpty }

    /// The folder for the workbench's recipes, logs and importance results: `RUNS/.workbench`.
    var scratchDirectory: String { (context.runsDirectory as NSString).appendingPathComponent(".workbench") }

    /// A timestamp for file names: `20261129-104210`.
    static func stamp(_ date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: date)
    }

    /// The command line for `job`.
    func arguments(importance calibration: String, out: String) -> [String] {
        context.engineArguments + ["importance", context.modelPath ?? "", "--data", calibration, "--criteria", context.criteria,
                                   "--samples", "\(context.importanceSamples)", "--seq-len", "\(context.seqLen)",
                                   "--events", "-", "--out", out]
    }

    /// The command line that runs `recipe` on `backend`.
    func arguments(run recipe: String, backend: Recipe.Backend) -> [String] {
        context.engineArguments + ["run", recipe, "--backend", backend.rawValue, "--events", "-", "--runs-dir", context.runsDirectory]
    }

    /// Carries out an engine effect; returns the actions that report what happened.
    mutating func perform(_ effect: Effect) -> [Action] {
        switch effect {
        case .startImportance(let calibration):
            let job = EngineJob.importance
            do {
                let dir = try makeScratch()
                let stamp = Self.stamp()
                let out = (dir as NSString).appendingPathComponent("importance-\(stamp).json")
                let log = (dir as NSString).appendingPathComponent("importance-\(stamp).log")
                return [start(job, arguments: arguments(importance: calibration, out: out), log: log, recipe: nil)]
            } catch {
                return [.engineLaunchFailed(job, "\(error)")]
            }
        case .startRun(let draft):
            let job = EngineJob.run
            do {
                let dir = try makeScratch()
                let stamp = Self.stamp()
                let recipe = (dir as NSString).appendingPathComponent("\(draft.name)-\(stamp).yaml")
                try draft.yaml.write(toFile: recipe, atomically: true, encoding: .utf8)
                let log = (dir as NSString).appendingPathComponent("\(draft.name)-\(stamp).log")
                return [start(job, arguments: arguments(run: recipe, backend: draft.backend), log: log, recipe: recipe)]
            } catch {
                return [.engineLaunchFailed(job, "cannot write the recipe: \(error)")]
            }
        case .cancel(let job):
            clients[job]?.cancel(grace: 5)
            return []
        case .quit, .loadRuns, .rememberTheme:
            return []
        }
    }

    /// Starts a child for `job` unless one is running.
    private mutating func start(_ job: EngineJob, arguments: [String], log: String, recipe: String?) -> Action {
        if let running = clients[job], running.isRunning { return .engineLaunchFailed(job, "\(job.rawValue) is already running") }
        do {
            let client = try EngineClient(executable: context.engineExecutable, arguments: arguments, logPath: log)
            clients[job] = client
            return .engineStarted(job, pid: client.pid, log: log, recipe: recipe)
        } catch {
            return .engineLaunchFailed(job, "\(error)")
        }
    }

    /// Creates the scratch folder.
    private func makeScratch() throws -> String {
        let dir = scratchDirectory
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Every child's new output as actions; children that ended are forgotten after their last output.
    mutating func drain() -> [Action] {
        var actions: [Action] = []
        for job in EngineJob.allCases {
            guard let client = clients[job] else { continue }
            for output in client.drain() {
                actions.append(.engineOutput(job, output))
                if case .exited = output { clients[job] = nil }
            }
        }
        return actions
    }

    /// Cancels every running child and waits a little for each (the workbench is leaving).
    mutating func shutdown() {
        for client in clients.values where client.isRunning { client.cancel(grace: 2) }
        for client in clients.values { client.wait(timeout: 3) }
        clients = [:]
    }
}

import Foundation

/// Runs a recipe through the PyTorch backend (`backends/torch`, the `scalpel-torch` command) and relays its
/// event lines: `scalpel run --backend torch` and recipes with `backend: torch` go through here.
///
/// The backend writes the run folder itself (`<runsDir>/<id>/` with recipe.yaml, events.jsonl, state.json,
/// stage folders, metrics.json and summary.json, as `PipelineRunner` does), so the sinks given here are only
/// listeners (standard output, the workbench); they must not include the run's own `events.jsonl`. Lines that
/// are not protocol events (a Python traceback printed on stdout) are written to standard error instead.
///
/// The command is `$SCALPEL_TORCH` when set (a path, or a command with arguments separated by spaces, e.g.
/// `python3 -m scalpel_torch`), else `scalpel-torch` found on `PATH`.
public enum TorchBackendLauncher {
    /// Runs `recipePath` (or resumes run `resume`) with `scalpel-torch run … --events - --runs-dir runsDir`,
    /// hands each event line to every sink as it arrives, and returns the backend's exit status (0 completed,
    /// 130 cancelled, 1 failed or refused).
    /// Once `cancellation` is cancelled the backend gets SIGINT (it runs in its own process group, so a
    /// signal to ours does not reach it): it finishes the current step, checkpoints and reports `cancelled`.
    /// - Throws: `StageError` (code `torch_backend_missing`) when no `scalpel-torch` can be found or started.
    public static func run(recipePath: String, runsDir: String, events: [EventSink], resume: String? = nil,
                           cancellation: CancellationToken? = nil,
                           environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int32 {
        guard let command = locate(environment: environment) else {
            throw StageError(code: "torch_backend_missing", "the torch backend (scalpel-torch) is not installed",
                             hint: "pip install ./backends/torch (in a Python environment with torch), or set SCALPEL_TORCH to its command")
        }
        var arguments = Array(command.dropFirst()) + ["run"]
        if let resume {
            arguments += ["--resume", resume]
        } else {
            arguments.append(recipePath)
        }
        arguments += ["--events", "-", "--runs-dir", runsDir]

        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw StageError(code: "torch_backend_missing", "cannot start \(command[0]): \(error.localizedDescription)",
                             hint: "check SCALPEL_TORCH or reinstall scalpel-torch")
        }
        let pid = process.processIdentifier
        cancellation?.onCancel { if process.isRunning { kill(pid, SIGINT) } }
        let reader = pipe.fileHandleForReading
        var splitter = EventLineSplitter()
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            for line in splitter.feed(chunk) { relay(line, to: events) }
        }
        if let last = splitter.finish() { relay(last, to: events) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The backend's command line (executable first), or nil when none is found.
    public static func locate(environment: [String: String]) -> [String]? {
        if let custom = environment["SCALPEL_TORCH"]?.trimmingCharacters(in: .whitespaces), !custom.isEmpty {
            let words = custom.split(separator: " ").map(String.init)
            guard let first = words.first, let executable = resolve(first, path: environment["PATH"]) else { return nil }
            return [executable] + words.dropFirst()
        }
        return resolve("scalpel-torch", path: environment["PATH"]).map { [$0] }
    }

    /// `name` as an executable path: itself when it contains a slash, else the first match on `path`.
    static func resolve(_ name: String, path: String?) -> String? {
        let fm = FileManager.default
        if name.contains("/") { return fm.isExecutableFile(atPath: name) ? name : nil }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = String(dir) + "/" + name
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func relay(_ line: String, to sinks: [EventSink]) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        if (try? EngineEvent(line: line)) != nil {
            for sink in sinks { sink.write(line: line) }
        } else {
            FileHandle.standardError.writeAll(line + "\n")
        }
    }
}

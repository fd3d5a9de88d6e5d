import Foundation

/// Renders a run's events for a person at a terminal (`scalpel run` without `--events -`): the stage
/// list as stages start and finish, a progress bar with ETA (and the latest loss while training),
/// metrics, warnings and errors. On a terminal the bar redraws in place; elsewhere only finished bars
/// are printed, so logs stay short.
public final class ConsoleProgress: @unchecked Sendable {
    private let write: @Sendable (String) -> Void
    private let interactive: Bool
    private let lock = NSLock()
    private var stageStart: [String: Double] = [:]
    private var lastLoss: Double?
    private var barShown = false
    private var stageCount = 0

    /// `write` receives text to print (default: standard error); `interactive` redraws the bar in place.
    public init(interactive: Bool = isatty(STDERR_FILENO) != 0,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.interactive = interactive
        self.write = write
    }

    /// Handles one event (register with `EventEmitter.addListener`).
    public func handle(_ event: EngineEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event.payload {
        case .hello(_, let version, let backend, _):
            line("run \(event.run) (scalpel \(version), \(backend) backend)")
        case .stage(let name, let index, let count, let state):
            stageCount = count
            let tag = "[\(index + 1)/\(count)] \(name)"
            switch state {
            case .started:
                stageStart[name] = event.time
                lastLoss = nil
                line(tag + " …")
            case .completed:
                line(tag + " done in " + Self.duration(event.time - (stageStart[name] ?? event.time)))
            case .skipped: line(tag + " skipped")
            case .failed: line(tag + " FAILED")
            case .cancelled: line(tag + " cancelled")
            }
        case .progress(let stage, let done, let total, let unit, let rate):
            guard interactive || done == total else { return }
            var text = "  " + Self.bar(done: done, total: total) + " \(done)/\(total) \(unit)"
            if let rate, rate > 0, done < total { text += "  ETA " + Self.duration(Double(total - done) / rate) }
            if stage == PipelineStage.sft.rawValue, let lastLoss { text += String(format: "  loss %.4f", lastLoss) }
            if interactive {
                write("\r\u{1B}[2K" + text)
                barShown = true
                if done == total { write("\n"); barShown = false }
            } else {
                line(text)
            }
        case .loss(_, let loss, _, _):
            lastLoss = loss
        case .metric(let name, let value, let split, let step):
            if step != nil && name == "loss" {
                line(String(format: "  validation loss %.4f at step %d", value, step!))
            } else {
                line("  \(name) on \(split): " + String(format: value.magnitude < 1e4 ? "%.4f" : "%.4g", value))
            }
        case .log(let level, let message):
            if level == .warning || level == .error { line("\(level.rawValue): \(message)") }
        case .error(let code, let message, let hint):
            line("error [\(code)]: \(message)" + (hint.map { " (\($0))" } ?? ""))
        case .done(let status, _):
            line("run \(event.run) \(status.rawValue) after " + Self.duration(event.time))
        case .artifact(let kind, let path, let bytes):
            line("  \(kind): \(path) (" + Self.size(bytes) + ")")
        case .memory, .importance, .unknown:
            break
        }
    }

    private func line(_ text: String) {
        if barShown { write("\n"); barShown = false }
        write(text + "\n")
    }

    static func bar(done: Int, total: Int, width: Int = 24) -> String {
        let filled = total > 0 ? min(width, done * width / total) : 0
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    /// `42 s`, `3 min 07 s`, `1 h 02 min`.
    public static func duration(_ seconds: Double) -> String {
        let s = max(0, seconds)
        if s < 60 { return String(format: "%.1f s", s) }
        let whole = Int(s.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, (whole % 3600) / 60)
    }

    /// Bytes in the largest unit below 1024 of it (binary units).
    public static func size(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}

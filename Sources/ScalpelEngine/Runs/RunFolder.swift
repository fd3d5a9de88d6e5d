import Foundation
import ScalpelFormats

/// One run's folder, `runs/<id>/`: the recipe copy, the event log, the state, the metrics, the summary and
/// one folder per stage (`<nn>-<stage>/`).
///
/// A stage writes into `<nn>-<stage>.partial/` and the folder is renamed to its final name only once
/// everything in it is written (`commitStage`); only stages recorded in `state.json` count as finished,
/// so a half-written folder is never taken for a finished one.
public struct RunFolder: Sendable {
    public static let partialSuffix = ".partial"

    /// Absolute path of the folder.
    public let path: String
    public var id: String { (path as NSString).lastPathComponent }

    public init(path: String) {
        self.path = path
    }

    public var recipePath: String { path + "/recipe.yaml" }
    public var eventsPath: String { path + "/events.jsonl" }
    public var statePath: String { path + "/state.json" }
    public var metricsPath: String { path + "/metrics.json" }
    public var summaryPath: String { path + "/summary.json" }
    public var lockPath: String { path + "/lock" }

    /// The folder name of stage `index` (0-based) called `name`: `01-importance`.
    public static func stageFolderName(index: Int, name: String) -> String {
        String(format: "%02d-", index + 1) + name
    }

    public func absolute(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : path + "/" + relative
    }

    // MARK: State

    public func readState() throws -> RunState {
        guard let data = FileManager.default.contents(atPath: statePath) else {
            throw StageError(code: "run_state", "\(statePath) is missing", hint: "is \(path) a run folder?")
        }
        return try RunState(json: try JSONValue.parse(data, file: statePath), file: statePath)
    }

    public func writeState(_ state: RunState) throws {
        try AtomicFile.write(state.json.prettyPrinted() + "\n", to: statePath)
    }

    // MARK: Stage folders

    /// A fresh (empty) `<nn>-<stage>.partial/` folder, or the existing one when `keep` is set (the SFT
    /// stage resumes from the checkpoint it left there). A final-name folder the state does not list (the
    /// run died between the rename and the state write) is removed: its stage is redone.
    public func beginStage(_ folder: String, keep: Bool = false) throws -> String {
        let fm = FileManager.default
        let partial = path + "/" + folder + Self.partialSuffix
        let final = path + "/" + folder
        if fm.fileExists(atPath: final) { try fm.removeItem(atPath: final) }
        if fm.fileExists(atPath: partial) && !keep { try fm.removeItem(atPath: partial) }
        try fm.createDirectory(atPath: partial, withIntermediateDirectories: true)
        return partial
    }

    /// Renames `<folder>.partial` to `<folder>` (atomic on one file system); returns the final path.
    @discardableResult
    public func commitStage(_ folder: String) throws -> String {
        let partial = path + "/" + folder + Self.partialSuffix
        let final = path + "/" + folder
        guard rename(partial, final) == 0 else {
            throw StageError(code: "artifact_commit", "cannot rename \(partial) to \(final): \(String(cString: strerror(errno)))")
        }
        return final
    }

    // MARK: Events

    /// The `t` of the last complete event in the log (0 for an empty or missing log), after cutting off a
    /// partial last line left by a killed process, so appended events start on a fresh line.
    public func repairEventLog() throws -> Double {
        guard let data = FileManager.default.contents(atPath: eventsPath), !data.isEmpty else { return 0 }
        if data.last != 0x0A {
            let keep = data.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            guard truncate(eventsPath, off_t(keep)) == 0 else {
                throw StageError(code: "event_log", "cannot cut the partial last line of \(eventsPath)")
            }
        }
        return try EventLog.read(path: eventsPath).last?.time ?? 0
    }

    // MARK: Sizes

    /// Bytes of a file, or of every file under a folder.
    public static func bytes(at path: String) -> Int {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return 0 }
        if !isDir.boolValue { return (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        var total = 0
        guard let names = fm.enumerator(atPath: path) else { return 0 }
        for case let name as String in names {
            var sub: ObjCBool = false
            let p = path + "/" + name
            if fm.fileExists(atPath: p, isDirectory: &sub), !sub.boolValue {
                total += (try? fm.attributesOfItem(atPath: p)[.size] as? Int) ?? 0
            }
        }
        return total
    }
}

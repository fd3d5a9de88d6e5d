import Foundation
import ScalpelFormats

/// The folder holding every run: `runs/` under the working directory, unless `--runs-dir` or the
/// `SCALPEL_RUNS` environment variable names another. Creates run folders with unique ids, opens them
/// by id and lists them with their status.
public struct RunStore: Sendable {
    /// Absolute path of the runs folder.
    public let root: String

    public init(root: String) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
    }

    /// `explicit` (`--runs-dir`), else `$SCALPEL_RUNS`, else `<working directory>/runs`.
    public static func resolve(explicit: String? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> RunStore {
        if let explicit, !explicit.isEmpty { return RunStore(root: explicit) }
        if let env = environment["SCALPEL_RUNS"], !env.isEmpty { return RunStore(root: env) }
        return RunStore(root: FileManager.default.currentDirectoryPath + "/runs")
    }

    /// `<name>-<yyyymmdd-hhmmss>` in UTC.
    public static func runID(name: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return name + "-" + formatter.string(from: date)
    }

    /// Creates a new run folder (`-2`, `-3`… appended when the id is taken within the same second) holding
    /// `recipe.yaml` and a `state.json` with status running.
    public func create(name: String, recipeText: String, date: Date = Date()) throws -> (RunFolder, RunState) {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let base = Self.runID(name: name, date: date)
        var id = base
        var n = 1
        while mkdir(root + "/" + id, 0o755) != 0 {
            guard errno == EEXIST else {
                throw StageError(code: "run_store", "cannot create \(root)/\(id): \(String(cString: strerror(errno)))",
                                 hint: "check that the runs folder is writable (--runs-dir, SCALPEL_RUNS)")
            }
            n += 1
            id = "\(base)-\(n)"
        }
        let folder = RunFolder(path: root + "/" + id)
        try AtomicFile.write(recipeText, to: folder.recipePath)
        let iso = ISO8601DateFormatter().string(from: date)
        let state = RunState(id: id, name: name, created: iso)
        try folder.writeState(state)
        return (folder, state)
    }

    /// The run folder with this id (or this path).
    public func open(_ id: String) throws -> RunFolder {
        let candidates = id.contains("/") ? [id] : [root + "/" + id]
        for path in candidates where FileManager.default.fileExists(atPath: path + "/state.json") {
            return RunFolder(path: URL(fileURLWithPath: path).standardizedFileURL.path)
        }
        let known = (try? list().map(\.id)) ?? []
        let close = known.filter { $0.hasPrefix(id) }
        throw StageError(code: "run_not_found", "no run \(id) in \(root)",
                         hint: close.isEmpty ? "`scalpel runs` lists the runs" : "did you mean \(close.joined(separator: ", "))?")
    }

    /// Every run in the store, oldest first. A run whose state says running but whose engine is gone shows
    /// as `interrupted`.
    public func list() throws -> [RunListing] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: root) else { return [] }
        var rows: [RunListing] = []
        for name in names.sorted() {
            let folder = RunFolder(path: root + "/" + name)
            guard fm.fileExists(atPath: folder.statePath) else { continue }
            guard let state = try? folder.readState() else {
                rows.append(RunListing(id: name, name: name, status: .unreadable, created: "", stagesDone: 0, attempts: 0))
                continue
            }
            rows.append(RunListing(state: state, folder: folder))
        }
        return rows.sorted { ($0.created, $0.id) < ($1.created, $1.id) }
    }
}

import Foundation
import ScalpelEngine

/// One finished (or interrupted) run from the run store, as the Compare screen shows it: read from
/// `runs/<id>/events.jsonl` and the recipe copied into the run folder.
public struct RunRecord: Hashable, Sendable {
    /// The folder name.
    public var id: String
    /// The folder.
    public var path: String
    /// The run folded from its events.
    public var progress: RunProgress
    /// Blocks the run dropped, when known.
    public var dropped: [Int]?
    /// The quantization, such as `awq 4-bit g128`, when known.
    public var quantization: String?
    /// Why the events could not be read, when they could not.
    public var problem: String?

    /// Creates a record.
    public init(id: String, path: String, progress: RunProgress, dropped: [Int]? = nil, quantization: String? = nil,
                problem: String? = nil) {
        self.id = id
        self.path = path
        self.progress = progress
        self.dropped = dropped
        self.quantization = quantization
        self.problem = problem
    }

    /// The status word: the `done` status, else `incomplete`.
    public var status: String { progress.outcome?.rawValue ?? (problem == nil ? "incomplete" : "unreadable") }

    /// The last training loss.
    public var finalLoss: Double? { progress.trainLoss.last?.y }

    /// The last validation loss.
    public var finalValidationLoss: Double? { progress.validationLoss.last?.y }

    /// Reads the run in `folder`.
    public static func load(folder: String) -> RunRecord {
        let id = (folder as NSString).lastPathComponent
        var progress = RunProgress()
        var problem: String?
        var done: EventPayload?
        do {
            for event in try EventLog.read(path: (folder as NSString).appendingPathComponent("events.jsonl")) {
                progress.apply(event)
                if event.type == "done" { done = event.payload }
            }
        } catch {
            problem = "\(error)"
        }
        var record = RunRecord(id: id, path: folder, progress: progress, problem: problem)
        if let recipe = recipeCopy(in: folder) {
            if let prune = recipe.prune, case .blocks(let blocks) = prune.selection { record.dropped = blocks }
            if recipe.prune == nil { record.dropped = [] }
            if let q = recipe.quantize {
                let group = q.scheme.groupSize.map { "g\($0)" } ?? "per-channel"
                record.quantization = "\(q.method.rawValue) \(q.scheme.bits)-bit \(group)"
            } else {
                record.quantization = "16-bit"
            }
        }
        if case .done(_, let summary)? = done, let list = summary["blocks"]?["dropped"]?.array ?? summary["dropped"]?.array {
            record.dropped = list.compactMap(\.int)
        }
        return record
    }

    /// Every run under `directory` (folders holding an `events.jsonl`), oldest first by name.
    public static func loadAll(directory: String) -> [RunRecord] {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        return names.compactMap { name in
            let folder = (directory as NSString).appendingPathComponent(name)
            guard fm.fileExists(atPath: (folder as NSString).appendingPathComponent("events.jsonl")) else { return nil }
            return load(folder: folder)
        }
    }

    /// The recipe file copied into the run folder (the first `*.yaml` or `*.yml`), loaded without
    /// opening the model.
    static func recipeCopy(in folder: String) -> Recipe? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        guard let name = names.first(where: { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }) else { return nil }
        return Recipe.check(path: (folder as NSString).appendingPathComponent(name), checkModel: false).recipe
    }
}

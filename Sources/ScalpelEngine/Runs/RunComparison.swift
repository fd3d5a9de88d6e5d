import Foundation
import ScalpelFormats

/// Runs side by side (`scalpel compare`): blocks kept and dropped, parameters, estimated deploy memory and
/// measured peak memory, exported file sizes, every metric per eval set, time per stage and the final
/// training loss — read from each run's `summary.json`.
public struct RunComparison: Sendable {
    /// One run's summary (as `PipelineRunner` writes it), with its id.
    public struct Entry: Sendable {
        public var id: String
        public var summary: JSONValue
    }

    public var entries: [Entry]

    /// Reads the summaries of `ids` (run ids or folder paths) from `store`.
    public init(ids: [String], store: RunStore) throws {
        entries = try ids.map { id in
            let folder = try store.open(id)
            guard let data = FileManager.default.contents(atPath: folder.summaryPath) else {
                let status = (try? folder.readState().status.rawValue) ?? "unknown"
                throw StageError(code: "run_unfinished", "run \(folder.id) has no summary yet (status \(status))",
                                 hint: "resume it with `scalpel run --resume \(folder.id)`")
            }
            return Entry(id: folder.id, summary: try JSONValue.parse(data, file: folder.summaryPath))
        }
    }

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// `{"runs": [summary…]}`, each summary with its `run` id.
    public var json: JSONValue {
        .object(["runs": .array(entries.map(\.summary))])
    }

    /// The table's rows: a label and one cell per run.
    public var rows: [(label: String, cells: [String])] {
        var rows: [(String, [String])] = []
        func add(_ label: String, _ cell: (JSONValue) -> String) { rows.append((label, entries.map { cell($0.summary) })) }
        func int(_ v: JSONValue?) -> String { v?.int.map(String.init) ?? "—" }
        func bytes(_ v: JSONValue?) -> String { v?.int.map { ConsoleProgress.size($0) } ?? "—" }
        add("status") { $0["status"]?.string ?? "—" }
        add("blocks kept") { s in
            guard let kept = s["blocks"]?["kept"]?.int, let total = s["blocks"]?["total"]?.int else { return "—" }
            return "\(kept)/\(total)"
        }
        add("blocks dropped") { s in
            let d = s["blocks"]?["dropped"]?.array?.compactMap(\.int) ?? []
            return d.isEmpty ? "none" : d.map(String.init).joined(separator: ",")
        }
        add("parameters") { s in s["params"]?.int.map { String(format: "%.3f M", Double($0) / 1e6) } ?? "—" }
        add("est. memory (total)") { bytes($0["memory"]?["estimate"]?["total"]) }
        add("est. memory (weights)") { bytes($0["memory"]?["estimate"]?["weights"]) }
        add("measured peak RSS") { bytes($0["memory"]?["measured_peak_rss"]) }
        for format in keys(\.summary, "files") {
            add("file size (\(format))") { bytes($0["files"]?[format]) }
        }
        for split in keys(\.summary, "metrics") {
            let names = Set(entries.flatMap { $0.summary["metrics"]?[split]?.object?.keys.map { $0 } ?? [] }).sorted()
            for name in names {
                add("\(name) (\(split))") { s in s["metrics"]?[split]?[name]?.double.map { String(format: "%.4f", $0) } ?? "—" }
            }
        }
        for stage in PipelineStage.allCases.map(\.rawValue) {
            add("time \(stage)") { s in
                guard let entry = s["stages"]?[stage] else { return "—" }
                if let seconds = entry["seconds"]?.double { return ConsoleProgress.duration(seconds) }
                return entry["state"]?.string ?? "—"
            }
        }
        add("final loss") { s in s["final_loss"]?.double.map { String(format: "%.4f", $0) } ?? "—" }
        add("total time") { s in s["seconds"]?.double.map { ConsoleProgress.duration($0) } ?? "—" }
        return rows
    }

    /// The keys of object `field` over every summary, sorted.
    private func keys(_ path: KeyPath<Entry, JSONValue>, _ field: String) -> [String] {
        Set(entries.flatMap { $0[keyPath: path][field]?.object?.keys.map { $0 } ?? [] }).sorted()
    }

    /// A plain-text table, one column per run.
    public func table() -> String {
        let rows = self.rows
        let header = ("", entries.map(\.id))
        let all = [header] + rows
        let labelWidth = all.map(\.0.count).max() ?? 0
        let widths = entries.indices.map { i in all.map { $0.1[i].count }.max() ?? 0 }
        var out = ""
        for (label, cells) in all {
            var line = label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            for (i, cell) in cells.enumerated() {
                line += "  " + String(repeating: " ", count: widths[i] - cell.count) + cell
            }
            out += line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        return out
    }
}

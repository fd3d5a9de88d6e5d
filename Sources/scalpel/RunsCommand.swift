import ArgumentParser
import Foundation
import ScalpelEngine
import ScalpelFormats

/// `scalpel runs [--runs-dir D] [--json]`: the runs with their status.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List the runs (oldest first) with their status: running, completed, failed, cancelled or interrupted.",
        discussion: "A run marked running whose engine process is gone (killed, crashed) is listed as interrupted; `scalpel run --resume ID` continues it.")

    @Option(help: "The folder holding the runs (default: $SCALPEL_RUNS, else ./runs).")
    var runsDir: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let store = RunStore.resolve(explicit: runsDir)
        let rows = try store.list()
        if json {
            let items = rows.map { r in
                JSONValue.object(["id": .string(r.id), "name": .string(r.name), "status": .string(r.status.rawValue),
                                  "created": .string(r.created), "stages_done": .int(r.stagesDone), "attempts": .int(r.attempts)])
            }
            print(JSONValue.object(["runs_dir": .string(store.root), "runs": .array(items)]).prettyPrinted())
            return
        }
        guard !rows.isEmpty else {
            print("no runs in \(store.root)")
            return
        }
        let table = [["RUN", "STATUS", "STAGES", "ATTEMPTS", "CREATED"]]
            + rows.map { [$0.id, $0.status.rawValue, "\($0.stagesDone)", "\($0.attempts)", $0.created] }
        let widths = (0..<5).map { c in table.map { $0[c].count }.max() ?? 0 }
        for row in table {
            print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
        }
    }
}

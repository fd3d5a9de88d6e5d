import ArgumentParser
import Foundation
import ScalpelEngine
import ScalpelFormats

/// `scalpel compare RUN… [--json]`: runs side by side.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs side by side: blocks kept, parameters, estimated and measured memory, file sizes, metrics per eval set, time per stage, final loss.")

    @Argument(help: "Run ids (or run folders).")
    var runs: [String]

    @Option(help: "The folder holding the runs (default: $SCALPEL_RUNS, else ./runs).")
    var runsDir: String?

    @Flag(help: "Print JSON: {\"runs\": [summary…]}.")
    var json = false

    func validate() throws {
        if runs.isEmpty { throw ValidationError("name at least one run (`scalpel runs` lists them)") }
    }

    func run() throws {
        let comparison: RunComparison
        do {
            comparison = try RunComparison(ids: runs, store: RunStore.resolve(explicit: runsDir))
        } catch let error as StageError {
            throw ValidationError(error.description)
        }
        if json {
            print(comparison.json.prettyPrinted())
        } else {
            print(comparison.table(), terminator: "")
        }
    }
}

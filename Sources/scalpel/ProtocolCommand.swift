import ArgumentParser
import Foundation
import ScalpelEngine

/// `scalpel protocol check FILE`, `scalpel protocol examples`: the event protocol from the command line.
struct ProtocolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol",
        abstract: "Check an event stream against the protocol (docs/protocol.md), or print an example line per event type.",
        subcommands: [Check.self, Examples.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check a JSON-lines event stream: every line parses, hello first, done last, one run, time never backwards, stages consistent. Exit 1 with the problems.")

        @Argument(help: "The event stream (a run's events.jsonl, or a captured stdout); '-' reads stdin.")
        var file: String

        func run() throws {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let d = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
                data = d
            }
            var splitter = EventLineSplitter()
            var lines = splitter.feed(data)
            if let last = splitter.finish() { lines.append(last) }
            let problems = EventStreamValidator.problems(lines: lines)
            if problems.isEmpty {
                print("\(file): \(lines.count) events, conform to protocol v\(EngineEvent.protocolVersion)")
                return
            }
            for p in problems { print("\(file): \(p)") }
            throw ExitCode(1)
        }
    }

    struct Examples: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "examples", abstract: "Print one example line per event type (the ones docs/protocol.md shows).")

        func run() {
            for event in ProtocolExamples.events { print(event.jsonLine()) }
        }
    }
}

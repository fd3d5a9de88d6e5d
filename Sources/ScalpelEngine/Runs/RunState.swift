import Foundation
import ScalpelFormats

/// What `runs/<id>/state.json` records: where the run stands and every stage it has finished, with the
/// artifacts that stage left and the results later stages (and a resumed run) need. Written atomically
/// after every change, so a run killed at any moment leaves either the old or the new state.
public struct RunState: Sendable, Equatable {
    /// One finished stage.
    public struct CompletedStage: Sendable, Equatable {
        public var name: String
        /// The stage's folder, relative to the run folder (`03-sft`).
        public var folder: String
        /// Seconds the stage took (over all attempts).
        public var seconds: Double
        /// Artifacts by kind (`model`, `importance`, `gguf`, …), paths relative to the run folder.
        public var artifacts: [String: String]
        /// Stage-specific results (dropped blocks, final loss, metrics…).
        public var results: [String: JSONValue]

        public init(name: String, folder: String, seconds: Double, artifacts: [String: String] = [:],
                    results: [String: JSONValue] = [:]) {
            self.name = name
            self.folder = folder
            self.seconds = seconds
            self.artifacts = artifacts
            self.results = results
        }
    }

    public var id: String
    public var name: String
    public var status: RunStatus
    /// ISO 8601 time the run was created.
    public var created: String
    /// How many times the run has been started (1 + resumes).
    public var attempts: Int
    public var stages: [CompletedStage]

    public init(id: String, name: String, status: RunStatus = .running, created: String, attempts: Int = 0,
                stages: [CompletedStage] = []) {
        self.id = id
        self.name = name
        self.status = status
        self.created = created
        self.attempts = attempts
        self.stages = stages
    }

    /// The finished stage called `name`, if any.
    public func stage(_ name: String) -> CompletedStage? {
        stages.first { $0.name == name }
    }

    // MARK: JSON

    public var json: JSONValue {
        .object([
            "id": .string(id), "name": .string(name), "status": .string(status.rawValue), "created": .string(created),
            "attempts": .int(attempts),
            "stages": .array(stages.map { s in
                .object(["name": .string(s.name), "folder": .string(s.folder), "seconds": .double(s.seconds),
                         "artifacts": .object(s.artifacts.mapValues(JSONValue.string)), "results": .object(s.results)])
            }),
        ])
    }

    public init(json: JSONValue, file: String) throws {
        func fail(_ what: String) -> FormatError { FormatError(file: file, "run state: \(what)") }
        guard let id = json["id"]?.string, let name = json["name"]?.string, let created = json["created"]?.string else {
            throw fail("id, name or created missing")
        }
        guard let raw = json["status"]?.string, let status = RunStatus(rawValue: raw) else { throw fail("bad status") }
        var stages: [CompletedStage] = []
        for item in json["stages"]?.array ?? [] {
            guard let n = item["name"]?.string, let folder = item["folder"]?.string else { throw fail("a stage without name or folder") }
            let artifacts = (item["artifacts"]?.object ?? [:]).compactMapValues(\.string)
            stages.append(CompletedStage(name: n, folder: folder, seconds: item["seconds"]?.double ?? 0, artifacts: artifacts,
                                         results: item["results"]?.object ?? [:]))
        }
        self.init(id: id, name: name, status: status, created: created, attempts: json["attempts"]?.int ?? 1, stages: stages)
    }
}

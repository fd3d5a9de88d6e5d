import Foundation
import ScalpelFormats
import Testing
@testable import ScalpelEngine

/// One example of every event type, shared by the protocol tests (and the documentation's examples).
let everyPayload: [EventPayload] = [
    .hello(engine: "scalpel", version: "0.1.0", backend: "swift", capabilities: ["prune", "sft", "quantize"]),
    .stage(name: "sft", index: 2, count: 6, state: .started),
    .progress(stage: "sft", done: 3, total: 10, unit: "step", rate: 0.5),
    .progress(stage: "importance", done: 0, total: 12, unit: "block", rate: nil),
    .loss(step: 3, loss: 2.25, lr: 1.5e-4, tokensPerSecond: 812.5),
    .memory(rss: 123_456_789, peak: 223_456_789, estimate: ["weights": 1_000_000, "kv_cache": 65_536]),
    .importance(layer: 4, criterion: "block_influence", score: 0.0123, tokenClass: .image),
    .metric(name: "loss", value: 1.75, split: "val", step: 20),
    .metric(name: "accuracy", value: 0.9, split: "synthderm-test", step: nil),
    .artifact(kind: "checkpoint", path: "runs/x/02-prune/model", bytes: 4096),
    .log(level: .warning, message: "only 12 samples in \"val.json\"\nusing all"),
    .error(code: "data", message: "cannot read train.json", hint: "check the path"),
    .error(code: "nan", message: "loss is NaN", hint: nil),
    .done(status: .completed, summary: .object(["final_loss": .double(1.5), "stages": .int(6)])),
]

@Suite struct EngineEventTests {
    @Test func everyTypeRoundTripsThroughOneLine() throws {
        for (i, payload) in everyPayload.enumerated() {
            let event = EngineEvent(time: Double(i) * 0.25, run: "r-1", payload: payload)
            let line = event.jsonLine()
            #expect(!line.contains("\n"))
            #expect(try EngineEvent(line: line) == event)
        }
    }

    @Test func linesCarryTheCommonFieldsAndPinnedNames() throws {
        let line = EngineEvent(time: 1.5, run: "abc", payload: .loss(step: 7, loss: 2, lr: 0.001, tokensPerSecond: 10)).jsonLine()
        #expect(line == #"{"loss":2.0,"lr":0.001,"run":"abc","step":7,"t":1.5,"tokens_per_s":10.0,"type":"loss","v":1}"#)
        let imp = EngineEvent(time: 0, run: "abc", payload: .importance(layer: 1, criterion: "angular", score: 0.5, tokenClass: .text)).jsonLine()
        #expect(imp.contains(#""token_class":"text""#))
    }

    @Test func missingOrMistypedFieldsAreNamed() {
        #expect(throws: ProtocolError("loss event without \"lr\"")) {
            try EngineEvent(line: #"{"v":1,"t":0,"run":"r","type":"loss","step":1,"loss":2,"tokens_per_s":3}"#)
        }
        #expect(throws: ProtocolError("metric event: \"value\" must be a number, not a string")) {
            try EngineEvent(line: #"{"v":1,"t":0,"run":"r","type":"metric","name":"a","value":"x","split":"val"}"#)
        }
        #expect(throws: ProtocolError("stage event: \"state\" is \"paused\", expected one of started, completed, skipped, failed, cancelled")) {
            try EngineEvent(line: #"{"v":1,"t":0,"run":"r","type":"stage","name":"a","index":0,"count":1,"state":"paused"}"#)
        }
        #expect(throws: ProtocolError("log event without \"run\"")) {
            try EngineEvent(line: #"{"v":1,"t":0,"type":"log","level":"info","message":"m"}"#)
        }
        #expect(throws: ProtocolError.self) { try EngineEvent(line: "not json") }
        #expect(throws: ProtocolError("event line is not a JSON object")) { try EngineEvent(line: "[1,2]") }
    }

    @Test func unknownTypesAreKeptNotRefused() throws {
        let event = try EngineEvent(line: #"{"v":1,"t":2,"run":"r","type":"gpu","util":0.5}"#)
        #expect(event.payload == .unknown(type: "gpu", fields: ["util": .double(0.5)]))
        #expect(try EngineEvent(line: event.jsonLine()) == event)
    }

    @Test func splitterJoinsChunksAndKeepsTheUnfinishedTail() {
        var splitter = EventLineSplitter()
        #expect(splitter.feed(Array("{\"a\":1}\n{\"b\"".utf8)) == [#"{"a":1}"#])
        #expect(splitter.feed(Array(":2}\r\n\n{\"c\"".utf8)) == [#"{"b":2}"#])
        #expect(splitter.finish() == #"{"c""#)
        #expect(splitter.finish() == nil)
    }

    @Test func emitterWritesEverySinkAndLogReadsBackSkippingAPartialTail() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("events.jsonl").path
        let collected = Collected()
        let emitter = EventEmitter(run: "run-1", sinks: [try FileEventSink(path: path), CallbackSink { collected.add($0) }])
        for payload in everyPayload { emitter.emit(payload) }
        emitter.emitMemory()
        // A run killed mid-write leaves a partial last line.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"v":1,"t":9,"run":"run-1","ty"#.utf8))
        try handle.close()
        let events = try EventLog.read(path: path)
        #expect(events.count == everyPayload.count + 1)
        #expect(events.map(\.payload).prefix(everyPayload.count).elementsEqual(everyPayload))
        #expect(collected.lines == events.map { $0.jsonLine() })
        #expect(events.allSatisfy { $0.run == "run-1" })
        if case .memory(let rss, let peak, _) = events.last!.payload {
            #expect(rss > 1 << 20 && peak >= rss)
        } else {
            Issue.record("the last event is not memory")
        }
    }

    @Test func logNamesTheLineOfAMalformedEvent() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-bad-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = EngineEvent(time: 0, run: "r", payload: .log(level: .info, message: "ok")).jsonLine()
        try (good + "\n" + #"{"v":1,"t":0,"run":"r","type":"artifact","kind":"x","path":"p"}"# + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ProtocolError("\(path):2: artifact event without \"bytes\"")) { try EventLog.read(path: path) }
    }
}

/// Lines a callback sink received (the sink may be called from any thread).
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func add(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}

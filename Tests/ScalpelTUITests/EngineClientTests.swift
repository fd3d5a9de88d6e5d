import Foundation
import ScalpelEngine
import Testing
@testable import ScalpelTUI

/// The engine client against real child processes: the fake engine script's canned streams, a
/// malformed line, a crash, cancellation with SIGINT and with SIGKILL after the grace period.
@Suite(.serialized) struct EngineClientTests {
    let directory = FakeEngine.scratch("client")

    func start(_ mode: String, _ arguments: [String], delay: String = "0.001") throws -> EngineClient {
        let engine = try FakeEngine.install(in: directory)
        var env = ProcessInfo.processInfo.environment
        env["FAKE_ENGINE_MODE"] = mode
        env["FAKE_ENGINE_DELAY"] = delay
        return try EngineClient(executable: engine, arguments: arguments, logPath: directory.appendingPathComponent("engine.log").path,
                                environment: env)
    }

    func recipe(steps: Int) throws -> String {
        let path = directory.appendingPathComponent("r.yaml").path
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "name: r\nmodel: \"/m\"\nprune:\n  drop: [1, 3]\nsft:\n  steps: \(steps)\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Drains until the exit arrives (or 20 s pass).
    func collect(_ client: EngineClient) -> [EngineClient.Output] {
        var all: [EngineClient.Output] = []
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            all += client.drain()
            if case .exited? = all.last { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return all
    }

    @Test func aCompleteRunArrivesInOrderAndTheStreamConforms() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let runs = directory.appendingPathComponent("runs").path
        let client = try start("normal", ["run", try recipe(steps: 12), "--events", "-", "--runs-dir", runs])
        #expect(getpgid(client.pid) == client.pid || client.exit != nil, "the child leads its own process group")
        let outputs = collect(client)
        let events = outputs.compactMap { if case .event(let e) = $0 { e } else { nil } }
        #expect(outputs.last == .exited(EngineExit(code: 0, signal: nil)))
        #expect(!outputs.contains { if case .malformed = $0 { true } else { false } })
        #expect(events.first?.type == "hello")
        #expect(events.last?.type == "done")
        #expect(events.filter { $0.type == "loss" }.count == 12)
        #expect(EventStreamValidator.problems(events: events) == [])
        let log = try String(contentsOfFile: client.logPath, encoding: .utf8)
        #expect(log.contains("fake engine: run"), "standard error goes to the log")

        var state = makeState(tinyLlama)
        state.run.status = .running(pid: client.pid)
        var effects: [Effect] = []
        for o in outputs { (state, effects) = reduce(state, .engineOutput(.run, o)) }
        #expect(state.run.status == .finished)
        #expect(state.run.trainLoss.count == 12)
        #expect(state.run.trainLoss.first?.y == 2.93)
        #expect(state.run.validationLoss.map(\.x) == [5, 10])
        #expect(state.run.stages.map(\.name) == ["prune", "sft", "quantize"])
        #expect(state.run.stages.allSatisfy { $0.state == .completed })
        #expect(state.run.metrics["accuracy (test)"] == 0.625)
        #expect(effects == [.loadRuns])
        #expect(state.notice?.kind == .success)
    }

    @Test func aCrashAfterAMalformedLineIsReportedNotFatal() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let client = try start("crash", ["run", try recipe(steps: 3), "--events", "-", "--runs-dir", directory.appendingPathComponent("runs").path])
        let outputs = collect(client)
        let malformed = outputs.compactMap { if case .malformed(let line, _) = $0 { line } else { nil } }
        #expect(malformed.count == 2)
        #expect(malformed.first == "this is not an event")
        #expect(malformed.last?.hasPrefix("{\"v\":1") == true, "the cut-off last line is reported")
        #expect(outputs.last == .exited(EngineExit(code: nil, signal: SIGSEGV)))

        var state = makeState(tinyLlama)
        state.run.status = .running(pid: client.pid)
        for o in outputs { state = reduce(state, .engineOutput(.run, o)).0 }
        guard case .failed(let why) = state.run.status else {
            Issue.record("expected a failed run, got \(state.run.status)")
            return
        }
        #expect(why.contains("crashed") && why.contains("SIGSEGV"))
        #expect(state.notice?.kind == .error)
        #expect(state.run.logs.contains { $0.hasPrefix("unreadable engine line: this is not an event") })
        let text = try screen(reduce(state, .run(.goTo(.run))).0).joined(separator: "\n")
        #expect(text.contains("failed: the engine crashed: killed by signal 11 (SIGSEGV)"))
    }

    @Test func cancelSendsSIGINTToTheProcessGroup() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let client = try start("slow", ["run", "x"])
        Thread.sleep(forTimeInterval: 0.2)
        #expect(client.isRunning)
        client.cancel(grace: 5)
        let exit = client.wait(timeout: 10)
        #expect(exit?.signal == SIGINT)
        #expect(exit?.cancelled == true)
    }

    @Test func aChildIgnoringSIGINTIsKilledAfterTheGracePeriod() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let client = try start("stubborn", ["run", "x"])
        Thread.sleep(forTimeInterval: 0.2)
        let started = Date()
        client.cancel(grace: 0.5)
        let exit = client.wait(timeout: 10)
        #expect(exit?.signal == SIGKILL)
        #expect(Date().timeIntervalSince(started) >= 0.45)
        var state = makeState(tinyLlama)
        state.run.status = .running(pid: client.pid)
        for o in client.drain() { state = reduce(state, .engineOutput(.run, o)).0 }
        #expect(state.run.status == .cancelled)
    }

    @Test func aMissingProgramIsALaunchError() throws {
        #expect(throws: EngineClient.LaunchError.self) {
            try EngineClient(executable: "/nonexistent/engine", arguments: [], logPath: "/dev/null")
        }
    }

    @Test func importanceEventsFillTheHeatmapLive() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("imp.json").path
        let client = try start("normal", ["importance", "m", "--data", "d", "--events", "-", "--out", out])
        var state = makeState(tinyLlama)
        state.layers.status = .running(pid: client.pid)
        for o in collect(client) { state = reduce(state, .engineOutput(.importance, o)).0 }
        #expect(state.layers.status == .finished)
        #expect(state.layers.criteria == ["block_influence", "angular"])
        // Layer 1: n = (37 + 11) % 89 + 10 = 58 → 0.5834567890123, exactly as printed.
        #expect(state.layers.score(layer: 1, column: 0) == 0.5834567890123)
        #expect(FileManager.default.fileExists(atPath: out))
    }
}

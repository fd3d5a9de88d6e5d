import ScalpelFormats
import Testing
@testable import ScalpelEngine

@Suite struct EventStreamValidatorTests {
    private func stream(_ payloads: [EventPayload], run: String = "r") -> [String] {
        payloads.enumerated().map { EngineEvent(time: Double($0.offset), run: run, payload: $0.element).jsonLine() }
    }

    private let hello = EventPayload.hello(engine: "scalpel", version: "0.1.0", backend: "swift", capabilities: [])
    private let done = EventPayload.done(status: .completed, summary: .object([:]))

    @Test func aWellFormedRunHasNoProblems() {
        let payloads = [hello, .stage(name: "prune", index: 0, count: 2, state: .started),
                        .stage(name: "prune", index: 0, count: 2, state: .completed),
                        .stage(name: "sft", index: 1, count: 2, state: .skipped)]
            + everyPayload.filter { if case .done = $0 { false } else if case .hello = $0 { false } else if case .stage = $0 { false } else { true } }
            + [done]
        #expect(EventStreamValidator.problems(lines: stream(payloads)) == [])
    }

    @Test func eachBrokenRuleIsReportedWithItsLine() {
        var lines = stream([
            .log(level: .info, message: "no hello first"),
            .stage(name: "sft", index: 3, count: 2, state: .started),
            .progress(stage: "sft", done: 5, total: 4, unit: "step", rate: nil),
            .loss(step: 0, loss: .infinity, lr: 0.1, tokensPerSecond: 1),
            .loss(step: 0, loss: 1, lr: 0.1, tokensPerSecond: 1),
            .stage(name: "eval", index: 1, count: 3, state: .completed),
            .memory(rss: -1, peak: 0, estimate: [:]),
            done,
        ])
        lines.insert(EngineEvent(time: 2.5, run: "other", payload: .log(level: .info, message: "x")).jsonLine(), at: 3)
        lines.insert(EngineEvent(time: 0.5, run: "r", payload: .log(level: .info, message: "late")).jsonLine(), at: 4)
        lines.insert("garbage", at: 1)
        #expect(EventStreamValidator.problems(lines: lines) == [
            "line 2: event line is not JSON: event: invalid JSON at line 1, column 1: unexpected character 'g'",
            "line 7: loss event: \"loss\" is null (a NaN or infinity written as JSON?)",
            "line 1: the first event is log, not hello",
            "line 3: stage sft: index 3 outside 0..<2",
            "line 4: progress of sft: 5 of 4",
            "line 5: run \"other\" differs from the stream's \"r\"",
            "line 6: t = 0.5 runs backwards (previous 2.5)",
            "line 8: loss at step 0: steps count from 1",
            "line 9: stage eval: count 3 differs from the earlier 2",
            "line 9: stage eval completed before it started",
            "line 10: negative memory",
            "stage sft started but never finished in a completed run",
        ])
    }

    @Test func anEmptyOrUnfinishedStreamIsReported() {
        #expect(EventStreamValidator.problems(lines: []) == ["the stream is empty"])
        #expect(EventStreamValidator.problems(lines: stream([hello])) == ["line 1: the last event is hello, not done"])
    }
}

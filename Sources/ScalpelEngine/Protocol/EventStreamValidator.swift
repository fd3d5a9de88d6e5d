/// Checks a whole event stream against the protocol's rules, beyond each line parsing on its own: the
/// first event is `hello`, the last is `done`, every event names the same run and a version this build
/// reads, time never runs backwards, stages start before they complete and their indices agree with their
/// count, progress never exceeds its total, memory and byte counts are non-negative, and losses and
/// metrics are numbers. The engine's tests, the workbench's tests and the backend conformance suite all
/// judge streams with it (`scalpel protocol check FILE` from the command line).
public enum EventStreamValidator {
    /// Every problem found, as `line N: message` (empty when the stream conforms).
    public static func problems(lines: [String]) -> [String] {
        var problems: [String] = []
        var events: [(Int, EngineEvent)] = []
        for (i, line) in lines.enumerated() {
            do {
                events.append((i + 1, try EngineEvent(line: line)))
            } catch {
                problems.append("line \(i + 1): \(error)")
            }
        }
        return problems + self.problems(events: events)
    }

    /// Problems in already-parsed events, numbered by position.
    public static func problems(events: [EngineEvent]) -> [String] {
        problems(events: events.enumerated().map { ($0.offset + 1, $0.element) })
    }

    private static func problems(events: [(Int, EngineEvent)]) -> [String] {
        var problems: [String] = []
        guard let first = events.first else { return ["the stream is empty"] }
        if first.1.type != "hello" { problems.append("line \(first.0): the first event is \(first.1.type), not hello") }
        if let last = events.last, last.1.type != "done" {
            problems.append("line \(last.0): the last event is \(last.1.type), not done")
        }
        var lastTime = -Double.infinity
        var started: Set<String> = [], finished: Set<String> = []
        var stageCount: Int?
        for (n, event) in events {
            func report(_ message: String) { problems.append("line \(n): \(message)") }
            if event.run != first.1.run { report("run \"\(event.run)\" differs from the stream's \"\(first.1.run)\"") }
            if event.version < 1 || event.version > EngineEvent.protocolVersion {
                report("protocol version \(event.version) is not one this build reads (1…\(EngineEvent.protocolVersion))")
            }
            if !event.time.isFinite || event.time < 0 { report("t = \(event.time) is not a time since the run started") }
            if event.time + 1e-6 < lastTime { report("t = \(event.time) runs backwards (previous \(lastTime))") }
            lastTime = max(lastTime, event.time)
            switch event.payload {
            case .stage(let name, let index, let count, let state):
                if count < 1 || index < 0 || index >= count { report("stage \(name): index \(index) outside 0..<\(count)") }
                if let c = stageCount, c != count { report("stage \(name): count \(count) differs from the earlier \(c)") }
                stageCount = count
                switch state {
                case .started: started.insert(name)
                case .completed, .failed, .cancelled:
                    if !started.contains(name) { report("stage \(name) \(state.rawValue) before it started") }
                    finished.insert(name)
                case .skipped: finished.insert(name)
                }
            case .progress(let stage, let done, let total, _, let rate):
                if done < 0 || total < 0 || done > total { report("progress of \(stage): \(done) of \(total)") }
                if let rate, !(rate.isFinite && rate >= 0) { report("progress of \(stage): rate \(rate)") }
            case .loss(let step, let loss, let lr, let tps):
                if step < 1 { report("loss at step \(step): steps count from 1") }
                if !loss.isFinite { report("loss at step \(step) is \(loss)") }
                if !(lr.isFinite && lr >= 0) { report("learning rate \(lr) at step \(step)") }
                if !(tps.isFinite && tps >= 0) { report("tokens_per_s \(tps) at step \(step)") }
            case .memory(let rss, let peak, let estimate):
                if rss < 0 || peak < 0 || estimate.values.contains(where: { $0 < 0 }) { report("negative memory") }
            case .importance(let layer, let criterion, let score, _):
                if layer < 0 { report("importance of layer \(layer)") }
                if score.isNaN { report("importance of layer \(layer) by \(criterion) is NaN") }
            case .metric(let name, let value, _, _):
                if value.isNaN { report("metric \(name) is NaN") }
            case .artifact(_, let path, let bytes):
                if bytes < 0 || path.isEmpty { report("artifact \(path) with \(bytes) bytes") }
            case .hello, .log, .error, .done, .unknown:
                break
            }
        }
        if case .done(let status, _)? = events.last?.1.payload, status == .completed {
            for name in started.subtracting(finished).sorted() {
                problems.append("stage \(name) started but never finished in a completed run")
            }
        }
        return problems
    }
}

import Foundation
import ScalpelFormats

/// Stamps payloads with the protocol version, the run id and the time since the run started, and writes
/// each as one line to every sink. Safe to call from any thread; lines never interleave.
public final class EventEmitter: @unchecked Sendable {
    public let run: String
    private let sinks: [EventSink]
    private let start: Double
    private let lock = NSLock()
    private var listeners: [@Sendable (EngineEvent) -> Void] = []

    /// `elapsedAtStart` continues the clock of a resumed run (its last event's `t`).
    public init(run: String, sinks: [EventSink], elapsedAtStart: Double = 0) {
        self.run = run
        self.sinks = sinks
        start = Self.monotonicSeconds() - elapsedAtStart
    }

    /// Seconds since the run started.
    public var elapsed: Double { Self.monotonicSeconds() - start }

    /// Calls `listener` with every event emitted from now on (in emission order, under the emitter's lock:
    /// keep it short).
    public func addListener(_ listener: @escaping @Sendable (EngineEvent) -> Void) {
        lock.lock()
        listeners.append(listener)
        lock.unlock()
    }

    /// Emits one event and returns it.
    @discardableResult
    public func emit(_ payload: EventPayload) -> EngineEvent {
        lock.lock()
        defer { lock.unlock() }
        let event = EngineEvent(time: elapsed, run: run, payload: payload)
        let line = event.jsonLine()
        for sink in sinks { sink.write(line: line) }
        for listener in listeners { listener(event) }
        return event
    }

    /// Emits a `memory` event with the process's current and peak resident memory.
    @discardableResult
    public func emitMemory(estimate: [String: Int] = [:]) -> EngineEvent {
        let sample = ProcessMemory.sample()
        return emit(.memory(rss: sample.resident, peak: sample.peak, estimate: estimate))
    }

    static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
    }
}

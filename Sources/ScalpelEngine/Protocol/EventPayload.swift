import ScalpelFormats

/// What an event says, by type. Unknown types read back as `.unknown` so newer engines can talk to older
/// readers; a known type with a missing or mistyped field is an error (`ProtocolError`).
public enum EventPayload: Sendable, Equatable {
    /// First line of every run: who is talking and what it can do.
    case hello(engine: String, version: String, backend: String, capabilities: [String])
    /// A pipeline stage changed state; `index` counts from 0 among `count` stages.
    case stage(name: String, index: Int, count: Int, state: StageState)
    /// Work done in a stage: `done` of `total` `unit`s at `rate` units per second (nil until known).
    case progress(stage: String, done: Int, total: Int, unit: String, rate: Double?)
    /// One optimizer step: training loss, learning rate and throughput.
    case loss(step: Int, loss: Double, lr: Double, tokensPerSecond: Double)
    /// Resident memory of the engine process now and at its peak, and the estimated deploy memory of the
    /// model being produced, by part (`weights`, `kv_cache`, …), all in bytes.
    case memory(rss: Int, peak: Int, estimate: [String: Int])
    /// A block's importance score under one criterion, over tokens of one class.
    case importance(layer: Int, criterion: String, score: Double, tokenClass: TokenClass)
    /// A measured number (`accuracy`, `perplexity`, `loss`, …) on a data split, at a training step when
    /// it belongs to one.
    case metric(name: String, value: Double, split: String, step: Int?)
    /// A file or folder the run finished writing.
    case artifact(kind: String, path: String, bytes: Int)
    case log(level: LogLevel, message: String)
    /// Something failed; `code` is a stable short identifier, `hint` says what to do about it.
    case error(code: String, message: String, hint: String?)
    /// Last line of every run.
    case done(status: RunStatus, summary: JSONValue)
    /// A type this reader does not know, kept whole.
    case unknown(type: String, fields: [String: JSONValue])

    /// The `type` field written for this payload.
    public var type: String {
        switch self {
        case .hello: "hello"
        case .stage: "stage"
        case .progress: "progress"
        case .loss: "loss"
        case .memory: "memory"
        case .importance: "importance"
        case .metric: "metric"
        case .artifact: "artifact"
        case .log: "log"
        case .error: "error"
        case .done: "done"
        case .unknown(let type, _): type
        }
    }
}

/// The state a `stage` event reports.
public enum StageState: String, Sendable, CaseIterable {
    case started, completed, skipped, failed, cancelled
}

/// Which tokens an importance score was measured over (LLaVA sequences are mostly image tokens).
public enum TokenClass: String, Sendable, CaseIterable {
    case all, image, text
}

/// Severity of a `log` event.
public enum LogLevel: String, Sendable, CaseIterable {
    case debug, info, warning, error
}

/// How a run ended (`done`), or where it stands (run store).
public enum RunStatus: String, Sendable, CaseIterable {
    case running, completed, failed, cancelled
}

import ScalpelEngine

/// What the Run screen knows about the run it follows, folded from the engine's events.
public struct RunProgress: Hashable, Sendable {
    /// One pipeline stage.
    public struct Stage: Hashable, Sendable {
        /// Its name (`prune`, `sft`, …).
        public var name: String
        /// Its last reported state, `nil` before it starts.
        public var state: StageState?
    }

    /// The latest `progress` of a stage, with when it arrived.
    public struct Progress: Hashable, Sendable {
        /// The stage.
        public var stage: String
        /// Units done.
        public var done: Int
        /// Units in all.
        public var total: Int
        /// What is counted (`steps`, `blocks`, …).
        public var unit: String
        /// Units per second, when the engine knows it.
        public var rate: Double?
        /// Run time of the event, in seconds.
        public var time: Double
        /// Run time of the stage's first progress event.
        public var startTime: Double
        /// Units done at the first progress event.
        public var startDone: Int

        /// Seconds left at the reported rate (or the average since the stage's first progress), `nil`
        /// when unknown.
        public var eta: Double? {
            guard total > done else { return total > 0 ? 0 : nil }
            var r = rate ?? 0
            if r <= 0, time > startTime, done > startDone { r = Double(done - startDone) / (time - startTime) }
            guard r > 0 else { return nil }
            return Double(total - done) / r
        }
    }

    /// The run's id, from its first event.
    public var runID: String?
    /// The backend the engine said it runs on (`hello`), such as `swift` or `torch`.
    public var backend: String?
    /// The recipe file the run was started with.
    public var recipePath: String?
    /// The engine's log file.
    public var logPath: String?
    /// Stages in the order the engine announced them.
    public var stages: [Stage] = []
    /// Latest progress by stage, in first-seen order.
    public var progress: [Progress] = []
    /// Training loss by step.
    public var trainLoss: [Point] = []
    /// Validation loss by step (`metric` events named `loss` on split `val`/`validation`, or `val_loss`).
    public var validationLoss: [Point] = []
    /// Latest learning rate.
    public var learningRate: Double?
    /// Latest tokens per second.
    public var tokensPerSecond: Double?
    /// Latest resident memory and its peak.
    public var rss: Int?
    /// Peak resident memory.
    public var peakRSS: Int?
    /// Latest estimate of deploy memory, by part.
    public var deployEstimate: [String: Int] = [:]
    /// Latest value of each other metric, `name (split)`.
    public var metrics: [String: Double] = [:]
    /// Log lines (engine `log` and `error` events, and workbench notes), newest last.
    public var logs: [String] = []
    /// Run time of the latest event.
    public var elapsed: Double = 0
    /// Where the run stands.
    public var status: JobStatus = .idle
    /// How the run ended according to its `done` event.
    public var outcome: RunStatus?

    /// A point of a curve.
    public struct Point: Hashable, Sendable {
        /// Step.
        public var x: Double
        /// Value.
        public var y: Double
    }

    /// The most log lines kept.
    static let logLimit = 500

    /// Creates an empty run.
    public init() {}

    /// Folds one event in.
    public mutating func apply(_ event: EngineEvent) {
        if runID == nil { runID = event.run }
        elapsed = max(elapsed, event.time)
        switch event.payload {
        case .hello(let engine, let version, let backend, _):
            self.backend = backend
            log("engine \(engine) \(version) (\(backend))")
        case .stage(let name, let index, let count, let state):
            while stages.count < count { stages.append(Stage(name: "", state: nil)) }
            if stages.indices.contains(index) {
                stages[index].name = name
                stages[index].state = state
            } else if let i = stages.firstIndex(where: { $0.name == name }) {
                stages[i].state = state
            } else {
                stages.append(Stage(name: name, state: state))
            }
            if state != .started { log("stage \(name) \(state.rawValue)") }
        case .progress(let stage, let done, let total, let unit, let rate):
            if let i = progress.firstIndex(where: { $0.stage == stage }) {
                progress[i].done = done
                progress[i].total = total
                progress[i].unit = unit
                progress[i].rate = rate
                progress[i].time = event.time
            } else {
                progress.append(Progress(stage: stage, done: done, total: total, unit: unit, rate: rate, time: event.time,
                                         startTime: event.time, startDone: done))
            }
        case .loss(let step, let loss, let lr, let tps):
            trainLoss.append(Point(x: Double(step), y: loss))
            learningRate = lr
            tokensPerSecond = tps
        case .memory(let rss, let peak, let estimate):
            self.rss = rss
            peakRSS = peak
            if !estimate.isEmpty { deployEstimate = estimate }
        case .metric(let name, let value, let split, let step):
            if name == "val_loss" || (name == "loss" && (split == "val" || split == "validation")) {
                validationLoss.append(Point(x: Double(step ?? (trainLoss.last.map { Int($0.x) } ?? 0)), y: value))
            } else {
                metrics["\(name) (\(split))"] = value
            }
        case .artifact(let kind, let path, let bytes):
            log("wrote \(kind): \(path) (\(Quantity.bytes(bytes)))")
        case .log(let level, let message):
            log(level == .info ? message : "\(level.rawValue): \(message)")
        case .error(let code, let message, let hint):
            log("error \(code): \(message)" + (hint.map { " — \($0)" } ?? ""))
        case .done(let status, _):
            outcome = status
            log("run \(status.rawValue)")
        case .importance, .unknown:
            break
        }
    }

    /// Adds a log line, keeping the newest ``logLimit``.
    public mutating func log(_ line: String) {
        logs.append(line)
        if logs.count > Self.logLimit { logs.removeFirst(logs.count - Self.logLimit) }
    }

    /// The total of the latest deploy estimate: its `total` entry, else weights + KV cache + activations
    /// when it gives those, else the sum of its parts.
    public var deployBytes: Int? {
        guard !deployEstimate.isEmpty else { return nil }
        if let total = deployEstimate["total"] { return total }
        if let weights = deployEstimate["weights"] {
            return weights + (deployEstimate["kv_cache"] ?? 0) + (deployEstimate["activations"] ?? 0)
        }
        return deployEstimate.values.reduce(0, +)
    }

    /// The progress of the stage running now (else the latest).
    public var currentProgress: Progress? {
        if let running = stages.last(where: { $0.state == .started }), let p = progress.last(where: { $0.stage == running.name }) {
            return p
        }
        return progress.last
    }
}

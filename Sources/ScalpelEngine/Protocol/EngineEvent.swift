import ScalpelFormats

/// One line of the engine's event stream: what happened, when (seconds since the run started) and in
/// which run. Written as one JSON object per line (`jsonLine()`), read back with `EngineEvent(line:)`.
///
/// Every line carries `v` (the protocol version), `t`, `run` and `type`; the other fields depend on the
/// type (see `EventPayload` and docs/protocol.md). Units are fixed: bytes, seconds, `tokens_per_s`.
public struct EngineEvent: Sendable, Equatable {
    /// The protocol version this build writes. Readers accept any version ≤ theirs with the same fields.
    public static let protocolVersion = 1

    public var version: Int
    /// Seconds since the run started.
    public var time: Double
    /// The run's id (the name of its folder under `runs/`).
    public var run: String
    public var payload: EventPayload

    public init(version: Int = EngineEvent.protocolVersion, time: Double, run: String, payload: EventPayload) {
        self.version = version
        self.time = time
        self.run = run
        self.payload = payload
    }

    /// The event's `type` field.
    public var type: String { payload.type }
}

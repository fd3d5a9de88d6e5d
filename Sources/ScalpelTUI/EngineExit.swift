/// How an engine child process ended.
public struct EngineExit: Hashable, Sendable, CustomStringConvertible {
    /// The exit status when it exited (`-1` when it could not be reaped).
    public var code: Int32?
    /// The signal that killed it, when one did.
    public var signal: Int32?
    /// Whether the workbench had asked it to stop.
    public var cancelled: Bool

    /// Creates an exit description.
    public init(code: Int32?, signal: Int32?, cancelled: Bool = false) {
        self.code = code
        self.signal = signal
        self.cancelled = cancelled
    }

    /// Decodes a `waitpid` status.
    init(waitStatus status: Int32, cancelled: Bool) {
        let sig = status & 0x7f
        if sig == 0 {
            self.init(code: (status >> 8) & 0xff, signal: nil, cancelled: cancelled)
        } else {
            self.init(code: nil, signal: sig, cancelled: cancelled)
        }
    }

    /// Whether it exited with status 0.
    public var succeeded: Bool { code == 0 }

    /// `exit status 1`, `killed by signal 9 (SIGKILL)`.
    public var description: String {
        if let signal { return "killed by signal \(signal)" + (EngineExit.signalNames[signal].map { " (\($0))" } ?? "") }
        return "exit status \(code ?? -1)"
    }

    static let signalNames: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS",
                                                8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM"]
}

import Foundation

/// A cooperative stop request, safe to set from a signal handler's queue or another thread. The run
/// checks it after every optimizer step; when set, it writes a checkpoint and returns `.cancelled`.
public final class SFTRunStopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    public init() {}

    /// Asks the run to stop after the current step.
    public func requestStop() {
        lock.withLock { requested = true }
    }

    /// Whether a stop was requested.
    public var isStopRequested: Bool {
        lock.withLock { requested }
    }
}

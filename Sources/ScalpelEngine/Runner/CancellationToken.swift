import Foundation

/// Set once when the run should stop (SIGINT/SIGTERM, or a caller); stages check it between steps,
/// finish the step they are in (and its checkpoint), and throw `RunCancelled`.
public final class CancellationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var reason = ""

    public init() {}

    public func cancel(reason: String = "cancelled") {
        lock.lock()
        if !cancelled { cancelled = true; self.reason = reason }
        lock.unlock()
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Throws `RunCancelled` once cancelled.
    public func check() throws {
        lock.lock()
        defer { lock.unlock() }
        if cancelled { throw RunCancelled(reason: reason) }
    }
}

/// Thrown by a stage that stopped because the run was cancelled.
public struct RunCancelled: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

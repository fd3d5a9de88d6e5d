import Foundation

/// Set once when the run should stop (SIGINT/SIGTERM, or a caller); stages check it between steps,
/// finish the step they are in (and its checkpoint), and throw `RunCancelled`.
public final class CancellationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var reason = ""
    private var handlers: [@Sendable () -> Void] = []

    public init() {}

    public func cancel(reason: String = "cancelled") {
        lock.lock()
        let first = !cancelled
        if first { cancelled = true; self.reason = reason }
        let run = first ? handlers : []
        handlers = []
        lock.unlock()
        for body in run { body() }
    }

    /// Runs `body` once when the token is cancelled (at once when it already is), on the cancelling thread.
    public func onCancel(_ body: @escaping @Sendable () -> Void) {
        lock.lock()
        if cancelled {
            lock.unlock()
            body()
            return
        }
        handlers.append(body)
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

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT and SIGTERM into a cancellation: the default action (dying mid-write) is replaced by
/// setting the token, so the run finishes its current step, writes its checkpoint and reports `done`
/// with status `cancelled`. A second signal while cancelling ends the process at once.
public final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "scalpel.signals")

    public init(token: CancellationToken, onSignal: (@Sendable (Int32) -> Void)? = nil) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if token.isCancelled { _exit(128 + sig) }
                token.cancel(reason: sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)")
                onSignal?(sig)
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNcursesW
import Foundation

/// Puts the terminal back the way the shell left it on every way out of the workbench.
///
/// ``install()`` catches the signals that end a process (SIGINT, SIGTERM, SIGHUP, SIGQUIT) and the
/// ones a crash or a Swift runtime trap raises (SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGTRAP).
/// The handler ends curses mode, puts back the signal's previous disposition (the default, or the
/// runtime's crash reporter) and raises the signal again, so the process still dies of it with the
/// usual exit status. ``restore()`` is idempotent and also runs on a normal exit. Engine children,
/// which run in their own process groups, get SIGTERM from the handler.
public enum TerminalGuard {
    /// Signals that end the process.
    static let exitSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    /// Signals raised by crashes and runtime traps.
    static let crashSignals: [Int32] = [SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE, SIGTRAP]

    /// The dispositions found at ``install()``, indexed by signal number (read inside the handler,
    /// so kept in plain memory that is never freed).
    nonisolated(unsafe) private static var previous: UnsafeMutablePointer<sigaction>?
    nonisolated(unsafe) private static var installed = false
    /// Process groups of running engine children (0: free slot), read inside the handler, so kept in
    /// plain memory that is never freed.
    nonisolated(unsafe) private static let children: UnsafeMutablePointer<pid_t> = {
        let p = UnsafeMutablePointer<pid_t>.allocate(capacity: childSlots)
        p.initialize(repeating: 0, count: childSlots)
        return p
    }()
    private static let childSlots = 16
    private static let childLock = NSLock()

    /// Remembers an engine child's process group, so that it is ended with the workbench.
    static func adopt(processGroup: pid_t) {
        childLock.lock()
        defer { childLock.unlock() }
        if let slot = (0..<childSlots).first(where: { children[$0] == 0 }) { children[slot] = processGroup }
    }

    /// Forgets a process group (its leader has been reaped).
    static func release(processGroup: pid_t) {
        childLock.lock()
        defer { childLock.unlock() }
        for slot in 0..<childSlots where children[slot] == processGroup { children[slot] = 0 }
    }

    /// Sends `sig` to every adopted engine process group (async-signal-safe).
    static func signalChildren(_ sig: Int32) {
        for slot in 0..<childSlots where children[slot] > 0 { kill(-children[slot], sig) }
    }

    /// Catches the exit and crash signals. Call it before curses starts, so curses keeps its own
    /// handlers for the signals it manages (SIGWINCH, SIGTSTP) and leaves these to us.
    public static func install() {
        guard !installed else { return }
        let table = previous ?? UnsafeMutablePointer<sigaction>.allocate(capacity: Int(NSIG))
        previous = table
        for sig in exitSignals + crashSignals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = terminalGuardHandler
            #else
            action.__sigaction_u.__sa_handler = terminalGuardHandler
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, table + Int(sig))
        }
        installed = true
    }

    /// Puts back the dispositions found at ``install()``.
    public static func uninstall() {
        guard installed, let table = previous else { return }
        for sig in exitSignals + crashSignals { sigaction(sig, table + Int(sig), nil) }
        installed = false
    }

    /// Ends curses mode (cursor shown, echo and line editing back, alternate screen left); does
    /// nothing when curses is not active, so it can run any number of times.
    public static func restore() {
        scalpel_endwin_once()
    }

    /// What the handler does: restore, put back the old disposition, raise again.
    fileprivate static func handle(_ sig: Int32) {
        restore()
        signalChildren(SIGTERM)
        if exitSignals.contains(sig) {
            signal(sig, SIG_DFL)
        } else if let table = previous {
            sigaction(sig, table + Int(sig), nil)
        } else {
            signal(sig, SIG_DFL)
        }
        raise(sig)
    }
}

/// The C signal handler installed by ``TerminalGuard/install()``.
private func terminalGuardHandler(_ sig: Int32) {
    TerminalGuard.handle(sig)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ScalpelEngine

/// A child engine process and its event stream: the only way the workbench reaches the engine.
///
/// The child is started with `posix_spawn` in its own process group (so a Ctrl-C meant for the
/// workbench does not reach it, and cancelling reaches the whole group), standard input from
/// `/dev/null`, standard output on a pipe and standard error appended to a log file. A background
/// thread reads the pipe, cuts it into lines (`EventLineSplitter`), parses each (`EngineEvent(line:)`)
/// and queues the results; the curses thread takes them with ``drain()`` between key presses. When
/// the pipe closes the thread reaps the child and queues ``Output/exited(_:)`` last.
public final class EngineClient: @unchecked Sendable {
    /// Something the child produced.
    public enum Output: Equatable, Sendable {
        /// A well-formed event line.
        case event(EngineEvent)
        /// A line that is not an event, and why.
        case malformed(line: String, reason: String)
        /// The child ended; always the last output.
        case exited(EngineExit)
    }

    /// Why the child could not be started.
    public struct LaunchError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// The child's process id (also its process group id).
    public let pid: pid_t
    /// The command line that was started.
    public let arguments: [String]
    /// Where the child's standard error goes.
    public let logPath: String

    private let lock = NSLock()
    private var queue: [Output] = []
    private var exitStatus: EngineExit?
    private var cancelRequested = false

    /// Starts `executable` with `arguments` (not including the program name) and `environment`
    /// (the workbench's own when `nil`); standard error is appended to `logPath`.
    public init(executable: String, arguments: [String], logPath: String, environment: [String: String]? = nil) throws {
        self.arguments = [executable] + arguments
        self.logPath = logPath
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw LaunchError(description: "cannot create a pipe: \(String(cString: strerror(errno)))") }
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard logFD >= 0 else {
            close(fds[0]); close(fds[1])
            throw LaunchError(description: "cannot write the engine log \(logPath): \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, logFD, 2)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group; no blocked signals and default dispositions for the ones the
        // workbench catches, so SIGINT and SIGTERM end the engine as usual.
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in TerminalGuard.exitSignals + TerminalGuard.crashSignals + [SIGPIPE, SIGCHLD] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let env = environment ?? ProcessInfo.processInfo.environment
        let cArgs = self.arguments.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, &attributes, cArgs, cEnv)
        close(fds[1])
        close(logFD)
        guard rc == 0 else {
            close(fds[0])
            throw LaunchError(description: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        TerminalGuard.adopt(processGroup: child)
        let readFD = fds[0]
        let thread = Thread { [self] in self.readLoop(fd: readFD) }
        thread.name = "engine-reader"
        thread.start()
    }

    /// Everything queued since the last call, in order.
    public func drain() -> [Output] {
        lock.lock()
        defer { lock.unlock() }
        let out = queue
        queue.removeAll()
        return out
    }

    /// How the child ended, once it has.
    public var exit: EngineExit? {
        lock.lock()
        defer { lock.unlock() }
        return exitStatus
    }

    /// Whether the child is still running.
    public var isRunning: Bool { exit == nil }

    /// Asks the child's process group to stop (SIGINT), then kills it (SIGKILL) if it is still
    /// running after `grace` seconds.
    public func cancel(grace: Double = 5) {
        lock.lock()
        let alreadyExited = exitStatus != nil
        cancelRequested = true
        lock.unlock()
        guard !alreadyExited else { return }
        kill(-pid, SIGINT)
        let deadline = Date().addingTimeInterval(grace)
        let watchdog = Thread { [self] in
            while Date() < deadline {
                if self.exit != nil { return }
                Thread.sleep(forTimeInterval: 0.05)
            }
            if self.exit == nil { kill(-self.pid, SIGKILL) }
        }
        watchdog.name = "engine-cancel"
        watchdog.start()
    }

    /// Blocks until the child has ended and its output is read (for tests and shutdown), at most
    /// `timeout` seconds; returns how it ended, `nil` on time-out.
    @discardableResult
    public func wait(timeout: Double) -> EngineExit? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let e = exit { return e }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return exit
    }

    private func push(_ outputs: [Output]) {
        guard !outputs.isEmpty else { return }
        lock.lock()
        queue += outputs
        lock.unlock()
    }

    private static func parse(_ line: String) -> Output {
        do {
            return .event(try EngineEvent(line: line))
        } catch {
            return .malformed(line: line, reason: "\(error)")
        }
    }

    /// Reads the pipe to its end, then reaps the child.
    private func readLoop(fd: Int32) {
        var splitter = EventLineSplitter()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                push(splitter.feed(buffer[0..<n]).map(Self.parse))
            } else if n == 0 || errno != EINTR {
                break
            }
        }
        close(fd)
        if let last = splitter.finish() {
            push([.malformed(line: last, reason: "the stream ended in the middle of this line")])
        }
        var status: Int32 = 0
        var result: pid_t = -1
        repeat { result = waitpid(pid, &status, 0) } while result == -1 && errno == EINTR
        TerminalGuard.release(processGroup: pid)
        lock.lock()
        let e = result == pid ? EngineExit(waitStatus: status, cancelled: cancelRequested) : EngineExit(code: -1, signal: nil, cancelled: cancelRequested)
        exitStatus = e
        queue.append(.exited(e))
        lock.unlock()
    }
}

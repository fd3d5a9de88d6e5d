import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock a running engine holds on `runs/<id>/lock` (an exclusive `flock`, with its pid written in the
/// file for people). The kernel releases it when the process dies, even by `kill -9`, so a run whose
/// state says `running` but whose lock is free was interrupted.
public final class RunLock: @unchecked Sendable {
    public let path: String
    private let fd: Int32

    /// Takes the lock, or throws when another process holds it (the run is being executed elsewhere).
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StageError(code: "run_lock", "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StageError(code: "run_busy", "the run is being executed by another process (\(path) is locked)",
                             hint: "wait for it to finish or stop it first")
        }
        self.fd = fd
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { write(fd, $0, strlen($0)) }
    }

    /// Whether some live process holds the lock at `path`.
    public static func isHeld(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// Releases the lock.
    public func release() {
        flock(fd, LOCK_UN)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

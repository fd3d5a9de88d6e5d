import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A temporary file that is unlinked as soon as it is created: it holds data a long computation sets
/// aside (calibration streams, finished quantized blocks) instead of memory, and vanishes with its last
/// descriptor, even when the process is killed. Reads and writes are positional.
final class SpillFile: @unchecked Sendable {
    private let fd: Int32
    /// What the file holds, for error messages ("the calibration spill file").
    let role: String
    /// Bytes written so far at the end (`append`).
    private(set) var size = 0

    /// A new spill file in `folder` (default: the system temporary folder).
    /// - Throws: `CompressError` naming the folder and the system's reason when it cannot be created.
    init(role: String, folder: String? = nil) throws {
        let dir = folder ?? NSTemporaryDirectory()
        let path = (dir.hasSuffix("/") ? dir : dir + "/") + "scalpel-spill-\(getpid())-\(UUID().uuidString)"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CompressError("cannot create \(role) in \(dir): \(String(cString: strerror(errno)))") }
        unlink(path)
        self.fd = fd
        self.role = role
    }

    /// A spill file on an already open descriptor (taken over and closed with the file).
    init(role: String, descriptor: Int32) {
        fd = descriptor
        self.role = role
    }

    deinit { close(fd) }

    /// Writes `bytes` at `offset`.
    /// - Throws: `CompressError` with the system's reason (a full disk, say).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw CompressError("cannot write \(role): \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw CompressError("cannot write \(role): no bytes accepted") }
            done += n
        }
        size = max(size, offset + bytes.count)
    }

    /// Writes `bytes` at the end; returns where they start.
    @discardableResult
    func append(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        let at = size
        try write(bytes, at: at)
        return at
    }

    /// Appends the raw memory of an array of trivial values; returns where it starts.
    @discardableResult
    func append<T: BitwiseCopyable>(contentsOf values: [T]) throws -> Int {
        try values.withUnsafeBytes { try append($0) }
    }

    /// Fills `buffer` from `offset`.
    /// - Throws: `CompressError` when the read fails or the file ends first.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw CompressError("cannot read \(role): \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw CompressError("\(role) ended early") }
            done += n
        }
    }

    /// `count` trivial values stored at `offset`.
    func read<T: BitwiseCopyable>(_ type: T.Type, count: Int, at offset: Int) throws -> [T] {
        guard count > 0 else { return [] }
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = count
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that readers see either the old content or the complete new content, never a part.
///
/// The bytes go to a temporary file in the destination's folder, which is flushed to disk (`fsync`) and
/// then renamed over the destination; the folder is synced too, so the rename survives a crash. If
/// anything throws, the temporary file is removed and the destination is left as it was.
///
///     try AtomicFile.write(to: "out/model.safetensors") { out in
///         try out.write(header)
///         try out.write(tensorBytes)
///     }
public enum AtomicFile {
    /// Writes the file through `body`; returns what `body` returns.
    @discardableResult
    public static func write<R>(
        to path: String, permissions: UInt32 = 0o644, _ body: (Output) throws -> R
    ) throws -> R {
        let (folder, name) = split(path)
        guard !name.isEmpty else { throw FormatError(file: path, "is not a file name") }
        var tempPath = ""
        var fd: Int32 = -1
        for attempt in 0..<100 {
            let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
            tempPath = (folder.isEmpty ? "" : folder + "/") + ".\(name).\(getpid())-\(tag)-\(attempt).tmp"
            fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(permissions))
            if fd >= 0 || errno != EEXIST { break }
        }
        if fd < 0 {
            throw FormatError(file: path, "cannot create a temporary file beside it: \(MappedFile.errorText(errno))")
        }
        let out = Output(fd: fd, path: path)
        do {
            let result = try body(out)
            try out.flush()
            if fsync(fd) != 0 { throw FormatError(file: path, "cannot sync to disk: \(MappedFile.errorText(errno))") }
            out.closeFile()
            if rename(tempPath, path) != 0 {
                throw FormatError(file: path, "cannot rename the temporary file into place: \(MappedFile.errorText(errno))")
            }
            syncFolder(folder.isEmpty ? "." : folder)
            return result
        } catch {
            out.closeFile()
            unlink(tempPath)
            throw error
        }
    }

    /// Writes `bytes` atomically.
    public static func write(_ bytes: [UInt8], to path: String, permissions: UInt32 = 0o644) throws {
        try write(to: path, permissions: permissions) { try $0.write(bytes) }
    }

    /// Writes `text` as UTF-8 atomically.
    public static func write(_ text: String, to path: String, permissions: UInt32 = 0o644) throws {
        try write(Array(text.utf8), to: path, permissions: permissions)
    }

    /// The open temporary file handed to the body of `write(to:_:)`; writes are buffered.
    public final class Output {
        private var fd: Int32
        private let path: String
        private var buffer: [UInt8] = []
        private let capacity = 1 << 20
        /// Bytes accepted so far.
        public private(set) var bytesWritten = 0

        init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
            buffer.reserveCapacity(capacity)
        }

        /// Appends raw bytes.
        public func write(_ raw: UnsafeRawBufferPointer) throws {
            bytesWritten += raw.count
            if buffer.count + raw.count <= capacity {
                buffer.append(contentsOf: raw)
                return
            }
            try flush()
            if raw.count >= capacity {
                try writeAll(raw)
            } else {
                buffer.append(contentsOf: raw)
            }
        }

        /// Appends bytes.
        public func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }

        /// Appends the UTF-8 bytes of `text`.
        public func write(_ text: String) throws {
            try write(Array(text.utf8))
        }

        /// Appends the raw memory of an array of trivial values (little-endian hosts write little-endian).
        public func write<T: BitwiseCopyable>(contentsOf values: [T]) throws {
            try values.withUnsafeBytes { try write($0) }
        }

        /// Sends buffered bytes to the file.
        func flush() throws {
            if buffer.isEmpty { return }
            try buffer.withUnsafeBytes { try writeAll($0) }
            buffer.removeAll(keepingCapacity: true)
        }

        private func writeAll(_ raw: UnsafeRawBufferPointer) throws {
            guard fd >= 0 else { throw FormatError(file: path, "write after the file was closed") }
            var done = 0
            while done < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FormatError(file: path, "cannot write: \(MappedFile.errorText(errno))")
                }
                done += n
            }
        }

        func closeFile() {
            if fd >= 0 { close(fd) }
            fd = -1
        }

        deinit { closeFile() }
    }

    static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let folder = String(path[..<slash])
        return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
    }

    private static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }
}

/// The C library's `write`, reachable from inside types that have their own `write` methods.
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    write(fd, p, n)
}

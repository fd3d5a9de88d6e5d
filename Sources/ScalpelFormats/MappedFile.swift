#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a whole file, read-only: memory-mapped from disk, or held in memory when parsing a buffer.
///
/// Readers keep a `MappedFile` alive for as long as they hand out pointers into it; the mapping is
/// released when the last reference goes away. The file must not be truncated by another process while
/// it is mapped (the system would stop the process with SIGBUS on the next access past the new end).
public final class MappedFile: @unchecked Sendable {
    /// Where the bytes came from: a path, or the name given to an in-memory buffer.
    public let path: String
    /// How many bytes there are.
    public let count: Int
    /// The first byte; nil only when `count` is 0.
    public let base: UnsafeRawPointer?
    private let mapped: Bool

    /// Maps `path` read-only. Refuses folders, things that are not regular files, and (unless
    /// `allowEmpty`) empty files.
    public init(path: String, allowEmpty: Bool = false) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FormatError(file: path, "cannot open: \(MappedFile.errorText(errno))") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw FormatError(file: path, "cannot stat: \(MappedFile.errorText(errno))") }
        let kind = st.st_mode & S_IFMT
        if kind == S_IFDIR { throw FormatError(file: path, "is a folder, not a file") }
        if kind != S_IFREG { throw FormatError(file: path, "is not a regular file") }
        guard let size = Int(exactly: st.st_size), size >= 0 else {
            throw FormatError(file: path, "has an impossible size \(st.st_size)")
        }
        if size == 0 {
            if !allowEmpty { throw FormatError(file: path, "file is empty") }
            count = 0
            base = nil
            mapped = false
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        if p == MAP_FAILED || p == nil {
            throw FormatError(file: path, "cannot map \(size) bytes: \(MappedFile.errorText(errno))")
        }
        count = size
        base = UnsafeRawPointer(p)
        mapped = true
    }

    /// Copies `bytes` into memory owned by this object; `name` stands in for a path in error messages.
    public init(bytes: [UInt8], name: String = "<memory>") {
        path = name
        count = bytes.count
        mapped = false
        if bytes.isEmpty {
            base = nil
        } else {
            let p = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
            bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            base = UnsafeRawPointer(p)
        }
    }

    deinit {
        guard let base else { return }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    /// All the bytes.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// A bounds-checked reader over all the bytes, starting at `offset`; it keeps this file alive.
    public func reader(at offset: Int = 0) -> ByteReader {
        ByteReader(bytes, file: path, offset: offset, owner: self)
    }

    /// `strerror` as a Swift string.
    static func errorText(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "error \(code)" }
        return String(cString: s)
    }
}

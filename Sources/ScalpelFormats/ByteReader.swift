/// A little-endian reader over a byte buffer that throws `FormatError` instead of trapping.
///
/// Every read checks the bytes it needs against what is left; `what` names the field for the message
/// ("truncated: needs 8 bytes for tensor count at offset 8, only 3 left"). It is an autoclosure, so the
/// message costs nothing unless a read fails. Offsets are absolute positions in the buffer.
public struct ByteReader {
    /// The whole buffer.
    public let bytes: UnsafeRawBufferPointer
    /// The file named in errors.
    public let file: String
    /// The position of the next read.
    public private(set) var offset: Int
    /// Keeps the memory behind `bytes` alive (a `MappedFile`), when the reader came from one.
    private let owner: AnyObject?

    /// A reader over memory the caller keeps alive.
    public init(_ bytes: UnsafeRawBufferPointer, file: String, offset: Int = 0) {
        self.init(bytes, file: file, offset: offset, owner: nil)
    }

    init(_ bytes: UnsafeRawBufferPointer, file: String, offset: Int, owner: AnyObject?) {
        self.bytes = bytes
        self.file = file
        self.offset = min(max(offset, 0), bytes.count)
        self.owner = owner
    }

    /// Bytes left after `offset`.
    public var remaining: Int { bytes.count - offset }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset >= bytes.count }

    /// A `FormatError` about this reader's file.
    public func error(_ problem: String) -> FormatError { FormatError(file: file, problem) }

    /// Throws unless `count` bytes are left.
    public func need(_ count: Int, _ what: @autoclosure () -> String) throws {
        if count < 0 || count > remaining {
            throw error("truncated: needs \(count) bytes for \(what()) at offset \(offset), only \(remaining) left")
        }
    }

    /// Reads a little-endian integer.
    @inline(__always)
    public mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        if size > remaining { try need(size, what()) }
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: v)
    }

    public mutating func u8(_ what: @autoclosure () -> String) throws -> UInt8 { try read(UInt8.self, what()) }
    public mutating func u16(_ what: @autoclosure () -> String) throws -> UInt16 { try read(UInt16.self, what()) }
    public mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { try read(UInt32.self, what()) }
    public mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 { try read(UInt64.self, what()) }
    public mutating func i8(_ what: @autoclosure () -> String) throws -> Int8 { try read(Int8.self, what()) }
    public mutating func i16(_ what: @autoclosure () -> String) throws -> Int16 { try read(Int16.self, what()) }
    public mutating func i32(_ what: @autoclosure () -> String) throws -> Int32 { try read(Int32.self, what()) }
    public mutating func i64(_ what: @autoclosure () -> String) throws -> Int64 { try read(Int64.self, what()) }

    /// Reads a little-endian IEEE binary32.
    public mutating func f32(_ what: @autoclosure () -> String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    /// Reads a little-endian IEEE binary64.
    public mutating func f64(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// Reads a u64 that must fit in `Int` (sizes, counts, offsets).
    public mutating func count64(_ what: @autoclosure () -> String) throws -> Int {
        let v = try read(UInt64.self, what())
        guard let n = Int(exactly: v) else { throw error("\(what()) \(v) is too large") }
        return n
    }

    /// The next `count` bytes, without copying.
    public mutating func bytes(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try need(count, what())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    /// Reads `count` bytes that must be valid UTF-8.
    public mutating func utf8(_ count: Int, _ what: @autoclosure () -> String) throws -> String {
        let raw = try bytes(count, what())
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw error("\(what()) is not valid UTF-8")
        }
        return s
    }

    /// Skips `count` bytes.
    public mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws {
        try need(count, what())
        offset += count
    }

    /// Moves to an absolute position inside the buffer (the end included).
    public mutating func seek(to position: Int, _ what: @autoclosure () -> String) throws {
        guard position >= 0, position <= bytes.count else {
            throw error("\(what()) at offset \(position) is outside the file (\(bytes.count) bytes)")
        }
        offset = position
    }
}

// MARK: - Overflow-checked arithmetic

extension ByteReader {
    /// `a * b`, or nil on overflow.
    @inline(__always)
    public static func multiply(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? nil : r
    }

    /// `a + b`, or nil on overflow.
    @inline(__always)
    public static func add(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? nil : r
    }

    /// The product of `values` (1 for none), or nil on overflow or a negative factor.
    public static func product(_ values: [Int]) -> Int? {
        var p = 1
        for v in values {
            guard v >= 0, let q = multiply(p, v) else { return nil }
            p = q
        }
        return p
    }

    /// `value` rounded up to a multiple of `alignment` (a power of two), or nil on overflow.
    public static func alignUp(_ value: Int, to alignment: Int) -> Int? {
        guard alignment > 0, let v = add(value, alignment - 1) else { return nil }
        return v / alignment * alignment
    }
}

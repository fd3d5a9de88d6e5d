import ScalpelTensor

/// Builds a safetensors file the way the reference implementation lays it out, and writes it atomically.
///
/// Tensors are ordered by descending dtype alignment, then by name (byte order); the header is compact JSON
/// with `__metadata__` first (its keys sorted), padded with spaces so the data starts on an 8-byte boundary.
/// For the same tensors and at most one metadata key, the bytes equal those of `safetensors.save_file`.
/// Tensor bytes can be supplied up front or by a producer called once, in order, while the file is written,
/// so exporting a large model holds one tensor in memory at a time.
public struct SafetensorsWriter {
    /// The `__metadata__` entries (written only when not empty).
    public var metadata: [String: String]
    private var entries: [Entry] = []
    private var names: Set<String> = []

    private struct Entry {
        var name: String
        var dtype: SafetensorsDType
        var shape: [Int]
        var byteCount: Int
        var bytes: [UInt8]?
        var producer: (() throws -> [UInt8])?
    }

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// How many tensors have been added.
    public var count: Int { entries.count }

    private static func fail(_ problem: String) -> FormatError { FormatError(file: "safetensors writer", problem) }

    private mutating func append(_ name: String, _ dtype: SafetensorsDType, _ shape: [Int],
                                 bytes: [UInt8]?, producer: (() throws -> [UInt8])?) throws {
        if name == "__metadata__" { throw Self.fail("'__metadata__' cannot name a tensor") }
        if names.contains(name) { throw Self.fail("tensor '\(name)' was added twice") }
        guard let n = ByteReader.product(shape), let byteCount = ByteReader.multiply(n, dtype.size) else {
            throw Self.fail("tensor '\(name)': shape \(shape) is negative or overflows")
        }
        if let bytes, bytes.count != byteCount {
            throw Self.fail("tensor '\(name)': shape \(shape) × \(dtype.rawValue) needs \(byteCount) bytes, got \(bytes.count)")
        }
        names.insert(name)
        entries.append(Entry(name: name, dtype: dtype, shape: shape, byteCount: byteCount, bytes: bytes, producer: producer))
    }

    /// Adds a tensor from its stored bytes (little-endian, row-major).
    public mutating func add(_ name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) throws {
        try append(name, dtype, shape, bytes: bytes, producer: nil)
    }

    /// Adds a tensor whose bytes `producer` returns when the file is written; the count is checked then.
    public mutating func add(_ name: String, dtype: SafetensorsDType, shape: [Int],
                             producer: @escaping () throws -> [UInt8]) throws {
        try append(name, dtype, shape, bytes: nil, producer: producer)
    }

    /// Adds f32 values stored as `dtype`: F32, F16 or BF16 (both rounded to nearest even).
    public mutating func add(_ name: String, floats: [Float], shape: [Int], as dtype: SafetensorsDType = .f32) throws {
        try append(name, dtype, shape, bytes: Self.encode(floats, as: dtype, name: name), producer: nil)
    }

    /// Adds i32 values (packed weights and the like).
    public mutating func add(_ name: String, int32 values: [Int32], shape: [Int]) throws {
        let bytes = values.withUnsafeBytes { Array($0) }
        try append(name, .i32, shape, bytes: bytes, producer: nil)
    }

    /// Encodes f32 values as F32, F16 or BF16 bytes.
    public static func encode(_ floats: [Float], as dtype: SafetensorsDType, name: String = "") throws -> [UInt8] {
        switch dtype {
        case .f32:
            return floats.withUnsafeBytes { Array($0) }
        case .f16:
            let bits = floats.map { HalfPrecision.floatToF16($0) }
            return bits.withUnsafeBytes { Array($0) }
        case .bf16:
            let bits = floats.map { HalfPrecision.floatToBF16($0) }
            return bits.withUnsafeBytes { Array($0) }
        default:
            throw fail("tensor '\(name)': floats can be stored as F32, F16 or BF16, not \(dtype.rawValue)")
        }
    }

    private var ordered: [Entry] {
        entries.sorted { a, b in
            if a.dtype.writeRank != b.dtype.writeRank { return a.dtype.writeRank > b.dtype.writeRank }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }

    /// The 8-byte length followed by the padded JSON header.
    public func header() -> [UInt8] {
        Self.header(for: ordered, metadata: metadata)
    }

    private static func header(for list: [Entry], metadata: [String: String]) -> [UInt8] {
        var json: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        func comma() { if !first { json.append(UInt8(ascii: ",")) }; first = false }
        if !metadata.isEmpty {
            comma()
            JSONValue.appendString("__metadata__", to: &json)
            json += Array(":{".utf8)
            for (i, key) in metadata.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if i > 0 { json.append(UInt8(ascii: ",")) }
                JSONValue.appendString(key, to: &json)
                json.append(UInt8(ascii: ":"))
                JSONValue.appendString(metadata[key]!, to: &json)
            }
            json.append(UInt8(ascii: "}"))
        }
        var offset = 0
        for e in list {
            comma()
            JSONValue.appendString(e.name, to: &json)
            json += Array(":{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[".utf8)
            json += Array(e.shape.map(String.init).joined(separator: ",").utf8)
            json += Array("],\"data_offsets\":[\(offset),\(offset + e.byteCount)]}".utf8)
            offset += e.byteCount
        }
        json.append(UInt8(ascii: "}"))
        while json.count % 8 != 0 { json.append(0x20) }
        var out = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        out += json
        return out
    }

    private func emit(_ sink: ([UInt8]) throws -> Void) throws {
        let list = ordered
        try sink(Self.header(for: list, metadata: metadata))
        for e in list {
            let bytes = try e.bytes ?? e.producer!()
            if bytes.count != e.byteCount {
                throw Self.fail("tensor '\(e.name)': producer returned \(bytes.count) bytes, shape \(e.shape) × \(e.dtype.rawValue) needs \(e.byteCount)")
            }
            try sink(bytes)
        }
    }

    /// The whole file in memory.
    public func serialized() throws -> [UInt8] {
        var out: [UInt8] = []
        try emit { out += $0 }
        return out
    }

    /// Writes the file atomically (temporary file beside it, fsync, rename).
    public func write(to path: String) throws {
        try AtomicFile.write(to: path) { out in
            try emit { try out.write($0) }
        }
    }
}

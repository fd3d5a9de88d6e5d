/// One tensor described by a safetensors header.
public struct SafetensorsTensor: Sendable, Hashable {
    public var name: String
    public var dtype: SafetensorsDType
    /// Dimensions, slowest-varying first (PyTorch order).
    public var shape: [Int]
    /// Byte range relative to the start of the data region (what the header's `data_offsets` say).
    public var dataOffsets: Range<Int>

    /// The number of elements.
    public var elementCount: Int { shape.reduce(1, *) }
    /// The number of bytes.
    public var byteCount: Int { dataOffsets.count }
}

/// A safetensors file, memory-mapped and fully validated when opened.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`, then the data,
/// with offsets relative to its start. Opening checks the header length, the JSON, every entry's fields and
/// types, that each byte range lies inside the data and matches shape × dtype (with overflow-checked
/// products), and that no two tensors overlap. Nothing is copied until `floats` or `rawBytes` is called.
public final class SafetensorsFile: WeightSource {
    /// The header is refused past this size, as the reference implementation does.
    public static let maxHeaderSize = 100_000_000

    public let path: String
    /// The mapped bytes of the whole file.
    public let storage: MappedFile
    /// The `__metadata__` entries.
    public let metadata: [String: String]
    /// Every tensor, in order of data offset.
    public let tensors: [SafetensorsTensor]
    /// Absolute offset of the data region (8 + header length).
    public let dataStart: Int
    private let index: [String: Int]

    /// Maps and validates the file at `path`.
    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    /// Validates a safetensors file held in memory; `name` stands in for a path in messages.
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws {
        try self.init(file: MappedFile(bytes: bytes, name: name))
    }

    /// Validates the bytes of `file`.
    public init(file: MappedFile) throws {
        path = file.path
        storage = file
        var r = file.reader()
        if file.count < 8 {
            throw r.error("too short for a safetensors file: \(file.count) bytes, the header length alone takes 8")
        }
        let n = try r.u64("header length")
        if n < 2 { throw r.error("header length \(n) is too small to hold a JSON object") }
        if n > UInt64(Self.maxHeaderSize) {
            throw r.error("header length \(n) is larger than the \(Self.maxHeaderSize)-byte limit")
        }
        let headerLength = Int(n)
        if headerLength > file.count - 8 {
            throw r.error("header length \(n) runs past the end of the file (\(file.count) bytes)")
        }
        let header = try r.bytes(headerLength, "header")
        dataStart = 8 + headerLength
        let dataSize = file.count - dataStart

        let json: JSONValue
        do {
            json = try JSONValue.parse(header, options: .strict)
        } catch {
            throw r.error("header is not valid JSON at \(error.location) (byte \(error.offset) of the header): \(error.problem)")
        }
        guard case .object(let entries) = json else {
            throw r.error("header is \(json.kindDescription), not a JSON object")
        }

        var meta: [String: String] = [:]
        var list: [SafetensorsTensor] = []
        list.reserveCapacity(entries.count)
        // Keys in byte order, so that the first problem reported is the same on every run.
        for key in entries.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let value = entries[key]!
            if key == "__metadata__" {
                meta = try Self.parseMetadata(value, reader: r)
                continue
            }
            list.append(try Self.parseEntry(key, value, dataSize: dataSize, reader: r))
        }
        list.sort { a, b in
            if a.dataOffsets != b.dataOffsets {
                return (a.dataOffsets.lowerBound, a.dataOffsets.upperBound) < (b.dataOffsets.lowerBound, b.dataOffsets.upperBound)
            }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        var previous: SafetensorsTensor?
        for t in list where !t.dataOffsets.isEmpty {
            if let p = previous, t.dataOffsets.lowerBound < p.dataOffsets.upperBound {
                throw r.error("tensors '\(p.name)' (bytes \(p.dataOffsets.lowerBound)..<\(p.dataOffsets.upperBound)) "
                    + "and '\(t.name)' (bytes \(t.dataOffsets.lowerBound)..<\(t.dataOffsets.upperBound)) overlap")
            }
            previous = t
        }
        metadata = meta
        tensors = list
        var map: [String: Int] = [:]
        for (i, t) in list.enumerated() { map[t.name] = i }
        index = map
    }

    private static func parseMetadata(_ value: JSONValue, reader r: ByteReader) throws -> [String: String] {
        guard case .object(let pairs) = value else {
            throw r.error("__metadata__ is \(value.kindDescription), expected an object of strings")
        }
        var meta: [String: String] = [:]
        for k in pairs.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let v = pairs[k]!
            guard case .string(let s) = v else {
                throw r.error("__metadata__ entry '\(k)' is \(v.kindDescription), expected a string")
            }
            meta[k] = s
        }
        return meta
    }

    private static func parseEntry(_ name: String, _ value: JSONValue, dataSize: Int,
                                   reader r: ByteReader) throws -> SafetensorsTensor {
        guard case .object(let fields) = value else {
            throw r.error("tensor '\(name)' is described by \(value.kindDescription), expected an object")
        }
        func field(_ key: String) throws -> JSONValue {
            guard let v = fields[key] else { throw r.error("tensor '\(name)' has no '\(key)'") }
            return v
        }
        func integers(_ key: String) throws -> [Int] {
            let v = try field(key)
            guard case .array(let items) = v else {
                throw r.error("tensor '\(name)': '\(key)' is \(v.kindDescription), expected an array of integers")
            }
            return try items.map { item in
                // Exact: the parser keeps every integer up to 64 bits, so nothing here went through Double.
                guard let v = item.uint64 else {
                    throw r.error("tensor '\(name)': '\(key)' holds \(item.briefDescription), expected non-negative integers")
                }
                guard let i = Int(exactly: v) else {
                    throw r.error("tensor '\(name)': '\(key)' value \(v) is too large")
                }
                return i
            }
        }
        let dtypeValue = try field("dtype")
        guard case .string(let dtypeName) = dtypeValue else {
            throw r.error("tensor '\(name)': 'dtype' is \(dtypeValue.kindDescription), expected a string")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw r.error("tensor '\(name)' has unknown dtype '\(dtypeName)'")
        }
        let shape = try integers("shape")
        let offsets = try integers("data_offsets")
        guard offsets.count == 2 else {
            throw r.error("tensor '\(name)': 'data_offsets' has \(offsets.count) values, expected [begin, end]")
        }
        let (begin, end) = (offsets[0], offsets[1])
        if begin > end {
            throw r.error("tensor '\(name)': data_offsets [\(begin), \(end)] begin after they end")
        }
        if end > dataSize {
            throw r.error("tensor '\(name)': data_offsets [\(begin), \(end)] run past the end of the data region (\(dataSize) bytes)")
        }
        guard let elements = ByteReader.product(shape), let bytes = ByteReader.multiply(elements, dtype.size) else {
            throw r.error("tensor '\(name)': shape \(shape) × \(dtype.rawValue) overflows")
        }
        if bytes != end - begin {
            throw r.error("tensor '\(name)': shape \(shape) × \(dtype.rawValue) needs \(bytes) bytes, but data_offsets [\(begin), \(end)] hold \(end - begin)")
        }
        return SafetensorsTensor(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    // MARK: - Access

    public var tensorNames: [String] { tensors.map(\.name) }

    /// The header entry for `name`.
    public func tensor(_ name: String) -> SafetensorsTensor? {
        index[name].map { tensors[$0] }
    }

    public func info(_ name: String) -> WeightInfo? {
        tensor(name).map { WeightInfo(dtype: $0.dtype.rawValue, shape: $0.shape) }
    }

    /// The stored bytes of `name`, pointing into the mapping (valid while this object lives).
    public func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
        guard let t = tensor(name) else { throw missing(name) }
        return rawBytes(t)
    }

    /// The stored bytes of a tensor of this file.
    public func rawBytes(_ t: SafetensorsTensor) -> UnsafeRawBufferPointer {
        let lo = dataStart + t.dataOffsets.lowerBound
        return UnsafeRawBufferPointer(rebasing: storage.bytes[lo..<(lo + t.byteCount)])
    }

    public func floats(_ name: String) throws -> [Float] {
        guard let t = tensor(name) else { throw missing(name) }
        let count = t.elementCount
        var ok = true
        let out = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                ok = SafetensorsDType.convert(t.dtype, rawBytes(t).baseAddress!, count: count, into: buffer.baseAddress!)
            }
            initialized = ok ? count : 0
        }
        if !ok { throw FormatError(file: path, "tensor '\(name)' has dtype \(t.dtype.rawValue), which cannot be converted to f32") }
        return out
    }
}

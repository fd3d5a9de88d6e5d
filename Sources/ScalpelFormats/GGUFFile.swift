/// One tensor described by a GGUF file.
public struct GGUFTensorInfo: Sendable, Hashable {
    public var name: String
    /// Dimensions as the file lists them, fastest-varying first (`token_embd` is [hidden, vocab]).
    public var dims: [Int]
    public var type: GGUFTensorType
    /// Byte offset relative to the start of the data section.
    public var offset: Int
    /// Bytes the tensor occupies.
    public var byteCount: Int

    /// The number of elements (1 for no dimensions).
    public var elementCount: Int { dims.reduce(1, *) }
    /// Dimensions in PyTorch order, slowest-varying first (`token_embd` is [vocab, hidden]).
    public var shape: [Int] { dims.reversed() }
}

/// A GGUF file (versions 2 and 3), memory-mapped and fully validated when opened.
///
/// Layout: magic `GGUF`, version (u32), tensor count and metadata count (u64), the typed metadata,
/// the tensor infos (name, dimension count ≤ 4, dimensions fastest-varying first, type, offset), padding
/// to the alignment (`general.alignment`, default 32), then the data section. Opening checks every count
/// against the bytes left before allocating anything, every string for UTF-8, every type number, the
/// alignment of each offset, that each tensor's bytes (whole blocks per row) lie inside the file, and
/// that no two tensors overlap.
public final class GGUFFile: Sendable {
    /// "GGUF" read as a little-endian u32.
    public static let magic: UInt32 = 0x4655_4747
    /// Arrays inside arrays deeper than this are refused.
    public static let maxArrayDepth = 8

    public let path: String
    /// The mapped bytes of the whole file.
    public let storage: MappedFile
    /// 2 or 3.
    public let version: UInt32
    /// The metadata by key.
    public let metadata: [String: GGUFValue]
    /// The metadata keys in file order.
    public let metadataKeys: [String]
    /// The tensors in file order.
    public let tensors: [GGUFTensorInfo]
    /// The data alignment in bytes.
    public let alignment: Int
    /// Absolute offset of the data section.
    public let dataStart: Int
    private let index: [String: Int]

    /// Maps and validates the file at `path`.
    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    /// Validates a GGUF file held in memory; `name` stands in for a path in messages.
    public convenience init(bytes: [UInt8], name: String = "<memory>") throws {
        try self.init(file: MappedFile(bytes: bytes, name: name))
    }

    /// Validates the bytes of `file`.
    public init(file: MappedFile) throws {
        path = file.path
        storage = file
        var r = file.reader()
        if file.count < 4 { throw r.error("too short to be a GGUF file (\(file.count) bytes)") }
        let m = try r.u32("magic")
        if m != Self.magic {
            let shown = (0..<4).map { i -> String in
                let b = UInt8(truncatingIfNeeded: m >> (8 * UInt32(i)))
                return (0x20...0x7E).contains(b) ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16)
            }.joined()
            throw r.error("not a GGUF file: it starts with '\(shown)', expected 'GGUF'")
        }
        let v = try r.u32("version")
        switch v {
        case 2, 3: break
        case 1: throw r.error("GGUF version 1 is not supported (only versions 2 and 3)")
        case 0x0200_0000, 0x0300_0000: throw r.error("big-endian GGUF is not supported")
        default: throw r.error("unsupported GGUF version \(v) (only versions 2 and 3)")
        }
        version = v
        let tensorCount = try r.u64("tensor count")
        let kvCount = try r.u64("metadata count")
        // Smallest encodings: a key/value is 8 (key length) + 4 (type) + 1 (a u8); a tensor info is
        // 8 (name length) + 4 (dimension count) + 4 (type) + 8 (offset).
        if kvCount > UInt64(r.remaining / 13) {
            throw r.error("metadata count \(kvCount) is impossible: the file has only \(r.remaining) bytes left")
        }
        if tensorCount > UInt64((r.remaining - Int(kvCount) * 13) / 24) {
            throw r.error("tensor count \(tensorCount) is impossible: the file has only \(r.remaining) bytes left")
        }

        var meta: [String: GGUFValue] = [:]
        var keys: [String] = []
        keys.reserveCapacity(Int(kvCount))
        for i in 0..<Int(kvCount) {
            let keyLength = try r.count64("length of metadata key \(i)")
            let key = try r.utf8(keyLength, "metadata key \(i)")
            let type = try r.u32("type of metadata '\(key)'")
            let value = try Self.readValue(type: type, from: &r, key: key, depth: 0)
            if meta.updateValue(value, forKey: key) != nil { throw r.error("metadata key '\(key)' appears twice") }
            keys.append(key)
        }
        metadata = meta
        metadataKeys = keys

        var align = 32
        if let a = meta["general.alignment"] {
            guard let n = a.int else { throw r.error("general.alignment must be an integer, found \(a)") }
            guard n > 0, n & (n - 1) == 0, n <= 1 << 30 else {
                throw r.error("general.alignment \(n) is not a power of two")
            }
            align = n
        }
        alignment = align

        if tensorCount > UInt64(r.remaining / 24) {
            throw r.error("tensor count \(tensorCount) is impossible: only \(r.remaining) bytes are left for tensor infos")
        }
        var list: [GGUFTensorInfo] = []
        list.reserveCapacity(Int(tensorCount))
        var seen: [String: Int] = [:]
        for i in 0..<Int(tensorCount) {
            let nameLength = try r.count64("name length of tensor \(i)")
            let name = try r.utf8(nameLength, "name of tensor \(i)")
            if seen.updateValue(i, forKey: name) != nil { throw r.error("tensor name '\(name)' appears twice") }
            let nDims = try r.u32("dimension count of tensor '\(name)'")
            if nDims > 4 { throw r.error("tensor '\(name)' has \(nDims) dimensions (at most 4 are allowed)") }
            var dims: [Int] = []
            for d in 0..<Int(nDims) {
                let raw = try r.u64("dimension \(d) of tensor '\(name)'")
                guard let n = Int(exactly: raw) else {
                    throw r.error("tensor '\(name)': dimension \(d) is \(raw), too large")
                }
                dims.append(n)
            }
            let rawType = try r.u32("type of tensor '\(name)'")
            guard let type = GGUFTensorType(rawValue: rawType) else {
                throw r.error("tensor '\(name)' has unknown type \(rawType)")
            }
            let rawOffset = try r.u64("offset of tensor '\(name)'")
            guard let offset = Int(exactly: rawOffset) else {
                throw r.error("tensor '\(name)': offset \(rawOffset) is too large")
            }
            if offset % align != 0 {
                throw r.error("tensor '\(name)': offset \(offset) is not a multiple of the alignment \(align)")
            }
            let ne0 = dims.first ?? 1
            if ne0 % type.blockSize != 0 {
                throw r.error("tensor '\(name)': first dimension \(ne0) is not a multiple of the \(type.name) block size \(type.blockSize)")
            }
            guard let rows = ByteReader.product(Array(dims.dropFirst())),
                  let rowBytes = ByteReader.multiply(ne0 / type.blockSize, type.bytesPerBlock),
                  let bytes = ByteReader.multiply(rows, rowBytes),
                  ByteReader.product(dims) != nil
            else {
                throw r.error("tensor '\(name)': dimensions \(dims) × \(type.name) overflow")
            }
            list.append(GGUFTensorInfo(name: name, dims: dims, type: type, offset: offset, byteCount: bytes))
        }

        guard let start = ByteReader.alignUp(r.offset, to: align) else { throw r.error("data section offset overflows") }
        dataStart = start
        for t in list {
            guard let end = ByteReader.add(t.offset, t.byteCount), let absEnd = ByteReader.add(start, end),
                  absEnd <= file.count
            else {
                throw r.error("tensor '\(t.name)' (\(t.byteCount) bytes at data offset \(t.offset)) runs past the end of the file "
                    + "(data starts at \(start), file has \(file.count) bytes)")
            }
        }
        let byOffset = list.filter { $0.byteCount > 0 }.sorted { $0.offset < $1.offset }
        for k in byOffset.indices.dropFirst() {
            let a = byOffset[k - 1], b = byOffset[k]
            if b.offset < a.offset + a.byteCount {
                throw r.error("tensors '\(a.name)' (data bytes \(a.offset)..<\(a.offset + a.byteCount)) "
                    + "and '\(b.name)' (data bytes \(b.offset)..<\(b.offset + b.byteCount)) overlap")
            }
        }
        tensors = list
        index = seen
    }

    /// The smallest number of bytes a value of `type` takes, or nil for an unknown type.
    static func minimumSize(_ type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: 1
        case 2, 3: 2
        case 4, 5, 6: 4
        case 10, 11, 12: 8
        case 8: 8
        case 9: 12
        default: nil
        }
    }

    private static func readValue(type: UInt32, from r: inout ByteReader, key: String, depth: Int) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try r.u8("value of '\(key)'"))
        case 1: return .int8(try r.i8("value of '\(key)'"))
        case 2: return .uint16(try r.u16("value of '\(key)'"))
        case 3: return .int16(try r.i16("value of '\(key)'"))
        case 4: return .uint32(try r.u32("value of '\(key)'"))
        case 5: return .int32(try r.i32("value of '\(key)'"))
        case 6: return .float32(try r.f32("value of '\(key)'"))
        case 7: return .bool(try r.u8("value of '\(key)'") != 0)
        case 8:
            let length = try r.u64("string length of '\(key)'")
            guard length <= UInt64(r.remaining) else {
                throw r.error("metadata '\(key)': string length \(length) runs past the end of the file (\(r.remaining) bytes left)")
            }
            return .string(try r.utf8(Int(length), "string of metadata '\(key)'"))
        case 9:
            if depth >= maxArrayDepth { throw r.error("metadata '\(key)': arrays nested deeper than \(maxArrayDepth) levels") }
            let elementType = try r.u32("array element type of '\(key)'")
            guard let size = minimumSize(elementType) else {
                throw r.error("metadata '\(key)': unknown array element type \(elementType)")
            }
            let count = try r.u64("array length of '\(key)'")
            guard count <= UInt64(r.remaining / size) else {
                throw r.error("metadata '\(key)': array length \(count) cannot fit in the \(r.remaining) bytes left")
            }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                items.append(try readValue(type: elementType, from: &r, key: key, depth: depth + 1))
            }
            return .array(items)
        case 10: return .uint64(try r.u64("value of '\(key)'"))
        case 11: return .int64(try r.i64("value of '\(key)'"))
        case 12: return .float64(try r.f64("value of '\(key)'"))
        default: throw r.error("metadata '\(key)' has unknown value type \(type)")
        }
    }

    // MARK: - Access

    /// `general.architecture` ("llama"), when present.
    public var architecture: String? { metadata["general.architecture"]?.string }

    /// The tensor names in file order.
    public var tensorNames: [String] { tensors.map(\.name) }

    /// The info for `name`.
    public func tensor(_ name: String) -> GGUFTensorInfo? {
        index[name].map { tensors[$0] }
    }

    private func missing(_ name: String) -> FormatError { FormatError(file: path, "no tensor named '\(name)'") }

    /// The stored bytes of `name`, pointing into the mapping (valid while this object lives).
    public func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
        guard let t = tensor(name) else { throw missing(name) }
        return rawBytes(t)
    }

    /// The stored bytes of a tensor of this file.
    public func rawBytes(_ t: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        let lo = dataStart + t.offset
        return UnsafeRawBufferPointer(rebasing: storage.bytes[lo..<(lo + t.byteCount)])
    }

    /// The values of `name` as f32, in the file's order (row-major over `shape`). Matches
    /// `gguf.quants.dequantize` bit for bit.
    public func floats(_ name: String) throws -> [Float] {
        guard let t = tensor(name) else { throw missing(name) }
        guard t.type.canDequantize else {
            throw FormatError(file: path, "tensor '\(name)' has type \(t.type.name), which Scalpel cannot dequantize "
                + "(supported: F32, F16, BF16, F64, I8, I16, I32, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)")
        }
        let count = t.elementCount
        let src = rawBytes(t)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            GGUFDequantizer.dequantize(t.type, src, into: buffer)
            initialized = count
        }
    }
}

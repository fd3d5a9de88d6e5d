/// Writes GGUF version 3 files (llama.cpp `docs/gguf.md`), atomically.
///
/// Layout: magic `GGUF`, version 3 (u32), tensor count and metadata count (u64), the metadata in insertion
/// order (key as u64 length + UTF-8, value type u32, value), the tensor infos (name, dimension count u32,
/// dimensions fastest-varying first as u64, type u32, data offset u64), zero padding to the alignment
/// (`general.alignment`, default 32), then each tensor's bytes padded to the alignment. Tensor bytes come
/// from producers called once each, in order, while the file is written, so one tensor is in memory at a
/// time.
public struct GGUFWriter {
    public private(set) var metadata: [(key: String, value: GGUFValue)] = []
    private var tensors: [Entry] = []
    private var names: Set<String> = []

    private struct Entry {
        var name: String
        var dims: [Int]
        var type: GGUFTensorType
        var byteCount: Int
        var producer: () throws -> [UInt8]
    }

    public init() {}

    /// The data alignment: `general.alignment` when set, else 32.
    public var alignment: Int { metadata.first { $0.key == "general.alignment" }?.value.int ?? 32 }

    private static func fail(_ problem: String) -> FormatError { FormatError(file: "GGUF writer", problem) }

    /// Sets metadata `key` (replacing an earlier value in place).
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = metadata.firstIndex(where: { $0.key == key }) { metadata[i].value = value } else { metadata.append((key, value)) }
    }

    /// Adds a tensor of `dims` (fastest-varying first, as GGUF lists them) whose bytes `producer` returns.
    public mutating func addTensor(_ name: String, dims: [Int], type: GGUFTensorType, producer: @escaping () throws -> [UInt8]) throws {
        guard !names.contains(name) else { throw Self.fail("tensor '\(name)' was added twice") }
        guard !dims.isEmpty, dims.count <= 4, dims.allSatisfy({ $0 > 0 }) else { throw Self.fail("tensor '\(name)': dimensions \(dims) are not 1–4 positive sizes") }
        guard dims[0] % type.blockSize == 0 else {
            throw Self.fail("tensor '\(name)': first dimension \(dims[0]) is not a multiple of the \(type.name) block size \(type.blockSize)")
        }
        let rows = dims.dropFirst().reduce(1, *)
        names.insert(name)
        tensors.append(Entry(name: name, dims: dims, type: type, byteCount: rows * (dims[0] / type.blockSize) * type.bytesPerBlock,
                             producer: producer))
    }

    /// Adds a tensor from its bytes.
    public mutating func addTensor(_ name: String, dims: [Int], type: GGUFTensorType, bytes: [UInt8]) throws {
        try addTensor(name, dims: dims, type: type) { bytes }
    }

    /// Bytes the whole file will take.
    public var fileSize: Int {
        let a = alignment
        var size = header().count
        for t in tensors { size += (t.byteCount + a - 1) / a * a }
        return size
    }

    /// Everything before the data section, padded to the alignment.
    public func header() -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out += Array(s.utf8) }
        u32(GGUFFile.magic)
        u32(3)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (key, value) in metadata {
            string(key)
            u32(Self.typeCode(value))
            Self.append(value, to: &out)
        }
        let a = alignment
        var offset = 0
        for t in tensors {
            string(t.name)
            u32(UInt32(t.dims.count))
            for d in t.dims { u64(UInt64(d)) }
            u32(t.type.rawValue)
            u64(UInt64(offset))
            offset += (t.byteCount + a - 1) / a * a
        }
        while out.count % a != 0 { out.append(0) }
        return out
    }

    static func typeCode(_ v: GGUFValue) -> UInt32 {
        switch v {
        case .uint8: 0
        case .int8: 1
        case .uint16: 2
        case .int16: 3
        case .uint32: 4
        case .int32: 5
        case .float32: 6
        case .bool: 7
        case .string: 8
        case .array: 9
        case .uint64: 10
        case .int64: 11
        case .float64: 12
        }
    }

    static func append(_ v: GGUFValue, to out: inout [UInt8]) {
        func put<T: FixedWidthInteger>(_ x: T) { withUnsafeBytes(of: x.littleEndian) { out += $0 } }
        switch v {
        case .uint8(let x): put(x)
        case .int8(let x): put(x)
        case .uint16(let x): put(x)
        case .int16(let x): put(x)
        case .uint32(let x): put(x)
        case .int32(let x): put(x)
        case .uint64(let x): put(x)
        case .int64(let x): put(x)
        case .float32(let x): put(x.bitPattern)
        case .float64(let x): put(x.bitPattern)
        case .bool(let x): out.append(x ? 1 : 0)
        case .string(let s): put(UInt64(s.utf8.count)); out += Array(s.utf8)
        case .array(let items):
            put(items.first.map(typeCode) ?? 8)
            put(UInt64(items.count))
            for item in items { append(item, to: &out) }
        }
    }

    /// Writes the file atomically.
    public func write(to path: String) throws {
        let a = alignment
        try AtomicFile.write(to: path) { out in
            try out.write(header())
            for t in tensors {
                let bytes = try t.producer()
                guard bytes.count == t.byteCount else {
                    throw Self.fail("tensor '\(t.name)': producer returned \(bytes.count) bytes, \(t.dims) × \(t.type.name) needs \(t.byteCount)")
                }
                try out.write(bytes)
                let pad = (a - bytes.count % a) % a
                if pad > 0 { try out.write([UInt8](repeating: 0, count: pad)) }
            }
        }
    }
}

/// f32 → ggml blocks, rounding exactly as ggml's reference `quantize_row_q4_0_ref`, `quantize_row_q4_1_ref`
/// and `quantize_row_q8_0_ref` (and the `gguf` Python package's `gguf.quants.quantize`, which reproduces
/// them bit for bit):
///
/// - Q4_0: `m` = the value of largest magnitude (first one on ties), `d = m / −8`, `id = 1/d` (0 when
///   d = 0), `q = min(15, trunc(x·id + 8.5))`; d stored as fp16.
/// - Q4_1: `d = (max − min) / 15`, `id = 1/d`, `q = min(15, trunc((x − min)·id + 0.5))`; d and min stored
///   as fp16.
/// - Q8_0: `d = max|x| / 127`, `id = 1/d`, `q = roundf(x·id)` (half away from zero); d as fp16.
///
/// Weights 0–15 of a 4-bit block sit in the low nibbles of its 16 bytes, 16–31 in the high nibbles.
public enum GGUFQuantizer {
    /// Encodes `values` (a multiple of the block size) as `type`: F32, F16, Q4_0, Q4_1 or Q8_0.
    public static func quantize(_ values: [Float], as type: GGUFTensorType) throws -> [UInt8] {
        guard values.count % type.blockSize == 0 else {
            throw FormatError(file: "GGUF writer", "\(values.count) values are not whole \(type.name) blocks of \(type.blockSize)")
        }
        let blocks = values.count / type.blockSize
        var out = [UInt8](repeating: 0, count: blocks * type.bytesPerBlock)
        func half(_ x: Float, _ at: Int) {
            let b = Float16(x).bitPattern
            out[at] = UInt8(b & 0xFF)
            out[at + 1] = UInt8(b >> 8)
        }
        switch type {
        case .f32:
            return values.withUnsafeBytes { Array($0) }
        case .f16:
            for (i, v) in values.enumerated() { half(v, 2 * i) }
        case .q4_0:
            for b in 0..<blocks {
                let x = values[(b * 32)..<(b * 32 + 32)], o = b * 18
                var amax: Float = 0, m: Float = 0
                for v in x where amax < abs(v) { amax = abs(v); m = v }
                let d = m / -8
                let id: Float = d != 0 ? 1 / d : 0
                half(d, o)
                for j in 0..<16 {
                    let x0 = x[x.startIndex + j] * id + 8.5, x1 = x[x.startIndex + 16 + j] * id + 8.5
                    let q0 = min(15, UInt8(clamping: Int(x0.rounded(.towardZero))))
                    let q1 = min(15, UInt8(clamping: Int(x1.rounded(.towardZero))))
                    out[o + 2 + j] = q0 | (q1 << 4)
                }
            }
        case .q4_1:
            for b in 0..<blocks {
                let x = values[(b * 32)..<(b * 32 + 32)], o = b * 20
                let lo = x.min()!, hi = x.max()!
                let d = (hi - lo) / 15
                let id: Float = d != 0 ? 1 / d : 0
                half(d, o)
                half(lo, o + 2)
                for j in 0..<16 {
                    let x0 = (x[x.startIndex + j] - lo) * id + 0.5, x1 = (x[x.startIndex + 16 + j] - lo) * id + 0.5
                    let q0 = min(15, UInt8(clamping: Int(x0.rounded(.towardZero))))
                    let q1 = min(15, UInt8(clamping: Int(x1.rounded(.towardZero))))
                    out[o + 4 + j] = q0 | (q1 << 4)
                }
            }
        case .q8_0:
            for b in 0..<blocks {
                let x = values[(b * 32)..<(b * 32 + 32)], o = b * 34
                let amax = x.reduce(Float(0)) { max($0, abs($1)) }
                let d = amax / 127
                let id: Float = d != 0 ? 1 / d : 0
                half(d, o)
                for j in 0..<32 {
                    let q = (x[x.startIndex + j] * id).rounded()
                    out[o + 2 + j] = UInt8(bitPattern: Int8(clamping: Int(q)))
                }
            }
        default:
            throw FormatError(file: "GGUF writer", "cannot encode \(type.name) (supported: F32, F16, Q4_0, Q4_1, Q8_0)")
        }
        return out
    }
}

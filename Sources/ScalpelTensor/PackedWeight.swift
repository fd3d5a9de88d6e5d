import CKernels

/// A linear layer's weight `[rows, cols]` (PyTorch's `[out, in]`) held as packed low-bit codes with
/// group-wise fp16 scales and zero points — the weight itself is never expanded to f32 in memory.
///
/// Codes take `bits` bits each (2, 3, 4 or 8), laid out row by row in chunks of 32 inputs of `4·bits`
/// bytes (the layout of `scalpel_packed.h`; at 4 bits it is ggml's Q4_0/Q4_1 block order, so GGUF blocks
/// copy in unchanged). Groups of `groupSize` consecutive inputs of a row (a multiple of 32, or the whole
/// row) share a scale `s` and a zero point:
/// - `.symmetric`: `w = (q − 2^(bits−1)) · s`, nothing stored beyond the scale;
/// - `.codes`: `w = (q − z) · s` with an integer zero `z` per group (one byte);
/// - `.offsets`: `w = q · s + m` with an fp16 offset `m` per group (ggml's Q4_1).
///
/// Memory: `rows · ⌈cols/32⌉ · 4·bits` code bytes plus 2 bytes of scale per group, and 1 (codes) or
/// 2 (offsets) more per group for the zero point. `PackedLinear` runs the fused kernels.
public final class PackedWeight: @unchecked Sendable {
    /// How a group's zero point is stored.
    public enum ZeroPoint: Sendable, Equatable {
        case symmetric, codes, offsets
    }

    public let rows: Int
    public let cols: Int
    public let bits: Int
    /// Inputs per group: a multiple of 32, or `cols` for one group per row.
    public let groupSize: Int
    /// Groups per row, `⌈cols / groupSize⌉`.
    public let groups: Int
    public let zeroPoint: ZeroPoint
    /// Bytes of one row of codes: `⌈cols/32⌉ · 4·bits`.
    public let rowBytes: Int
    /// `[rows, rowBytes]` packed codes (writable so that loaders can fill them in place).
    public let codes: UnsafeMutablePointer<UInt8>
    /// `[rows, groups]` scales as fp16 bit patterns.
    public let scales: UnsafeMutablePointer<UInt16>
    /// `[rows, groups]` integer zero points (`.codes` only).
    public let zeros: UnsafeMutablePointer<UInt8>?
    /// `[rows, groups]` fp16 offsets (`.offsets` only).
    public let offsets: UnsafeMutablePointer<UInt16>?

    public static let supportedBits = [2, 3, 4, 8]
    /// Inputs per chunk of the layout.
    public static let chunk = 32

    /// A zero-filled weight of the given shape and scheme (`groupSize` nil: one group per row).
    /// - Throws: `TensorError` for a bit width other than 2, 3, 4, 8, a group that is neither a positive
    ///   multiple of 32 nor the whole row, or a negative dimension.
    public init(rows: Int, cols: Int, bits: Int, groupSize: Int?, zeroPoint: ZeroPoint) throws {
        guard rows >= 0, cols >= 0 else {
            throw TensorError("packed weight", "\(rows) × \(cols): dimensions must not be negative")
        }
        guard Self.supportedBits.contains(bits) else {
            throw TensorError("packed weight", "holds 2, 3, 4 or 8 bits per code, not \(bits)")
        }
        let g = groupSize ?? max(cols, 1)
        guard g > 0, g % Self.chunk == 0 || g >= cols else {
            throw TensorError("packed weight", "needs a group size that is a multiple of 32 or spans the row (\(cols) inputs), not \(g)")
        }
        self.rows = rows
        self.cols = cols
        self.bits = bits
        self.groupSize = g
        groups = cols == 0 ? 0 : (cols + g - 1) / g
        self.zeroPoint = zeroPoint
        rowBytes = (cols + Self.chunk - 1) / Self.chunk * 4 * bits
        codes = .allocate(capacity: max(rows * rowBytes, 1))
        codes.initialize(repeating: 0, count: max(rows * rowBytes, 1))
        let groupCount = max(rows * groups, 1)
        scales = .allocate(capacity: groupCount)
        scales.initialize(repeating: 0, count: groupCount)
        if zeroPoint == .codes {
            let z = UnsafeMutablePointer<UInt8>.allocate(capacity: groupCount)
            z.initialize(repeating: 0, count: groupCount)
            zeros = z
        } else {
            zeros = nil
        }
        if zeroPoint == .offsets {
            let m = UnsafeMutablePointer<UInt16>.allocate(capacity: groupCount)
            m.initialize(repeating: 0, count: groupCount)
            offsets = m
        } else {
            offsets = nil
        }
    }

    /// Packs unpacked codes `[rows, cols]` (each below 2^bits) with per-group scales, and zero points
    /// (`zeros`, for `.codes`) or offsets (`offsets`, for `.offsets`), all `[rows, groups]`. Scales and
    /// offsets are stored as fp16 (exactly, when they are already fp16 values).
    /// - Throws: `TensorError` for inconsistent sizes, a code or zero that does not fit, or a missing
    ///   zero/offset array.
    public convenience init(codes q: [UInt8], rows: Int, cols: Int, bits: Int, groupSize: Int?,
                            scales s: [Float], zeros z: [UInt8]? = nil, offsets m: [Float]? = nil) throws {
        let mode: ZeroPoint = z != nil ? .codes : (m != nil ? .offsets : .symmetric)
        try self.init(rows: rows, cols: cols, bits: bits, groupSize: groupSize, zeroPoint: mode)
        guard z == nil || m == nil else { throw TensorError("packed weight", "give zero codes or offsets, not both") }
        guard q.count == rows * cols else {
            throw TensorError("packed weight", "\(q.count) codes for \(rows) × \(cols)")
        }
        let n = rows * groups
        guard s.count == n, (z?.count ?? n) == n, (m?.count ?? n) == n else {
            throw TensorError("packed weight", "scales/zeros/offsets need \(rows) × \(groups) = \(n) values each (got \(s.count), \(z?.count ?? n), \(m?.count ?? n))")
        }
        let limit = 1 << bits
        for r in 0..<rows {
            for c in 0..<cols {
                let v = q[r * cols + c]
                guard Int(v) < limit else {
                    throw TensorError("packed weight", "code \(v) at [\(r), \(c)] does not fit in \(bits) bits")
                }
                setCode(row: r, col: c, Int(v))
            }
        }
        for i in 0..<n {
            scales[i] = Float16(s[i]).bitPattern
            if let z {
                guard Int(z[i]) < limit else { throw TensorError("packed weight", "zero point \(z[i]) does not fit in \(bits) bits") }
                zeros![i] = z[i]
            }
            if let m { offsets![i] = Float16(m[i]).bitPattern }
        }
    }

    deinit {
        codes.deallocate()
        scales.deallocate()
        zeros?.deallocate()
        offsets?.deallocate()
    }

    /// Bytes held: codes, scales and zero points.
    public var byteCount: Int {
        let g = rows * groups
        return rows * rowBytes + 2 * g + (zeros != nil ? g : 0) + (offsets != nil ? 2 * g : 0)
    }

    /// Stores `code` at `[row, col]` (bits outside the code are left as they are).
    public func setCode(row r: Int, col c: Int, _ code: Int) {
        let chunk = codes + r * rowBytes + (c / Self.chunk) * 4 * bits
        let j = c % Self.chunk
        switch bits {
        case 8:
            chunk[j] = UInt8(code)
        case 4:
            if j < 16 {
                chunk[j] = (chunk[j] & 0xF0) | UInt8(code & 15)
            } else {
                chunk[j - 16] = (chunk[j - 16] & 0x0F) | UInt8((code & 15) << 4)
            }
        default:
            let shift = 2 * (j / 8)
            chunk[j % 8] = (chunk[j % 8] & ~UInt8(3 << shift)) | UInt8((code & 3) << shift)
            if bits == 3 {
                let byte = 8 + j / 8, bit = j % 8
                chunk[byte] = (chunk[byte] & ~UInt8(1 << bit)) | UInt8(((code >> 2) & 1) << bit)
            }
        }
    }

    /// The code at `[row, col]`.
    public func code(row r: Int, col c: Int) -> Int {
        let chunk = codes + r * rowBytes + (c / Self.chunk) * 4 * bits
        let j = c % Self.chunk
        switch bits {
        case 8: return Int(chunk[j])
        case 4: return j < 16 ? Int(chunk[j] & 15) : Int(chunk[j - 16] >> 4)
        default:
            var v = Int(chunk[j % 8] >> UInt8(2 * (j / 8))) & 3
            if bits == 3 { v |= Int((chunk[8 + j / 8] >> UInt8(j % 8)) & 1) << 2 }
            return v
        }
    }

    /// Rows `range` of the weight in f32 into `out` (`range.count · cols` floats), bit for bit
    /// `(q − z) · s` or `q · s + m`.
    public func dequantize(rows range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) outside 0..<\(rows)")
        withDescriptor { scalpel_packed_dequantize($0, range.lowerBound, range.upperBound, out) }
    }

    /// The whole weight in f32, `[rows, cols]` row-major.
    public func dequantized() -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * cols) { buffer, initialized in
            if rows * cols > 0 { dequantize(rows: 0..<rows, into: buffer.baseAddress!) }
            initialized = rows * cols
        }
    }

    /// The C view of the weight for the kernels.
    func withDescriptor<R>(_ body: (UnsafePointer<scalpel_packed_weight>) -> R) -> R {
        var d = scalpel_packed_weight(
            codes: codes, scales: scales, zeros: zeros.map { UnsafePointer($0) },
            offsets: offsets.map { UnsafePointer($0) }, rows: rows, cols: cols, row_bytes: rowBytes,
            group_size: groupSize, groups: groups, bits: Int32(bits),
            zero_mode: zeroPoint == .symmetric ? Int32(SCALPEL_ZERO_SYMMETRIC)
                : (zeroPoint == .codes ? Int32(SCALPEL_ZERO_CODES) : Int32(SCALPEL_ZERO_OFFSETS)))
        return withUnsafePointer(to: &d) { body($0) }
    }
}

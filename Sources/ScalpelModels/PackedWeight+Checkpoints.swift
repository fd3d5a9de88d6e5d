#if canImport(Glibc)
import Glibc
#endif
import ScalpelFormats
import ScalpelTensor

extension PackedWeight {
    /// The GGUF types whose blocks copy into a packed weight unchanged: Q4_0 (symmetric 4-bit, zero 8),
    /// Q4_1 (4-bit with an fp16 offset `m`) and Q8_0 (signed 8-bit, stored as `q + 128` with zero 128).
    public static let ggufTypes: Set<GGUFTensorType> = [.q4_0, .q4_1, .q8_0]

    /// The GGUF linear `tensor` (ggml dims `[in, out]`) as a packed `[out, in]` weight, bit for bit what
    /// ggml's dequantizer computes; nil when its type is not one of `ggufTypes`. `rowOrder[r]` is the
    /// stored row that becomes row `r` (llama.cpp's Q/K permutation undone); nil keeps the order.
    /// - Throws: `FormatError` for a tensor that is not a matrix or whose bytes do not match its shape.
    public static func gguf(_ tensor: GGUFTensorInfo, in file: GGUFFile, rowOrder: [Int]? = nil) throws -> PackedWeight? {
        guard ggufTypes.contains(tensor.type) else { return nil }
        guard tensor.dims.count == 2 else {
            throw FormatError(file: file.path, "tensor '\(tensor.name)' has dims \(tensor.dims); a linear layer is a matrix")
        }
        let cols = tensor.dims[0], rows = tensor.dims[1]
        let blocks = cols / 32, blockBytes = tensor.type.bytesPerBlock
        let raw = file.rawBytes(tensor)
        guard cols % 32 == 0, raw.count == rows * blocks * blockBytes else {
            throw FormatError(file: file.path, "tensor '\(tensor.name)' (\(tensor.type.name), dims \(tensor.dims)) holds \(raw.count) bytes, not \(rows) rows of \(blocks) blocks of \(blockBytes)")
        }
        if let rowOrder, rowOrder.count != rows || rowOrder.contains(where: { $0 < 0 || $0 >= rows }) {
            throw FormatError(file: file.path, "tensor '\(tensor.name)': row order of \(rowOrder.count) rows for \(rows)")
        }
        let w: PackedWeight
        switch tensor.type {
        case .q4_0: w = try PackedWeight(rows: rows, cols: cols, bits: 4, groupSize: 32, zeroPoint: .symmetric)
        case .q4_1: w = try PackedWeight(rows: rows, cols: cols, bits: 4, groupSize: 32, zeroPoint: .offsets)
        default: w = try PackedWeight(rows: rows, cols: cols, bits: 8, groupSize: 32, zeroPoint: .symmetric)
        }
        let base = raw.baseAddress!
        for r in 0..<rows {
            let source = rowOrder?[r] ?? r
            for b in 0..<blocks {
                let block = base + (source * blocks + b) * blockBytes
                let chunk = w.codes + r * w.rowBytes + b * 4 * w.bits
                w.scales[r * blocks + b] = block.loadUnaligned(as: UInt16.self)
                switch tensor.type {
                case .q4_0:
                    chunk.update(from: (block + 2).assumingMemoryBound(to: UInt8.self), count: 16)
                case .q4_1:
                    w.offsets![r * blocks + b] = block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)
                    chunk.update(from: (block + 4).assumingMemoryBound(to: UInt8.self), count: 16)
                default:
                    let q = (block + 2).assumingMemoryBound(to: UInt8.self)
                    for j in 0..<32 { chunk[j] = q[j] ^ 0x80 }
                }
            }
        }
        releasePages(raw)
        return w
    }

    /// Asks the kernel to reclaim the pages of `bytes`, a range of a memory-mapped checkpoint that has been
    /// copied (so a loaded model does not also keep the file's pages resident). `MADV_PAGEOUT` only drops
    /// clean file pages — the contents stay readable from the file — and leaves anonymous memory as it is,
    /// so it is safe whatever backs the range. A no-op where unsupported.
    static func releasePages(_ bytes: UnsafeRawBufferPointer) {
        #if os(Linux)
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let page = UInt(max(sysconf(Int32(_SC_PAGESIZE)), 4096))
        let start = (UInt(bitPattern: base) + page - 1) / page * page
        let end = (UInt(bitPattern: base) + UInt(bytes.count)) / page * page
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, Int(end - start), 21 /* MADV_PAGEOUT */)
        #endif
    }

    /// An AutoAWQ GEMM linear as a packed `[out, in]` 4-bit weight with integer zero points, bit for bit
    /// `AWQPacking.dequantize`.
    public static func awq(_ linear: AWQWeightSource.Linear, in source: AWQWeightSource) throws -> PackedWeight {
        let (qweight, qzeros, scales) = try source.packed(linear)
        let k = linear.inFeatures, n = linear.outFeatures, g = linear.groupSize, groups = k / g
        let codes = AWQPacking.unpack(qweight, rows: k, columns: n)
        let zeros = AWQPacking.unpack(qzeros, rows: groups, columns: n)
        let w = try PackedWeight(rows: n, cols: k, bits: 4, groupSize: g >= k ? nil : g, zeroPoint: .codes)
        var row = [UInt8](repeating: 0, count: k)
        for o in 0..<n {
            for i in 0..<k { row[i] = codes[i * n + o] }
            for i in 0..<k { w.setCode(row: o, col: i, Int(row[i])) }
            for j in 0..<groups {
                w.scales[o * groups + j] = Float16(scales[j * n + o]).bitPattern
                w.zeros![o * groups + j] = zeros[j * n + o]
            }
        }
        return w
    }
}

/// Converts ggml blocks to f32 exactly as the `gguf` Python package's `gguf.quants.dequantize` does.
///
/// Each formula keeps numpy's order of f32 operations (no fused multiply-add): scales are fp16 widened
/// to f32; Q4_1/Q5_1 compute `d·q + m`; the K-quants first form the sub-block scale `d·sc` (and
/// `dmin·m`) in f32, then `(d·sc)·q − dmin·m`; Q8_0 computes `q·d`.
public enum GGUFDequantizer {
    /// Dequantizes `count` elements of `type` from `bytes`; throws when the type is not supported or the
    /// byte count does not match.
    public static func dequantize(_ type: GGUFTensorType, bytes: UnsafeRawBufferPointer, count: Int) throws -> [Float] {
        guard type.canDequantize else {
            throw FormatError(file: "GGUF data", "cannot dequantize type \(type.name)")
        }
        guard count >= 0, count % type.blockSize == 0,
              let need = ByteReader.multiply(count / type.blockSize, type.bytesPerBlock), need == bytes.count
        else {
            throw FormatError(file: "GGUF data", "\(count) elements of \(type.name) do not fit \(bytes.count) bytes")
        }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            dequantize(type, bytes, into: buffer)
            initialized = count
        }
    }

    @inline(__always)
    private static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    /// Fills `out` from `src`. The caller has checked that `type.canDequantize`, that `out.count` is a
    /// multiple of the block size and that `src` holds exactly the blocks for it.
    static func dequantize(_ type: GGUFTensorType, _ src: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Float>) {
        let n = out.count
        guard n > 0, let p = src.baseAddress, let o = out.baseAddress else { return }
        let blocks = n / type.blockSize
        let bpb = type.bytesPerBlock
        switch type {
        case .f32:
            UnsafeMutableRawPointer(o).copyMemory(from: p, byteCount: n * 4)
        case .f16:
            for i in 0..<n { o[i] = half(p, 2 * i) }
        case .bf16:
            for i in 0..<n { o[i] = Float(bitPattern: UInt32(p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
        case .f64:
            for i in 0..<n { o[i] = Float(p.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
        case .i8:
            for i in 0..<n { o[i] = Float(p.load(fromByteOffset: i, as: Int8.self)) }
        case .i16:
            for i in 0..<n { o[i] = Float(p.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)) }
        case .i32:
            for i in 0..<n { o[i] = Float(p.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
        case .q4_0:
            for b in 0..<blocks {
                let blk = p + b * bpb, dst = o + b * 32
                let d = half(blk, 0)
                for j in 0..<16 {
                    let q = blk.load(fromByteOffset: 2 + j, as: UInt8.self)
                    dst[j] = d * Float(Int(q & 0x0F) - 8)
                    dst[j + 16] = d * Float(Int(q >> 4) - 8)
                }
            }
        case .q4_1:
            for b in 0..<blocks {
                let blk = p + b * bpb, dst = o + b * 32
                let d = half(blk, 0), m = half(blk, 2)
                for j in 0..<16 {
                    let q = blk.load(fromByteOffset: 4 + j, as: UInt8.self)
                    let lo = d * Float(q & 0x0F), hi = d * Float(q >> 4)
                    dst[j] = lo + m
                    dst[j + 16] = hi + m
                }
            }
        case .q5_0:
            for b in 0..<blocks {
                let blk = p + b * bpb, dst = o + b * 32
                let d = half(blk, 0)
                let qh = UInt32(littleEndian: blk.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
                for j in 0..<16 {
                    let q = blk.load(fromByteOffset: 6 + j, as: UInt8.self)
                    let lo = Int(q & 0x0F) | Int((qh >> UInt32(j)) & 1) << 4
                    let hi = Int(q >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
                    dst[j] = d * Float(lo - 16)
                    dst[j + 16] = d * Float(hi - 16)
                }
            }
        case .q5_1:
            for b in 0..<blocks {
                let blk = p + b * bpb, dst = o + b * 32
                let d = half(blk, 0), m = half(blk, 2)
                let qh = UInt32(littleEndian: blk.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
                for j in 0..<16 {
                    let q = blk.load(fromByteOffset: 8 + j, as: UInt8.self)
                    let lo = Int(q & 0x0F) | Int((qh >> UInt32(j)) & 1) << 4
                    let hi = Int(q >> 4) | Int((qh >> UInt32(j + 16)) & 1) << 4
                    let a = d * Float(lo), c = d * Float(hi)
                    dst[j] = a + m
                    dst[j + 16] = c + m
                }
            }
        case .q8_0:
            for b in 0..<blocks {
                let blk = p + b * bpb, dst = o + b * 32
                let d = half(blk, 0)
                for j in 0..<32 { dst[j] = Float(blk.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
            }
        case .q4_K, .q5_K:
            let five = type == .q5_K
            let qsAt = five ? 48 : 16
            for b in 0..<blocks {
                let blk = p + b * bpb, dst = o + b * 256
                let d = half(blk, 0), dmin = half(blk, 2)
                for j in 0..<8 {
                    let (sc, mn) = scaleMin(blk + 4, j)
                    let dl = d * Float(sc)
                    let ml = dmin * Float(mn)
                    let shift = UInt8((j & 1) * 4)
                    let row = (j >> 1) * 32
                    for l in 0..<32 {
                        var q = (blk.load(fromByteOffset: qsAt + row + l, as: UInt8.self) >> shift) & 0x0F
                        if five {
                            q |= ((blk.load(fromByteOffset: 16 + l, as: UInt8.self) >> UInt8(j)) & 1) << 4
                        }
                        let x = dl * Float(q)
                        dst[j * 32 + l] = x - ml
                    }
                }
            }
        case .q6_K:
            for b in 0..<blocks {
                let blk = p + b * bpb, dst = o + b * 256
                let d = half(blk, 208)
                for s in 0..<16 {
                    let dl = d * Float(blk.load(fromByteOffset: 192 + s, as: Int8.self))
                    for k in 0..<16 {
                        let i = s * 16 + k
                        let c = i >> 7, r = i & 127
                        let lo = (blk.load(fromByteOffset: c * 64 + (r & 63), as: UInt8.self) >> UInt8(4 * (r >> 6))) & 0x0F
                        let hi = (blk.load(fromByteOffset: 128 + c * 32 + (r & 31), as: UInt8.self) >> UInt8(2 * (r >> 5))) & 0x03
                        dst[i] = dl * Float(Int(lo | hi << 4) - 32)
                    }
                }
            }
        default:
            return
        }
    }

    /// Scale and min of sub-block `j` from the twelve bytes of 6-bit values shared by Q4_K and Q5_K.
    @inline(__always)
    private static func scaleMin(_ s: UnsafeRawPointer, _ j: Int) -> (UInt8, UInt8) {
        func byte(_ i: Int) -> UInt8 { s.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (byte(j) & 0x3F, byte(4 + j) & 0x3F) }
        return ((byte(j + 4) & 0x0F) | ((byte(j - 4) >> 2) & 0x30), (byte(j + 4) >> 4) | ((byte(j) >> 2) & 0x30))
    }
}

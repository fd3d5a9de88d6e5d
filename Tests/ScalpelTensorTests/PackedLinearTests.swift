import Testing
import ScalpelTensor

/// A random packed weight and the unpacked values it was built from.
private struct PackedCase {
    var rows, cols, bits: Int
    var group: Int?
    var mode: PackedWeight.ZeroPoint
    var codes: [UInt8]
    var scales: [Float]
    var zeros: [UInt8]?
    var offsets: [Float]?
    var weight: PackedWeight

    init(rows: Int, cols: Int, bits: Int, group: Int?, mode: PackedWeight.ZeroPoint, seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        self.rows = rows
        self.cols = cols
        self.bits = bits
        self.group = group
        self.mode = mode
        let g = group ?? cols
        let groups = (cols + g - 1) / g
        let limit = UInt64(1 << bits)
        codes = (0..<(rows * cols)).map { _ in UInt8(rng.next() % limit) }
        // fp16 values, so the stored scales are exact.
        scales = (0..<(rows * groups)).map { _ in Float(Float16(0.001 + abs(rng.uniform(0.05)))) }
        zeros = mode == .codes ? (0..<(rows * groups)).map { _ in UInt8(rng.next() % limit) } : nil
        offsets = mode == .offsets ? (0..<(rows * groups)).map { _ in Float(Float16(rng.uniform(0.2))) } : nil
        weight = try PackedWeight(codes: codes, rows: rows, cols: cols, bits: bits, groupSize: group,
                                  scales: scales, zeros: zeros, offsets: offsets)
    }

    /// The weight from the definition, computed independently of the kernels.
    var reference: [Float] {
        let g = group ?? cols, groups = (cols + g - 1) / g
        var out = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                let i = r * groups + c / g, q = Int(codes[r * cols + c])
                switch mode {
                case .symmetric: out[r * cols + c] = Float(q - (1 << (bits - 1))) * scales[i]
                case .codes: out[r * cols + c] = Float(q - Int(zeros![i])) * scales[i]
                case .offsets:
                    let p = Float(q) * scales[i]
                    out[r * cols + c] = p + offsets![i]
                }
            }
        }
        return out
    }
}

@Suite("Packed low-bit weights")
struct PackedLinearTests {
    static let shapes: [(rows: Int, cols: Int, group: Int?)] = [
        (7, 32, 32), (33, 96, 32), (5, 100, 32), (16, 128, 64), (9, 192, 64), (12, 256, 128), (3, 130, 128),
        (11, 130, nil), (4, 257, nil), (1, 1, nil), (21, 64, nil),
    ]
    static let modes: [PackedWeight.ZeroPoint] = [.symmetric, .codes, .offsets]

    @Test("codes read back, and dequantization equals (q − z)·s / q·s + m exactly", arguments: [2, 3, 4, 8])
    func roundTrip(bits: Int) throws {
        var seed: UInt64 = UInt64(bits) * 1000
        for shape in Self.shapes {
            for mode in Self.modes {
                seed += 1
                let c = try PackedCase(rows: shape.rows, cols: shape.cols, bits: bits, group: shape.group, mode: mode, seed: seed)
                for r in 0..<c.rows { for col in 0..<c.cols { #expect(c.weight.code(row: r, col: col) == Int(c.codes[r * c.cols + col])) } }
                #expect(c.weight.dequantized() == c.reference, "W\(bits) \(shape) \(mode)")
            }
        }
    }

    @Test("the bytes are a real packing: bits/8 per weight plus fp16 scales and zero points")
    func memory() throws {
        for bits in [2, 3, 4, 8] {
            let w = try PackedWeight(rows: 64, cols: 4096, bits: bits, groupSize: 128, zeroPoint: .codes)
            let groups = 64 * 32
            #expect(w.byteCount == 64 * 4096 * bits / 8 + groups * 3)
            #expect(w.rowBytes == 4096 * bits / 8)
        }
        let q41 = try PackedWeight(rows: 10, cols: 64, bits: 4, groupSize: 32, zeroPoint: .offsets)
        #expect(q41.byteCount == 10 * 2 * 20, "Q4_1's 20 bytes per block of 32")
        let q80 = try PackedWeight(rows: 10, cols: 64, bits: 8, groupSize: 32, zeroPoint: .symmetric)
        #expect(q80.byteCount == 10 * 2 * 34, "Q8_0's 34 bytes per block of 32")
    }

    @Test("4-bit chunks use ggml's Q4_0 order; 3-bit keeps the third bit in its own plane")
    func layout() throws {
        let codes4 = (0..<32).map { UInt8($0 % 16) }
        let w4 = try PackedWeight(codes: codes4, rows: 1, cols: 32, bits: 4, groupSize: 32, scales: [1])
        let bytes4 = Array(UnsafeBufferPointer(start: w4.codes, count: 16))
        #expect(bytes4 == (0..<16).map { UInt8($0) | UInt8($0) << 4 })
        let codes3 = (0..<32).map { UInt8($0 % 8) }
        let w3 = try PackedWeight(codes: codes3, rows: 1, cols: 32, bits: 3, groupSize: 32, scales: [1])
        let bytes3 = Array(UnsafeBufferPointer(start: w3.codes, count: 12))
        // byte j: codes j, j+8, j+16, j+24 (low two bits each) — here all equal to j % 8 & 3.
        for j in 0..<8 {
            let low = UInt8(j & 3)
            #expect(bytes3[j] == low | low << 2 | low << 4 | low << 6)
        }
        // Third bits: code c has it when c % 8 ≥ 4, i.e. bits 4…7 of every byte of the plane.
        #expect(Array(bytes3[8..<12]) == [0xF0, 0xF0, 0xF0, 0xF0])
    }

    @Test("fused GEMV and panel GEMM equal dequantize-then-sgemm", arguments: [2, 3, 4, 8])
    func forwardMatchesDense(bits: Int) throws {
        var seed: UInt64 = 77 + UInt64(bits)
        for shape in Self.shapes {
            for mode in Self.modes {
                seed += 1
                let c = try PackedCase(rows: shape.rows, cols: shape.cols, bits: bits, group: shape.group, mode: mode, seed: seed)
                var rng = SplitMix(seed: seed ^ 0xABCD)
                let dense = c.reference
                for n in [1, 3, 5, 19] {
                    let x: [Float] = rng.array(n * c.cols)
                    let bias: [Float] = rng.array(c.rows)
                    let start: [Float] = rng.array(n * c.rows)
                    for (useBias, accumulate) in [(false, false), (true, false), (true, true)] {
                        let buffers = Buffers<Float>([x, dense, bias, start, start])
                        let b: UnsafePointer<Float>? = useBias ? UnsafePointer(buffers[2]) : nil
                        PackedLinear.forward(out: buffers[3], x: buffers[0], weight: c.weight, bias: b, n: n, accumulate: accumulate)
                        if accumulate {
                            Matmul.forward(out: buffers[4], a: buffers[0], b: buffers[1], m: n, n: c.rows, k: c.cols, transB: true, accumulate: true)
                            for r in 0..<n { for j in 0..<c.rows { buffers[4][r * c.rows + j] += bias[j] } }
                        } else {
                            Linear.forward(out: buffers[4], x: buffers[0], weight: buffers[1], bias: b, n: n,
                                           inFeatures: c.cols, outFeatures: c.rows)
                        }
                        let got = buffers.array(3), want = buffers.array(4)
                        // Tolerance from the magnitude of the products summed.
                        for r in 0..<n {
                            for j in 0..<c.rows {
                                var mag: Float = 1
                                for k in 0..<c.cols { mag += abs(x[r * c.cols + k] * dense[j * c.cols + k]) }
                                let i = r * c.rows + j
                                #expect(abs(got[i] - want[i]) <= 1e-5 * mag,
                                        "W\(bits) \(shape) \(mode) n=\(n) bias=\(useBias) acc=\(accumulate) [\(r),\(j)]: \(got[i]) vs \(want[i])")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("threads split the rows without changing the result")
    func threaded() throws {
        let c = try PackedCase(rows: 600, cols: 384, bits: 4, group: 128, mode: .codes, seed: 5)
        var rng = SplitMix(seed: 6)
        let x: [Float] = rng.array(384 * 8)
        let saved = PackedLinear.threads
        defer { PackedLinear.threads = saved }
        var results: [[Float]] = []
        for threads in [1, 2, 3] {
            PackedLinear.threads = threads
            for n in [1, 8] {
                let b = Buffers<Float>([x, [Float](repeating: 0, count: n * 600)])
                PackedLinear.forward(out: b[1], x: b[0], weight: c.weight, bias: nil, n: n)
                results.append(b.array(1))
            }
        }
        #expect(results[0] == results[2] && results[0] == results[4])
        #expect(results[1] == results[3] && results[1] == results[5])
    }

    @Test("every fp16 scale pattern converts exactly (subnormals, infinities, NaN)")
    func halfConversion() throws {
        // 2048 rows × 32 groups of 32: group (r, g) has scale pattern 32·r + g and codes 129 (q − z = 1).
        let w = try PackedWeight(rows: 2048, cols: 1024, bits: 8, groupSize: 32, zeroPoint: .symmetric)
        w.codes.update(repeating: 129, count: 2048 * w.rowBytes)
        for i in 0..<65536 { w.scales[i] = UInt16(i) }
        let values = w.dequantized()
        var wrong = 0
        for i in 0..<65536 {
            let got = values[(i / 32) * 1024 + (i % 32) * 32], want = Float(Float16(bitPattern: UInt16(i)))
            if !(got == want || (got.isNaN && want.isNaN)) { wrong += 1 }
        }
        #expect(wrong == 0)
    }

    @Test("impossible settings are refused with a message")
    func errors() {
        #expect(throws: TensorError.self) { try PackedWeight(rows: 2, cols: 64, bits: 5, groupSize: 32, zeroPoint: .symmetric) }
        #expect(throws: TensorError.self) { try PackedWeight(rows: 2, cols: 64, bits: 4, groupSize: 48, zeroPoint: .symmetric) }
        #expect(throws: TensorError.self) { try PackedWeight(codes: [16], rows: 1, cols: 1, bits: 4, groupSize: nil, scales: [1]) }
        #expect(throws: TensorError.self) { try PackedWeight(codes: [1, 2], rows: 1, cols: 2, bits: 4, groupSize: nil, scales: [1, 1]) }
    }
}

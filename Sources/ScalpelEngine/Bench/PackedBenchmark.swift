import ScalpelTensor

/// `scalpel bench` rows for the packed low-bit kernels: the fused GEMV (one token) and the panel GEMM
/// (a prompt) at SmolLM2-135M's MLP shape, against f32 sgemm on the dequantized weight at the same shape.
/// The FLOP count is the dense product's, so GFLOPS compare directly; for decode the useful figure is
/// the time (the kernel reads `bits/8` bytes per weight instead of 4).
public enum PackedBenchmark {
    public static func rows(minSeconds: Double, outFeatures: Int = 1536, inFeatures: Int = 576) throws -> [BenchmarkRow] {
        var result: [BenchmarkRow] = []
        let schemes: [(String, Int, Int?, PackedWeight.ZeroPoint)] = [
            ("W4 g32 offsets (Q4_1)", 4, 32, .offsets), ("W4 g128 zeros (AWQ)", 4, 128, .codes),
            ("W8 g32 sym (Q8_0)", 8, 32, .symmetric), ("W3 g128 zeros", 3, 128, .codes), ("W2 g64 zeros", 2, 64, .codes),
        ]
        let x = BenchBuffer(count: 256 * inFeatures, seed: 3).values
        for (label, bits, group, mode) in schemes {
            let w = try PackedWeight(rows: outFeatures, cols: inFeatures, bits: bits, groupSize: group, zeroPoint: mode)
            var state: UInt64 = 0x1234_5678
            for r in 0..<outFeatures {
                for c in 0..<inFeatures {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    w.setCode(row: r, col: c, Int(state >> 40) & ((1 << bits) - 1))
                }
            }
            for i in 0..<(outFeatures * w.groups) {
                w.scales[i] = Float16(0.01).bitPattern
                w.zeros?[i] = UInt8(1 << (bits - 1))
                w.offsets?[i] = Float16(-0.05).bitPattern
            }
            let dense = w.dequantized()
            for n in [1, 256] {
                var out = [Float](repeating: 0, count: n * outFeatures)
                let packed = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
                    x.withUnsafeBufferPointer { xp in
                        out.withUnsafeMutableBufferPointer { op in
                            PackedLinear.forward(out: op.baseAddress!, x: xp.baseAddress!, weight: w, bias: nil, n: n)
                        }
                    }
                }
                let reference = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
                    x.withUnsafeBufferPointer { xp in
                        dense.withUnsafeBufferPointer { wp in
                            out.withUnsafeMutableBufferPointer { op in
                                BLAS.sgemm(transA: false, transB: true, m: n, n: outFeatures, k: inFeatures,
                                           a: xp.baseAddress!, lda: inFeatures, b: wp.baseAddress!, ldb: inFeatures,
                                           c: op.baseAddress!, ldc: outFeatures)
                            }
                        }
                    }
                }
                result.append(BenchmarkRow(name: "packed \(label) \(n == 1 ? "gemv" : "gemm n=\(n)") \(inFeatures)→\(outFeatures)",
                                           flops: 2 * Double(n * outFeatures * inFeatures), seconds: packed,
                                           referenceSeconds: reference, tokens: n))
            }
        }
        return result
    }
}

import ScalpelTensor

/// One line of `scalpel bench`: a kernel against a reference at the same work.
public struct BenchmarkRow: Sendable {
    /// What was measured, e.g. `linear fwd 256×576→1536`.
    public var name: String
    /// Floating-point operations per call.
    public var flops: Double
    /// Median seconds per call of Scalpel's kernel.
    public var seconds: Double
    /// Median seconds per call of the reference (raw sgemm at the same shapes), when there is one.
    public var referenceSeconds: Double?
    /// Tokens processed per call, for rows that report tokens per second.
    public var tokens: Int?

    public var gflops: Double { flops / seconds / 1e9 }
    public var referenceGflops: Double? { referenceSeconds.map { flops / $0 / 1e9 } }
    /// Kernel speed as a fraction of the reference's (1 = as fast).
    public var ratio: Double? { referenceSeconds.map { $0 / seconds } }
    public var tokensPerSecond: Double? { tokens.map { Double($0) / seconds } }
}

/// Buffers of deterministic pseudo-random floats for benchmarks.
struct BenchBuffer {
    var values: [Float]
    init(count: Int, seed: UInt64 = 1) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        values = (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int32(truncatingIfNeeded: state >> 33)) / Float(Int32.max) * 0.1
        }
    }
}

/// Columns `offset ..< offset+width` of a row-major `[rows, stride]` matrix, as a contiguous copy.
private func headCopy(_ m: [Float], rows: Int, stride: Int, offset: Int, width: Int) -> [Float] {
    var out: [Float] = []
    out.reserveCapacity(rows * width)
    for r in 0..<rows { out += m[(r * stride + offset)..<(r * stride + offset + width)] }
    return out
}

/// The kernel measurements of `scalpel bench`: each of Scalpel's GEMM-backed kernels next to raw
/// `cblas_sgemm` at the same shapes, so the ratio shows what the kernel's own code costs.
public enum KernelBenchmark {
    /// Raw sgemm on square n×n matrices: the machine's roof for everything else.
    public static func sgemmRoof(n: Int = 1024, minSeconds: Double) -> BenchmarkRow {
        let a = BenchBuffer(count: n * n, seed: 1).values
        let b = BenchBuffer(count: n * n, seed: 2).values
        var c = [Float](repeating: 0, count: n * n)
        let seconds = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        BLAS.sgemm(transA: false, transB: false, m: n, n: n, k: n,
                                   a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: n,
                                   c: pc.baseAddress!, ldc: n)
                    }
                }
            }
        }
        return BenchmarkRow(name: "sgemm \(n)×\(n)×\(n) (roof)", flops: 2 * Double(n * n * n), seconds: seconds)
    }

    /// The linear layer with bias (`n` rows, `inF` → `outF`) and its two backward products, each
    /// against sgemm computing the same product.
    public static func linear(n: Int = 256, inF: Int = 576, outF: Int = 1536, minSeconds: Double) -> [BenchmarkRow] {
        let x = BenchBuffer(count: n * inF, seed: 3).values
        let w = BenchBuffer(count: outF * inF, seed: 4).values
        let bias = BenchBuffer(count: outF, seed: 5).values
        let dOut = BenchBuffer(count: n * outF, seed: 6).values
        var out = [Float](repeating: 0, count: n * outF)
        var dX = [Float](repeating: 0, count: n * inF)
        var dW = [Float](repeating: 0, count: outF * inF)
        let flops = 2 * Double(n * inF * outF)
        let shape = "\(n)×\(inF)→\(outF)"

        func raw(_ transA: Bool, _ transB: Bool, _ m: Int, _ nn: Int, _ k: Int,
                 _ a: [Float], _ lda: Int, _ b: [Float], _ ldb: Int, _ c: inout [Float], _ ldc: Int) -> Double {
            var c2 = c
            let s = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
                c2.withUnsafeMutableBufferPointer { pc in
                    BLAS.sgemm(transA: transA, transB: transB, m: m, n: nn, k: k, a: a, lda: lda,
                               b: b, ldb: ldb, beta: 0, c: pc.baseAddress!, ldc: ldc)
                }
            }
            c = c2
            return s
        }

        let fwd = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
            out.withUnsafeMutableBufferPointer { po in
                Linear.forward(out: po.baseAddress!, x: x, weight: w, bias: bias, n: n, inFeatures: inF, outFeatures: outF)
            }
        }
        let fwdRef = raw(false, true, n, outF, inF, x, inF, w, inF, &out, outF)
        let bdx = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
            dX.withUnsafeMutableBufferPointer { pd in
                Linear.backward(dX: pd.baseAddress!, dWeight: nil, dBias: nil, dOut: dOut, x: x, weight: w,
                                n: n, inFeatures: inF, outFeatures: outF)
            }
        }
        let bdxRef = raw(false, false, n, inF, outF, dOut, outF, w, inF, &dX, inF)
        let bdw = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
            dW.withUnsafeMutableBufferPointer { pd in
                Linear.backward(dX: nil, dWeight: pd.baseAddress!, dBias: nil, dOut: dOut, x: x, weight: w,
                                n: n, inFeatures: inF, outFeatures: outF)
            }
        }
        let bdwRef = raw(true, false, outF, inF, n, dOut, outF, x, inF, &dW, inF)
        return [
            BenchmarkRow(name: "linear+bias fwd \(shape)", flops: flops, seconds: fwd, referenceSeconds: fwdRef),
            BenchmarkRow(name: "linear bwd dX \(shape)", flops: flops, seconds: bdx, referenceSeconds: bdxRef),
            BenchmarkRow(name: "linear bwd dW \(shape)", flops: flops, seconds: bdw, referenceSeconds: bdwRef),
        ]
    }

    /// The per-head attention products QKᵀ and A·V (causal work counted in full, as sgemm does it),
    /// on strided head views of Q/K/V as attention uses them, against sgemm on contiguous per-head
    /// copies.
    public static func attentionProducts(seq t: Int = 256, heads: Int = 9, kvHeads: Int = 3, headDim hd: Int = 64,
                                         minSeconds: Double) -> [BenchmarkRow] {
        let q = BenchBuffer(count: t * heads * hd, seed: 7).values
        let k = BenchBuffer(count: t * kvHeads * hd, seed: 8).values
        let v = BenchBuffer(count: t * kvHeads * hd, seed: 9).values
        var scores = [Float](repeating: 0, count: heads * t * t)
        var out = [Float](repeating: 0, count: t * heads * hd)
        let qStride = heads * hd, kvStride = kvHeads * hd, group = heads / kvHeads
        let qHeads = (0..<heads).map { headCopy(q, rows: t, stride: qStride, offset: $0 * hd, width: hd) }
        let kHeads = (0..<kvHeads).map { headCopy(k, rows: t, stride: kvStride, offset: $0 * hd, width: hd) }
        let vHeads = (0..<kvHeads).map { headCopy(v, rows: t, stride: kvStride, offset: $0 * hd, width: hd) }
        let flops = 2 * Double(heads * t * t * hd)

        let qk = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
            scores.withUnsafeMutableBufferPointer { ps in
                for kv in 0..<kvHeads {
                    Matmul.batched(transA: false, transB: true, m: t, n: t, k: hd, batch: group,
                                   a: q.withUnsafeBufferPointer { $0.baseAddress! } + kv * group * hd, lda: qStride, strideA: hd,
                                   b: k.withUnsafeBufferPointer { $0.baseAddress! } + kv * hd, ldb: kvStride, strideB: 0,
                                   c: ps.baseAddress! + kv * group * t * t, ldc: t, strideC: t * t)
                }
            }
        }
        let qkRef = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
            scores.withUnsafeMutableBufferPointer { ps in
                for h in 0..<heads {
                    BLAS.sgemm(transA: false, transB: true, m: t, n: t, k: hd, a: qHeads[h], lda: hd,
                               b: kHeads[h / group], ldb: hd, c: ps.baseAddress! + h * t * t, ldc: t)
                }
            }
        }
        let av = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
            out.withUnsafeMutableBufferPointer { po in
                scores.withUnsafeBufferPointer { ps in
                    for kv in 0..<kvHeads {
                        Matmul.batched(transA: false, transB: false, m: t, n: hd, k: t, batch: group,
                                       a: ps.baseAddress! + kv * group * t * t, lda: t, strideA: t * t,
                                       b: v.withUnsafeBufferPointer { $0.baseAddress! } + kv * hd, ldb: kvStride, strideB: 0,
                                       c: po.baseAddress! + kv * group * hd, ldc: qStride, strideC: hd)
                    }
                }
            }
        }
        var contiguousOut = [Float](repeating: 0, count: heads * t * hd)
        let avRef = Stopwatch.secondsPerCall(minSeconds: minSeconds) {
            contiguousOut.withUnsafeMutableBufferPointer { po in
                scores.withUnsafeBufferPointer { ps in
                    for h in 0..<heads {
                        BLAS.sgemm(transA: false, transB: false, m: t, n: hd, k: t, a: ps.baseAddress! + h * t * t, lda: t,
                                   b: vHeads[h / group], ldb: hd, c: po.baseAddress! + h * t * hd, ldc: hd)
                    }
                }
            }
        }
        let shape = "\(heads) heads, T=\(t), d=\(hd)"
        return [
            BenchmarkRow(name: "attention QKᵀ \(shape)", flops: flops, seconds: qk, referenceSeconds: qkRef),
            BenchmarkRow(name: "attention A·V \(shape)", flops: flops, seconds: av, referenceSeconds: avRef),
        ]
    }
}

import ScalpelTensor

/// GPTQ (Frantar et al. 2022), following the reference `GPTQ.fasterquant` of IST-DASLab/gptq:
///
/// 1. `H = 2/N · Σ x xᵀ` over the N calibration inputs of the linear (`GPTQHessian`); dead inputs
///    (`H[i,i] = 0`) get `H[i,i] = 1` and a zero weight column.
/// 2. Optional act-order: columns visited by descending `H[i,i]`.
/// 3. Dampening `H += 0.01 · mean(diag H) · I`; `Hinv = chol(H⁻¹)ᵀ` (the upper Cholesky factor of the
///    inverse).
/// 4. Columns in blocks of 128: each column is rounded with the current group's (scale, zero), its error
///    `(w − q) / Hinv[i,i]` is spread over the block's later columns through row `i` of `Hinv`, and the
///    block's errors over all later columns at the end of the block.
///
/// Group parameters are found, as in the reference, from the working weights `W[:, i : i+g]` when column
/// `i` starts a group (without act-order; these are the weights updated by all earlier *blocks*), or once
/// from the original weights (per-channel, and act-order — the reference's `static_groups`, which keeps
/// the groups contiguous in the stored layout so formats without `g_idx` can hold them).
public enum GPTQ {
    public struct Options: Sendable, Equatable {
        public var blockSize: Int
        public var percentDamp: Double
        public var actOrder: Bool
        public init(blockSize: Int = 128, percentDamp: Double = 0.01, actOrder: Bool = false) {
            self.blockSize = blockSize
            self.percentDamp = percentDamp
            self.actOrder = actOrder
        }
    }

    /// Quantizes `weight` (`[rows, cols]` row-major) given the Hessian `[cols, cols]` of its inputs.
    public static func quantize(weight: [Float], rows: Int, cols: Int, hessian: [Double], scheme: QuantScheme,
                                options: Options = Options()) throws -> QuantizedLinear {
        try scheme.validate(inFeatures: cols, partialGroups: true)
        precondition(weight.count == rows * cols && hessian.count == cols * cols, "GPTQ sizes do not match")
        let maxq = scheme.maxCode
        let g = scheme.groupWidth(inFeatures: cols), ng = scheme.groupCount(inFeatures: cols)
        var H = hessian
        var W = weight
        for i in 0..<cols where H[i * cols + i] == 0 {
            H[i * cols + i] = 1
            for r in 0..<rows { W[r * cols + i] = 0 }
        }
        var scales = [Float](repeating: 0, count: rows * ng)
        var zeros = [UInt8](repeating: 0, count: rows * ng)
        var codes = [UInt8](repeating: 0, count: rows * cols)
        // Static parameters: per-channel always; groups when act-order is on.
        let staticParams = scheme.groupSize == nil || options.actOrder
        if staticParams {
            W.withUnsafeBufferPointer { wp in
                for r in 0..<rows {
                    for j in 0..<ng {
                        let range = scheme.groupRange(j, inFeatures: cols)
                        let (s, z) = RTN.params(wp.baseAddress! + r * cols + range.lowerBound, count: range.count, scheme: scheme)
                        scales[r * ng + j] = s
                        zeros[r * ng + j] = UInt8(z)
                    }
                }
            }
        }
        var perm = Array(0..<cols)
        if options.actOrder {
            let diag = (0..<cols).map { H[$0 * cols + $0] }
            perm.sort { diag[$0] > diag[$1] || (diag[$0] == diag[$1] && $0 < $1) }
            W = permuteColumns(W, rows: rows, cols: cols, perm: perm)
            var P = [Double](repeating: 0, count: cols * cols)
            for a in 0..<cols { for b in 0..<cols { P[a * cols + b] = H[perm[a] * cols + perm[b]] } }
            H = P
        }
        var meanDiag = 0.0
        for i in 0..<cols { meanDiag += H[i * cols + i] }
        let damp = options.percentDamp * meanDiag / Double(cols)
        for i in 0..<cols { H[i * cols + i] += damp }
        let Hinv = try upperCholeskyOfInverse(H, n: cols).map { Float($0) }

        let bs = max(1, options.blockSize)
        var W1 = [Float](repeating: 0, count: rows * bs)
        var Err = [Float](repeating: 0, count: rows * bs)
        var curS = [Float](repeating: 0, count: rows), curZ = [Int](repeating: 0, count: rows)
        var i1 = 0
        while i1 < cols {
            let i2 = min(i1 + bs, cols), count = i2 - i1
            for r in 0..<rows { for c in 0..<count { W1[r * bs + c] = W[r * cols + i1 + c] } }
            for i in 0..<count {
                let col = i1 + i, orig = perm[col], group = orig / g
                if staticParams {
                    for r in 0..<rows { curS[r] = scales[r * ng + group]; curZ[r] = Int(zeros[r * ng + group]) }
                } else if col % g == 0 {
                    W.withUnsafeBufferPointer { wp in
                        for r in 0..<rows {
                            let (s, z) = RTN.params(wp.baseAddress! + r * cols + col, count: min(g, cols - col), scheme: scheme)
                            curS[r] = s
                            curZ[r] = z
                            scales[r * ng + group] = s
                            zeros[r * ng + group] = UInt8(z)
                        }
                    }
                }
                let d = Hinv[col * cols + col]
                for r in 0..<rows {
                    let w = W1[r * bs + i]
                    let q = RTN.code(w, scale: curS[r], zero: curZ[r], maxCode: maxq)
                    codes[r * cols + orig] = q
                    let err = (w - Float(Int(q) - curZ[r]) * curS[r]) / d
                    Err[r * bs + i] = err
                    if err != 0 {
                        for c in (i + 1)..<max(i + 1, count) { W1[r * bs + c] -= err * Hinv[col * cols + i1 + c] }
                    }
                }
            }
            if i2 < cols {
                // W[:, i2:] -= Err[:, :count] · Hinv[i1:i2, i2:]
                W.withUnsafeMutableBufferPointer { wp in
                    Err.withUnsafeBufferPointer { ep in
                        Hinv.withUnsafeBufferPointer { hp in
                            Matmul.batched(transA: false, transB: false, m: rows, n: cols - i2, k: count, batch: 1, alpha: -1,
                                           a: ep.baseAddress!, lda: bs, strideA: 0,
                                           b: hp.baseAddress! + i1 * cols + i2, ldb: cols, strideB: 0,
                                           beta: 1, c: wp.baseAddress! + i2, ldc: cols, strideC: 0)
                        }
                    }
                }
            }
            i1 = i2
        }
        return QuantizedLinear(rows: rows, cols: cols, scheme: scheme, codes: codes, scales: scales, zeros: zeros)
    }

    static func permuteColumns(_ w: [Float], rows: Int, cols: Int, perm: [Int]) -> [Float] {
        var out = w
        for r in 0..<rows { for c in 0..<cols { out[r * cols + c] = w[r * cols + perm[c]] } }
        return out
    }

    /// The upper-triangular `U` with `Uᵀ U = A⁻¹`, for a symmetric positive definite `A` (`n × n`).
    /// - Throws: `QuantError` when `A` is not positive definite.
    public static func upperCholeskyOfInverse(_ A: [Double], n: Int) throws -> [Double] {
        let L = try cholesky(A, n: n)
        // Linv, the inverse of the lower-triangular L, row by row: Linv[i,:] = (e_i − Σ_k<i L[i,k]·Linv[k,:]) / L[i,i].
        var Linv = [Double](repeating: 0, count: n * n)
        Linv.withUnsafeMutableBufferPointer { vp in
            L.withUnsafeBufferPointer { lp in
                let v = vp.baseAddress!, l = lp.baseAddress!
                for i in 0..<n {
                    let row = v + i * n
                    row[i] = 1
                    for k in 0..<i {
                        let f = l[i * n + k]
                        if f == 0 { continue }
                        let other = v + k * n
                        for j in 0...k { row[j] -= f * other[j] }
                    }
                    let d = 1 / l[i * n + i]
                    for j in 0...i { row[j] *= d }
                }
            }
        }
        // A⁻¹ = Linvᵀ · Linv.
        var inv = [Double](repeating: 0, count: n * n)
        Linv.withUnsafeBufferPointer { lp in
            inv.withUnsafeMutableBufferPointer { ip in
                Matmul.forward(out: ip.baseAddress!, a: lp.baseAddress!, b: lp.baseAddress!, m: n, n: n, k: n, transA: true)
            }
        }
        let M = try cholesky(inv, n: n)
        var U = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0...i { U[j * n + i] = M[i * n + j] } }
        return U
    }

    /// The lower-triangular Cholesky factor `L` (`L Lᵀ = A`).
    public static func cholesky(_ A: [Double], n: Int) throws -> [Double] {
        var L = [Double](repeating: 0, count: n * n)
        try L.withUnsafeMutableBufferPointer { l in
            try A.withUnsafeBufferPointer { a in
                for i in 0..<n {
                    let li = l.baseAddress! + i * n
                    for j in 0...i {
                        let lj = l.baseAddress! + j * n
                        var s = a[i * n + j]
                        for k in 0..<j { s -= li[k] * lj[k] }
                        if i == j {
                            guard s > 0, s.isFinite else {
                                throw QuantError("GPTQ: the Hessian is not positive definite at column \(i) (pivot \(s)); raise the dampening or add calibration data")
                            }
                            li[i] = s.squareRoot()
                        } else {
                            li[j] = s / lj[j]
                        }
                    }
                }
            }
        }
        return L
    }
}

/// Running sum of `x xᵀ` over the calibration inputs of one linear; `hessian` is GPTQ's `2/N · Σ x xᵀ`.
public final class GPTQHessian {
    public let dim: Int
    public private(set) var samples = 0
    private var sum: [Double]
    private var scratch: [Float]

    public init(dim: Int) {
        self.dim = dim
        sum = [Double](repeating: 0, count: dim * dim)
        scratch = [Float](repeating: 0, count: dim * dim)
    }

    /// Adds `rows` inputs `x[rows, dim]`.
    public func add(_ x: UnsafePointer<Float>, rows: Int) {
        guard rows > 0 else { return }
        scratch.withUnsafeMutableBufferPointer { s in
            Matmul.forward(out: s.baseAddress!, a: x, b: x, m: dim, n: dim, k: rows, transA: true)
        }
        for i in 0..<(dim * dim) { sum[i] += Double(scratch[i]) }
        samples += rows
    }

    public var hessian: [Double] {
        let f = samples > 0 ? 2 / Double(samples) : 0
        return sum.map { $0 * f }
    }
}

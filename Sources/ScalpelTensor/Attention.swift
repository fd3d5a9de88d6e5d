import RealModule

/// Self-attention with grouped-query heads, scaled by `1/√headDim`: causal for decoders, or
/// bidirectional (`causal: false`, as in a CLIP vision tower).
///
/// Layouts (row-major, per batch element `b`):
/// - `q[B, T, heads·headDim]` and `out` alike: query head `h` is columns `h·headDim ..< (h+1)·headDim`;
/// - `k, v[B, kvCapacity, kvHeads·headDim]`: rows `0 ..< past+T` are in use (the first `past` are
///   earlier positions, e.g. from a KV cache; row `past+i` belongs to query `i`);
/// - `probs[B, heads, T, past+T]`: the softmax, saved for backward (zero where masked);
/// - `keyMask[B, kvCapacity]` (optional): nonzero where a key may be attended, zero at padding.
///
/// Query `i` sits at position `past+i` and sees keys `0 ... past+i` (every key `0 ..< past+T` when
/// not causal) that the mask allows. Query head `h` reads key/value head `h / (heads/kvHeads)`.
/// A query that can see no key gets zero output (and zero gradients). The per-head products are
/// GEMMs on strided views of `q`, `k`, `v` (no copies).
public enum Attention {
    /// Sizes of one attention call.
    public struct Shape: Sendable, Equatable {
        /// Independent sequences (`B`).
        public var batch: Int
        /// New positions per batch element (`T`).
        public var seqLen: Int
        /// Query heads.
        public var heads: Int
        /// Key/value heads; divides `heads`.
        public var kvHeads: Int
        /// Size of one head.
        public var headDim: Int
        /// Positions already in `k` and `v` before the new ones.
        public var past: Int
        /// Rows allocated per batch element in `k`, `v` and `keyMask` (at least `past + seqLen`).
        public var kvCapacity: Int
        /// Whether query `i` is kept from keys after position `past + i`.
        public var causal: Bool

        /// The sizes; `kvCapacity` defaults to `past + seqLen`.
        public init(batch: Int, seqLen: Int, heads: Int, kvHeads: Int, headDim: Int,
                    past: Int = 0, kvCapacity: Int? = nil, causal: Bool = true) {
            self.batch = batch
            self.seqLen = seqLen
            self.heads = heads
            self.kvHeads = kvHeads
            self.headDim = headDim
            self.past = past
            self.kvCapacity = kvCapacity ?? (past + seqLen)
            self.causal = causal
        }

        /// Keys each query row spans: `past + seqLen`.
        @inlinable public var keys: Int { past + seqLen }
        /// Query heads per key/value head.
        @inlinable public var group: Int { heads / kvHeads }
        /// Elements in `probs`: `batch·heads·seqLen·keys`.
        @inlinable public var probsCount: Int { batch * heads * seqLen * keys }
        /// Keys query `i` may see before the padding mask: `past + i + 1`, or all when not causal.
        @inlinable public func visibleKeys(_ i: Int) -> Int { causal ? min(past + i + 1, keys) : keys }

        /// Query rows in tiles `[start, end)` with the number of keys any row of the tile can see:
        /// under the causal mask the score products stop at the tile's last visible key, which
        /// halves their work on long sequences; bidirectional attention is one tile of all keys.
        @inlinable public func queryTiles(rows tile: Int = 64) -> [(start: Int, end: Int, keys: Int)] {
            guard causal, seqLen > tile else { return seqLen > 0 ? [(0, seqLen, keys)] : [] }
            return Swift.stride(from: 0, to: seqLen, by: tile).map { start in
                let end = Swift.min(start + tile, seqLen)
                return (start, end, visibleKeys(end - 1))
            }
        }
    }

    /// `probs = masked softmax(q·kᵀ/√headDim)`, `out = probs·v`, head by head.
    @inlinable
    public static func forward<T: KernelScalar>(
        out: UnsafeMutablePointer<T>, probs: UnsafeMutablePointer<T>,
        q: UnsafePointer<T>, k: UnsafePointer<T>, v: UnsafePointer<T>,
        keyMask: UnsafePointer<UInt8>?, shape s: Shape
    ) {
        let tq = s.seqLen, nk = s.keys, hd = s.headDim, g = s.group
        let ldq = s.heads * hd, ldkv = s.kvHeads * hd
        let scale = T(1 / Double(hd).squareRoot())
        for b in 0..<s.batch {
            let qb = q + b * tq * ldq
            let ob = out + b * tq * ldq
            let kb = k + b * s.kvCapacity * ldkv
            let vb = v + b * s.kvCapacity * ldkv
            let pb = probs + b * s.heads * tq * nk
            let mask = keyMask.map { $0 + b * s.kvCapacity }
            for (i0, i1, used) in s.queryTiles() {
                for j in 0..<s.kvHeads {
                    Matmul.batched(transA: false, transB: true, m: i1 - i0, n: used, k: hd, batch: g, alpha: scale,
                                   a: qb + i0 * ldq + j * g * hd, lda: ldq, strideA: hd,
                                   b: kb + j * hd, ldb: ldkv, strideB: 0,
                                   beta: 0, c: pb + j * g * tq * nk + i0 * nk, ldc: nk, strideC: tq * nk)
                }
            }
            for h in 0..<s.heads {
                for i in 0..<tq {
                    maskedSoftmaxRow(pb + (h * tq + i) * nk, visible: s.visibleKeys(i), count: nk, mask: mask)
                }
            }
            for (i0, i1, used) in s.queryTiles() {
                for j in 0..<s.kvHeads {
                    Matmul.batched(transA: false, transB: false, m: i1 - i0, n: hd, k: used, batch: g,
                                   a: pb + j * g * tq * nk + i0 * nk, lda: nk, strideA: tq * nk,
                                   b: vb + j * hd, ldb: ldkv, strideB: 0,
                                   beta: 0, c: ob + i0 * ldq + j * g * hd, ldc: ldq, strideC: hd)
                }
            }
        }
    }

    /// Softmax over the first `visible` entries of `row` that `mask` allows; zero elsewhere, and
    /// zero throughout when nothing is allowed.
    @inlinable
    static func maskedSoftmaxRow<T: KernelScalar>(
        _ row: UnsafeMutablePointer<T>, visible: Int, count: Int, mask: UnsafePointer<UInt8>?
    ) {
        let limit = min(visible, count)
        var maxValue = -T.infinity
        var sum: T = 0
        if let mask {
            for j in 0..<limit where mask[j] != 0 && row[j] > maxValue { maxValue = row[j] }
            if maxValue == -T.infinity {
                row.update(repeating: 0, count: count)
                return
            }
            for j in 0..<limit {
                let e = mask[j] != 0 ? T.exp(row[j] - maxValue) : 0
                row[j] = e
                sum += e
            }
        } else {
            for j in 0..<limit where row[j] > maxValue { maxValue = row[j] }
            for j in 0..<limit { row[j] -= maxValue }
            expInPlace(row, count: limit)
            for j in 0..<limit { sum += row[j] }
        }
        let inv = 1 / sum
        for j in 0..<limit { row[j] *= inv }
        if limit < count { (row + limit).update(repeating: 0, count: count - limit) }
    }

    /// Accumulates `dQ[B, T, heads·headDim]`, `dK` and `dV[B, kvCapacity, kvHeads·headDim]` (rows
    /// `0 ..< past+T`) from `dOut` and the saved `probs`. Heads that share a key/value head add up.
    @inlinable
    public static func backward<T: KernelScalar>(
        dQ: UnsafeMutablePointer<T>, dK: UnsafeMutablePointer<T>, dV: UnsafeMutablePointer<T>,
        dOut: UnsafePointer<T>, probs: UnsafePointer<T>,
        q: UnsafePointer<T>, k: UnsafePointer<T>, v: UnsafePointer<T>, shape s: Shape
    ) {
        let tq = s.seqLen, nk = s.keys, hd = s.headDim, g = s.group
        let ldq = s.heads * hd, ldkv = s.kvHeads * hd
        let scale = T(1 / Double(hd).squareRoot())
        guard tq > 0, nk > 0, g > 0 else { return }
        let dS = UnsafeMutablePointer<T>.allocate(capacity: tq * nk)
        defer { dS.deallocate() }
        for b in 0..<s.batch {
            for h in 0..<s.heads {
                let j = h / g
                let qh = q + b * tq * ldq + h * hd
                let dqh = dQ + b * tq * ldq + h * hd
                let doh = dOut + b * tq * ldq + h * hd
                let kj = k + b * s.kvCapacity * ldkv + j * hd
                let vj = v + b * s.kvCapacity * ldkv + j * hd
                let dkj = dK + b * s.kvCapacity * ldkv + j * hd
                let dvj = dV + b * s.kvCapacity * ldkv + j * hd
                let p = probs + (b * s.heads + h) * tq * nk
                for (i0, i1, used) in s.queryTiles() {
                    let rows = i1 - i0
                    let dSt = dS + i0 * nk
                    let pt = p + i0 * nk
                    // dP = dOut_h · v_jᵀ ; dV_j += Pᵀ · dOut_h
                    gemm(false, true, rows, used, hd, 1, doh + i0 * ldq, ldq, vj, ldkv, 0, dSt, nk)
                    gemm(true, false, used, hd, rows, 1, pt, nk, doh + i0 * ldq, ldq, 1, dvj, ldkv)
                    // softmax backward in place: dS = P ⊙ (dP − Σ P ⊙ dP)
                    for i in i0..<i1 {
                        let pr = p + i * nk
                        let dr = dS + i * nk
                        let limit = s.visibleKeys(i)
                        var dot: T = 0
                        for c in 0..<limit { dot += pr[c] * dr[c] }
                        for c in 0..<limit { dr[c] = pr[c] * (dr[c] - dot) }
                        if limit < used { (dr + limit).update(repeating: 0, count: used - limit) }
                    }
                    // scores = scale · q_h · k_jᵀ
                    gemm(false, false, rows, hd, used, scale, dSt, nk, kj, ldkv, 1, dqh + i0 * ldq, ldq)
                    gemm(true, false, used, hd, rows, scale, dSt, nk, qh + i0 * ldq, ldq, 1, dkj, ldkv)
                }
            }
        }
    }
}

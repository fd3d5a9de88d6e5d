// The checked layer over rope, attention and softmax.

extension Rope {
    /// Rotates `x[..., heads·headDim]` (rows are every dimension but the last, one position each).
    @inlinable
    public static func forward<T>(
        _ x: Tensor<T>, positions: [Int32], invFreq: [T], heads: Int, attentionScaling: T = 1
    ) throws -> Tensor<T> {
        let (n, hd) = try sizes(x, positions, invFreq, heads)
        var out = [T](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            positions.withUnsafeBufferPointer { pp in
                invFreq.withUnsafeBufferPointer { fp in
                    out.withUnsafeMutableBufferPointer { op in
                        forward(out: op.base, x: xp.base, positions: pp.base, invFreq: fp.base, n: n,
                                heads: heads, headDim: hd, attentionScaling: attentionScaling)
                    }
                }
            }
        }
        return Tensor(validShape: x.shape, storage: out)
    }

    /// The gradient of `forward` for its input, given `dOut` of the same shape.
    @inlinable
    public static func backward<T>(
        dOut: Tensor<T>, positions: [Int32], invFreq: [T], heads: Int, attentionScaling: T = 1
    ) throws -> Tensor<T> {
        let (n, hd) = try sizes(dOut, positions, invFreq, heads)
        var dX = [T](repeating: 0, count: dOut.count)
        dOut.withUnsafeBufferPointer { gp in
            positions.withUnsafeBufferPointer { pp in
                invFreq.withUnsafeBufferPointer { fp in
                    dX.withUnsafeMutableBufferPointer { dp in
                        backward(dX: dp.base, dOut: gp.base, positions: pp.base, invFreq: fp.base, n: n,
                                 heads: heads, headDim: hd, attentionScaling: attentionScaling)
                    }
                }
            }
        }
        return Tensor(validShape: dOut.shape, storage: dX)
    }

    @inlinable
    static func sizes<T>(_ x: Tensor<T>, _ positions: [Int32], _ invFreq: [T], _ heads: Int) throws -> (Int, Int) {
        try Check.rank(x, atLeast: 1, "rope", "input")
        try Check.positive(heads, "rope", "heads")
        let width = x.lastDim
        guard width % heads == 0 else {
            throw TensorError("rope", "\(width) columns do not split into \(heads) heads")
        }
        let hd = width / heads
        guard hd % 2 == 0 else { throw TensorError("rope", "head_dim \(hd) is odd; rotate_half needs an even head_dim") }
        guard invFreq.count == hd / 2 else {
            throw TensorError("rope", "invFreq has \(invFreq.count) values but head_dim \(hd) needs \(hd / 2)")
        }
        let n = x.leadingCount
        guard positions.count == n else {
            throw TensorError("rope", "\(positions.count) positions for \(n) rows")
        }
        for (row, p) in positions.enumerated() where p < 0 {
            throw TensorError("rope", "position \(p) at row \(row) is negative")
        }
        return (n, hd)
    }
}

extension Attention {
    /// Grouped-query attention over `q[B, T, heads·hd]` and `k, v[B, S, kvHeads·hd]` with
    /// `S ≥ past + T` (rows past `past + T` are ignored), causal unless `causal` is false.
    /// `keyMask`, when given, holds `B·S` values, nonzero where a key may be attended. Returns
    /// `out[B, T, heads·hd]` and the saved `probs[B, heads, T, past + T]`.
    @inlinable
    public static func forward<T>(
        q: Tensor<T>, k: Tensor<T>, v: Tensor<T>, heads: Int, kvHeads: Int, past: Int = 0,
        keyMask: [UInt8]? = nil, causal: Bool = true
    ) throws -> (out: Tensor<T>, probs: Tensor<T>) {
        let s = try shape(q, k, v, heads, kvHeads, past, causal)
        if let keyMask, keyMask.count != s.batch * s.kvCapacity {
            throw TensorError("attention", "keyMask has \(keyMask.count) values but batch \(s.batch) × \(s.kvCapacity) keys need \(s.batch * s.kvCapacity)")
        }
        var out = [T](repeating: 0, count: q.count)
        var probs = [T](repeating: 0, count: s.probsCount)
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    out.withUnsafeMutableBufferPointer { op in
                        probs.withUnsafeMutableBufferPointer { pp in
                            if let keyMask {
                                keyMask.withUnsafeBufferPointer { mp in
                                    forward(out: op.base, probs: pp.base, q: qp.base, k: kp.base, v: vp.base,
                                            keyMask: mp.base, shape: s)
                                }
                            } else {
                                forward(out: op.base, probs: pp.base, q: qp.base, k: kp.base, v: vp.base,
                                        keyMask: nil, shape: s)
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(validShape: q.shape, storage: out),
                Tensor(validShape: [s.batch, s.heads, s.seqLen, s.keys], storage: probs))
    }

    /// Gradients of `forward` for `q`, `k` and `v` from `dOut` and the saved `probs`.
    @inlinable
    public static func backward<T>(
        dOut: Tensor<T>, probs: Tensor<T>, q: Tensor<T>, k: Tensor<T>, v: Tensor<T>,
        heads: Int, kvHeads: Int, past: Int = 0, causal: Bool = true
    ) throws -> (dQ: Tensor<T>, dK: Tensor<T>, dV: Tensor<T>) {
        let s = try shape(q, k, v, heads, kvHeads, past, causal)
        try Check.sameShape(dOut, q, "attention", "dOut", "q")
        try Check.shape(probs, [s.batch, s.heads, s.seqLen, s.keys], "attention", "probs")
        var dQ = [T](repeating: 0, count: q.count)
        var dK = [T](repeating: 0, count: k.count)
        var dV = [T](repeating: 0, count: v.count)
        q.withUnsafeBufferPointer { qp in
            k.withUnsafeBufferPointer { kp in
                v.withUnsafeBufferPointer { vp in
                    dOut.withUnsafeBufferPointer { gp in
                        probs.withUnsafeBufferPointer { pp in
                            dQ.withUnsafeMutableBufferPointer { dqp in
                                dK.withUnsafeMutableBufferPointer { dkp in
                                    dV.withUnsafeMutableBufferPointer { dvp in
                                        backward(dQ: dqp.base, dK: dkp.base, dV: dvp.base, dOut: gp.base,
                                                 probs: pp.base, q: qp.base, k: kp.base, v: vp.base, shape: s)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(validShape: q.shape, storage: dQ), Tensor(validShape: k.shape, storage: dK),
                Tensor(validShape: v.shape, storage: dV))
    }

    @inlinable
    static func shape<T>(
        _ q: Tensor<T>, _ k: Tensor<T>, _ v: Tensor<T>, _ heads: Int, _ kvHeads: Int, _ past: Int, _ causal: Bool
    ) throws -> Shape {
        let op = "attention"
        try Check.rank(q, 3, op, "q")
        try Check.rank(k, 3, op, "k")
        try Check.sameShape(k, v, op, "k", "v")
        try Check.positive(heads, op, "heads")
        try Check.positive(kvHeads, op, "kvHeads")
        try Check.nonNegative(past, op, "past")
        guard heads % kvHeads == 0 else {
            throw TensorError(op, "\(heads) heads do not divide into \(kvHeads) kv heads")
        }
        let (batch, seqLen, width) = (q.shape[0], q.shape[1], q.shape[2])
        guard width % heads == 0 else {
            throw TensorError(op, "q has \(width) columns, which do not split into \(heads) heads")
        }
        let hd = width / heads
        guard hd > 0 else { throw TensorError(op, "head_dim must be positive, got \(hd)") }
        guard k.shape[0] == batch else {
            throw TensorError(op, "q has batch \(batch) but k has batch \(k.shape[0])")
        }
        guard k.shape[2] == kvHeads * hd else {
            throw TensorError(op, "k has \(k.shape[2]) columns but \(kvHeads) kv heads of head_dim \(hd) need \(kvHeads * hd)")
        }
        guard k.shape[1] >= past + seqLen else {
            throw TensorError(op, "k has \(k.shape[1]) positions but past \(past) + \(seqLen) new need \(past + seqLen)")
        }
        return Shape(batch: batch, seqLen: seqLen, heads: heads, kvHeads: kvHeads, headDim: hd,
                     past: past, kvCapacity: k.shape[1], causal: causal)
    }
}

extension Softmax {
    /// Softmax over the last dimension.
    @inlinable
    public static func forward<T>(_ x: Tensor<T>) throws -> Tensor<T> {
        try Check.rank(x, atLeast: 1, "softmax", "input")
        var out = [T](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                forward(out: op.base, x: xp.base, n: x.leadingCount, dim: x.lastDim)
            }
        }
        return Tensor(validShape: x.shape, storage: out)
    }

    /// The input gradient from `dOut` and the saved `out`.
    @inlinable
    public static func backward<T>(dOut: Tensor<T>, out: Tensor<T>) throws -> Tensor<T> {
        try Check.rank(out, atLeast: 1, "softmax", "out")
        try Check.sameShape(dOut, out, "softmax", "dOut", "out")
        var dX = [T](repeating: 0, count: out.count)
        out.withUnsafeBufferPointer { yp in
            dOut.withUnsafeBufferPointer { gp in
                dX.withUnsafeMutableBufferPointer { dp in
                    backward(dX: dp.base, dOut: gp.base, out: yp.base, n: out.leadingCount, dim: out.lastDim)
                }
            }
        }
        return Tensor(validShape: out.shape, storage: dX)
    }
}

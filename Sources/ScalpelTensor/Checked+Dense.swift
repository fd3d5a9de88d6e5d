// The checked layer over matmul, linear, embedding and the residual add.

extension Matmul {
    /// `op(a) · op(b)` for 2-D tensors (see the raw `forward` for layouts).
    @inlinable
    public static func forward<T>(_ a: Tensor<T>, _ b: Tensor<T>, transA: Bool = false, transB: Bool = false) throws -> Tensor<T> {
        let (m, n, k) = try sizes(a, b, transA, transB, "matmul")
        var out = [T](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { op in
                    forward(out: op.base, a: ap.base, b: bp.base, m: m, n: n, k: k, transA: transA, transB: transB)
                }
            }
        }
        return Tensor(validShape: [m, n], storage: out)
    }

    /// Gradients of `forward(a, b)` given `dOut[M, N]`, in the stored layouts of `a` and `b`.
    @inlinable
    public static func backward<T>(
        dOut: Tensor<T>, _ a: Tensor<T>, _ b: Tensor<T>, transA: Bool = false, transB: Bool = false
    ) throws -> (dA: Tensor<T>, dB: Tensor<T>) {
        let (m, n, k) = try sizes(a, b, transA, transB, "matmul")
        try Check.shape(dOut, [m, n], "matmul", "dOut")
        var dA = [T](repeating: 0, count: a.count)
        var dB = [T](repeating: 0, count: b.count)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                dOut.withUnsafeBufferPointer { gp in
                    dA.withUnsafeMutableBufferPointer { dap in
                        dB.withUnsafeMutableBufferPointer { dbp in
                            backward(dA: dap.base, dB: dbp.base, dOut: gp.base, a: ap.base, b: bp.base,
                                     m: m, n: n, k: k, transA: transA, transB: transB)
                        }
                    }
                }
            }
        }
        return (Tensor(validShape: a.shape, storage: dA), Tensor(validShape: b.shape, storage: dB))
    }

    @inlinable
    static func sizes<T>(_ a: Tensor<T>, _ b: Tensor<T>, _ transA: Bool, _ transB: Bool, _ op: String) throws -> (Int, Int, Int) {
        try Check.rank(a, 2, op, "a")
        try Check.rank(b, 2, op, "b")
        let (m, ka) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (kb, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard ka == kb else {
            throw TensorError(op, "op(a) is [\(m), \(ka)] but op(b) is [\(kb), \(n)]; inner sizes \(ka) and \(kb) differ")
        }
        return (m, n, ka)
    }
}

extension Linear {
    /// `x[..., I] · weight[O, I]ᵀ + bias[O]` → `[..., O]`.
    @inlinable
    public static func forward<T>(_ x: Tensor<T>, weight: Tensor<T>, bias: Tensor<T>? = nil) throws -> Tensor<T> {
        let (n, i, o) = try sizes(x, weight, bias)
        var out = [T](repeating: 0, count: n * o)
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                withOptionalPointer(bias) { bp in
                    out.withUnsafeMutableBufferPointer { op in
                        forward(out: op.base, x: xp.base, weight: wp.base, bias: bp, n: n, inFeatures: i, outFeatures: o)
                    }
                }
            }
        }
        return Tensor(validShape: x.shape.dropLast() + [o], storage: out)
    }

    /// Gradients of `forward` given `dOut[..., O]`; `dBias` is nil unless `withBias`.
    @inlinable
    public static func backward<T>(
        dOut: Tensor<T>, x: Tensor<T>, weight: Tensor<T>, withBias: Bool = false
    ) throws -> (dX: Tensor<T>, dWeight: Tensor<T>, dBias: Tensor<T>?) {
        let (n, i, o) = try sizes(x, weight, nil)
        try Check.shape(dOut, x.shape.dropLast() + [o], "linear", "dOut")
        var dX = [T](repeating: 0, count: n * i)
        var dW = [T](repeating: 0, count: o * i)
        let dB: [T]? = withOptionalGradient(withBias, count: o) { dbp in
            x.withUnsafeBufferPointer { xp in
                weight.withUnsafeBufferPointer { wp in
                    dOut.withUnsafeBufferPointer { gp in
                        dX.withUnsafeMutableBufferPointer { dxp in
                            dW.withUnsafeMutableBufferPointer { dwp in
                                backward(dX: dxp.base, dWeight: dwp.base, dBias: dbp, dOut: gp.base, x: xp.base,
                                         weight: wp.base, n: n, inFeatures: i, outFeatures: o)
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(validShape: x.shape, storage: dX), Tensor(validShape: weight.shape, storage: dW),
                dB.map { Tensor(validShape: [o], storage: $0) })
    }

    @inlinable
    static func sizes<T>(_ x: Tensor<T>, _ weight: Tensor<T>, _ bias: Tensor<T>?) throws -> (Int, Int, Int) {
        try Check.rank(x, atLeast: 1, "linear", "input")
        try Check.rank(weight, 2, "linear", "weight")
        let o = weight.shape[0], i = weight.shape[1]
        guard x.lastDim == i else {
            throw TensorError("linear", "input has \(x.lastDim) features but weight expects \(i)")
        }
        if let bias, bias.shape != [o] {
            throw TensorError("linear", "bias has shape \(bias.shape) but weight has \(o) outputs")
        }
        return (x.leadingCount, i, o)
    }
}

extension Embedding {
    /// Rows of `table[V, D]` for `ids` → `[ids.count, D]`.
    @inlinable
    public static func forward<T>(ids: [Int32], table: Tensor<T>) throws -> Tensor<T> {
        let d = try check(ids, vocab: table.shape.first ?? 0, table: table)
        var out = [T](repeating: 0, count: ids.count * d)
        ids.withUnsafeBufferPointer { ip in
            table.withUnsafeBufferPointer { tp in
                out.withUnsafeMutableBufferPointer { op in
                    forward(out: op.base, ids: ip.base, table: tp.base, n: ids.count, dim: d)
                }
            }
        }
        return Tensor(validShape: [ids.count, d], storage: out)
    }

    /// The table gradient `[vocab, D]` from `dOut[ids.count, D]`.
    @inlinable
    public static func backward<T>(dOut: Tensor<T>, ids: [Int32], vocab: Int) throws -> Tensor<T> {
        try Check.nonNegative(vocab, "embedding", "vocab")
        try Check.rank(dOut, 2, "embedding", "dOut")
        let d = dOut.shape[1]
        guard dOut.shape[0] == ids.count else {
            throw TensorError("embedding", "dOut has \(dOut.shape[0]) rows but there are \(ids.count) ids")
        }
        try checkIDs(ids, vocab: vocab)
        var dTable = [T](repeating: 0, count: vocab * d)
        ids.withUnsafeBufferPointer { ip in
            dOut.withUnsafeBufferPointer { gp in
                dTable.withUnsafeMutableBufferPointer { dp in
                    backward(dTable: dp.base, dOut: gp.base, ids: ip.base, n: ids.count, dim: d)
                }
            }
        }
        return Tensor(validShape: [vocab, d], storage: dTable)
    }

    @inlinable
    static func check<T>(_ ids: [Int32], vocab: Int, table: Tensor<T>) throws -> Int {
        try Check.rank(table, 2, "embedding", "table")
        try checkIDs(ids, vocab: vocab)
        return table.shape[1]
    }

    @inlinable
    static func checkIDs(_ ids: [Int32], vocab: Int) throws {
        for (position, id) in ids.enumerated() where id < 0 || Int(id) >= vocab {
            throw TensorError("embedding", "id \(id) at position \(position) is outside the vocabulary of \(vocab)")
        }
    }
}

extension Residual {
    /// `a + b` for tensors of the same shape.
    @inlinable
    public static func forward<T>(_ a: Tensor<T>, _ b: Tensor<T>) throws -> Tensor<T> {
        try Check.sameShape(a, b, "residual", "a", "b")
        var out = [T](repeating: 0, count: a.count)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { op in
                    forward(out: op.base, a: ap.base, b: bp.base, count: a.count)
                }
            }
        }
        return Tensor(validShape: a.shape, storage: out)
    }
}

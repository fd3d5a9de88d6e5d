// The checked layer over RMSNorm and LayerNorm. Rows are every dimension but the last.

extension RMSNorm {
    /// Normalises `x[..., D]` with `weight[D]`; returns the output and the saved `rstd[...]`.
    @inlinable
    public static func forward<T>(_ x: Tensor<T>, weight: Tensor<T>, eps: T) throws -> (out: Tensor<T>, rstd: Tensor<T>) {
        let (n, d) = try sizes(x, weight, eps)
        var out = [T](repeating: 0, count: n * d)
        var rstd = [T](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    rstd.withUnsafeMutableBufferPointer { rp in
                        forward(out: op.base, rstd: rp.base, x: xp.base, weight: wp.base, n: n, dim: d, eps: eps)
                    }
                }
            }
        }
        return (Tensor(validShape: x.shape, storage: out), Tensor(validShape: Array(x.shape.dropLast()), storage: rstd))
    }

    /// Gradients of `forward` for the input and the weight.
    @inlinable
    public static func backward<T>(
        dOut: Tensor<T>, x: Tensor<T>, weight: Tensor<T>, rstd: Tensor<T>
    ) throws -> (dX: Tensor<T>, dWeight: Tensor<T>) {
        let (n, d) = try sizes(x, weight, 0)
        try Check.sameShape(dOut, x, "rmsnorm", "dOut", "x")
        try Check.shape(rstd, Array(x.shape.dropLast()), "rmsnorm", "rstd")
        var dX = [T](repeating: 0, count: n * d)
        var dW = [T](repeating: 0, count: d)
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                rstd.withUnsafeBufferPointer { rp in
                    dOut.withUnsafeBufferPointer { gp in
                        dX.withUnsafeMutableBufferPointer { dxp in
                            dW.withUnsafeMutableBufferPointer { dwp in
                                backward(dX: dxp.base, dWeight: dwp.base, dOut: gp.base, x: xp.base,
                                         weight: wp.base, rstd: rp.base, n: n, dim: d)
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(validShape: x.shape, storage: dX), Tensor(validShape: [d], storage: dW))
    }

    @inlinable
    static func sizes<T>(_ x: Tensor<T>, _ weight: Tensor<T>, _ eps: T) throws -> (Int, Int) {
        try Check.rank(x, atLeast: 1, "rmsnorm", "input")
        try Check.eps(eps, "rmsnorm")
        guard weight.shape == [x.lastDim] else {
            throw TensorError("rmsnorm", "weight has shape \(weight.shape) but input rows have \(x.lastDim) values")
        }
        return (x.leadingCount, x.lastDim)
    }
}

extension LayerNorm {
    /// Normalises `x[..., D]` with `weight[D]` and optional `bias[D]`; returns the output and the
    /// saved `mean[...]` and `rstd[...]`.
    @inlinable
    public static func forward<T>(
        _ x: Tensor<T>, weight: Tensor<T>, bias: Tensor<T>?, eps: T
    ) throws -> (out: Tensor<T>, mean: Tensor<T>, rstd: Tensor<T>) {
        let (n, d) = try sizes(x, weight, bias, eps)
        var out = [T](repeating: 0, count: n * d)
        var mean = [T](repeating: 0, count: n)
        var rstd = [T](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                withOptionalPointer(bias) { bp in
                    out.withUnsafeMutableBufferPointer { op in
                        mean.withUnsafeMutableBufferPointer { mp in
                            rstd.withUnsafeMutableBufferPointer { rp in
                                forward(out: op.base, mean: mp.base, rstd: rp.base, x: xp.base, weight: wp.base,
                                        bias: bp, n: n, dim: d, eps: eps)
                            }
                        }
                    }
                }
            }
        }
        let rows = Array(x.shape.dropLast())
        return (Tensor(validShape: x.shape, storage: out), Tensor(validShape: rows, storage: mean),
                Tensor(validShape: rows, storage: rstd))
    }

    /// Gradients of `forward`; `dBias` is nil unless `withBias`.
    @inlinable
    public static func backward<T>(
        dOut: Tensor<T>, x: Tensor<T>, weight: Tensor<T>, mean: Tensor<T>, rstd: Tensor<T>, withBias: Bool = true
    ) throws -> (dX: Tensor<T>, dWeight: Tensor<T>, dBias: Tensor<T>?) {
        let (n, d) = try sizes(x, weight, nil, 0)
        try Check.sameShape(dOut, x, "layernorm", "dOut", "x")
        try Check.shape(mean, Array(x.shape.dropLast()), "layernorm", "mean")
        try Check.shape(rstd, Array(x.shape.dropLast()), "layernorm", "rstd")
        var dX = [T](repeating: 0, count: n * d)
        var dW = [T](repeating: 0, count: d)
        let dB: [T]? = withOptionalGradient(withBias, count: d) { dbp in
            x.withUnsafeBufferPointer { xp in
                weight.withUnsafeBufferPointer { wp in
                    mean.withUnsafeBufferPointer { mp in
                        rstd.withUnsafeBufferPointer { rp in
                            dOut.withUnsafeBufferPointer { gp in
                                dX.withUnsafeMutableBufferPointer { dxp in
                                    dW.withUnsafeMutableBufferPointer { dwp in
                                        backward(dX: dxp.base, dWeight: dwp.base, dBias: dbp, dOut: gp.base,
                                                 x: xp.base, weight: wp.base, mean: mp.base, rstd: rp.base,
                                                 n: n, dim: d)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(validShape: x.shape, storage: dX), Tensor(validShape: [d], storage: dW),
                dB.map { Tensor(validShape: [d], storage: $0) })
    }

    @inlinable
    static func sizes<T>(_ x: Tensor<T>, _ weight: Tensor<T>, _ bias: Tensor<T>?, _ eps: T) throws -> (Int, Int) {
        try Check.rank(x, atLeast: 1, "layernorm", "input")
        try Check.eps(eps, "layernorm")
        guard weight.shape == [x.lastDim] else {
            throw TensorError("layernorm", "weight has shape \(weight.shape) but input rows have \(x.lastDim) values")
        }
        if let bias, bias.shape != [x.lastDim] {
            throw TensorError("layernorm", "bias has shape \(bias.shape) but input rows have \(x.lastDim) values")
        }
        return (x.leadingCount, x.lastDim)
    }
}

// The checked layer over SwiGLU and the SwiGLU MLP.

extension SwiGLU {
    /// `silu(gate) ⊙ up` for tensors of the same shape.
    @inlinable
    public static func forward<T>(gate: Tensor<T>, up: Tensor<T>) throws -> Tensor<T> {
        try Check.sameShape(gate, up, "swiglu", "gate", "up")
        var out = [T](repeating: 0, count: gate.count)
        gate.withUnsafeBufferPointer { gp in
            up.withUnsafeBufferPointer { upp in
                out.withUnsafeMutableBufferPointer { op in
                    forward(out: op.base, gate: gp.base, up: upp.base, count: gate.count)
                }
            }
        }
        return Tensor(validShape: gate.shape, storage: out)
    }

    /// Gradients for `gate` and `up`.
    @inlinable
    public static func backward<T>(dOut: Tensor<T>, gate: Tensor<T>, up: Tensor<T>) throws -> (dGate: Tensor<T>, dUp: Tensor<T>) {
        try Check.sameShape(gate, up, "swiglu", "gate", "up")
        try Check.sameShape(dOut, gate, "swiglu", "dOut", "gate")
        var dGate = [T](repeating: 0, count: gate.count)
        var dUp = [T](repeating: 0, count: gate.count)
        gate.withUnsafeBufferPointer { gp in
            up.withUnsafeBufferPointer { upp in
                dOut.withUnsafeBufferPointer { dp in
                    dGate.withUnsafeMutableBufferPointer { dgp in
                        dUp.withUnsafeMutableBufferPointer { dup in
                            backward(dGate: dgp.base, dUp: dup.base, dOut: dp.base, gate: gp.base, up: upp.base,
                                     count: gate.count)
                        }
                    }
                }
            }
        }
        return (Tensor(validShape: gate.shape, storage: dGate), Tensor(validShape: up.shape, storage: dUp))
    }
}

extension SwiGLUMLP {
    /// `down(silu(gate(x)) ⊙ up(x))` for `x[..., D]`, `wGate, wUp[F, D]`, `wDown[D, F]`. Returns the
    /// output and the activations backward needs (`gate`, `up`, `hidden`, each `[..., F]`).
    @inlinable
    public static func forward<T>(
        _ x: Tensor<T>, wGate: Tensor<T>, wUp: Tensor<T>, wDown: Tensor<T>
    ) throws -> (out: Tensor<T>, gate: Tensor<T>, up: Tensor<T>, hidden: Tensor<T>) {
        let (n, d, f) = try sizes(x, wGate, wUp, wDown)
        var out = [T](repeating: 0, count: n * d)
        var gate = [T](repeating: 0, count: n * f)
        var up = [T](repeating: 0, count: n * f)
        var hidden = [T](repeating: 0, count: n * f)
        x.withUnsafeBufferPointer { xp in
            wGate.withUnsafeBufferPointer { wgp in
                wUp.withUnsafeBufferPointer { wup in
                    wDown.withUnsafeBufferPointer { wdp in
                        out.withUnsafeMutableBufferPointer { op in
                            gate.withUnsafeMutableBufferPointer { gp in
                                up.withUnsafeMutableBufferPointer { upp in
                                    hidden.withUnsafeMutableBufferPointer { hp in
                                        forward(out: op.base, gate: gp.base, up: upp.base, hidden: hp.base, x: xp.base,
                                                wGate: wgp.base, wUp: wup.base, wDown: wdp.base,
                                                n: n, dim: d, hiddenDim: f)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let inner = Array(x.shape.dropLast()) + [f]
        return (Tensor(validShape: x.shape, storage: out), Tensor(validShape: inner, storage: gate),
                Tensor(validShape: inner, storage: up), Tensor(validShape: inner, storage: hidden))
    }

    /// Gradients for `x` and the three weights from `dOut[..., D]` and the saved activations.
    @inlinable
    public static func backward<T>(
        dOut: Tensor<T>, x: Tensor<T>, wGate: Tensor<T>, wUp: Tensor<T>, wDown: Tensor<T>,
        gate: Tensor<T>, up: Tensor<T>, hidden: Tensor<T>
    ) throws -> (dX: Tensor<T>, dWGate: Tensor<T>, dWUp: Tensor<T>, dWDown: Tensor<T>) {
        let (n, d, f) = try sizes(x, wGate, wUp, wDown)
        try Check.sameShape(dOut, x, "swigluMLP", "dOut", "x")
        let inner = Array(x.shape.dropLast()) + [f]
        try Check.shape(gate, inner, "swigluMLP", "gate")
        try Check.shape(up, inner, "swigluMLP", "up")
        try Check.shape(hidden, inner, "swigluMLP", "hidden")
        var dX = [T](repeating: 0, count: n * d)
        var dWGate = [T](repeating: 0, count: f * d)
        var dWUp = [T](repeating: 0, count: f * d)
        var dWDown = [T](repeating: 0, count: d * f)
        x.withUnsafeBufferPointer { xp in
            wGate.withUnsafeBufferPointer { wgp in
                wUp.withUnsafeBufferPointer { wup in
                    wDown.withUnsafeBufferPointer { wdp in
                        gate.withUnsafeBufferPointer { gp in
                            up.withUnsafeBufferPointer { upp in
                                hidden.withUnsafeBufferPointer { hp in
                                    dOut.withUnsafeBufferPointer { dp in
                                        dX.withUnsafeMutableBufferPointer { dxp in
                                            dWGate.withUnsafeMutableBufferPointer { dgp in
                                                dWUp.withUnsafeMutableBufferPointer { dup in
                                                    dWDown.withUnsafeMutableBufferPointer { ddp in
                                                        backward(dX: dxp.base, dWGate: dgp.base, dWUp: dup.base,
                                                                 dWDown: ddp.base, dOut: dp.base, x: xp.base,
                                                                 wGate: wgp.base, wUp: wup.base, wDown: wdp.base,
                                                                 gate: gp.base, up: upp.base, hidden: hp.base,
                                                                 n: n, dim: d, hiddenDim: f)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(validShape: x.shape, storage: dX), Tensor(validShape: wGate.shape, storage: dWGate),
                Tensor(validShape: wUp.shape, storage: dWUp), Tensor(validShape: wDown.shape, storage: dWDown))
    }

    @inlinable
    static func sizes<T>(_ x: Tensor<T>, _ wGate: Tensor<T>, _ wUp: Tensor<T>, _ wDown: Tensor<T>) throws -> (Int, Int, Int) {
        let op = "swigluMLP"
        try Check.rank(x, atLeast: 1, op, "input")
        try Check.rank(wGate, 2, op, "wGate")
        let (f, d) = (wGate.shape[0], wGate.shape[1])
        guard x.lastDim == d else {
            throw TensorError(op, "input has \(x.lastDim) features but wGate expects \(d)")
        }
        try Check.sameShape(wUp, wGate, op, "wUp", "wGate")
        guard wDown.shape == [d, f] else {
            throw TensorError(op, "wDown has shape \(wDown.shape) but [\(d), \(f)] is needed")
        }
        return (x.leadingCount, d, f)
    }
}

/// An elementwise activation with raw kernels over `count` values; the checked tensor forms come
/// with the protocol. `SiLU`, `GELUTanh`, `GELUErf` and `QuickGELU` conform.
public protocol ElementwiseActivation {
    /// `out[i] = f(x[i])`; `out` may be `x`.
    static func forward<T: KernelScalar>(out: UnsafeMutablePointer<T>, x: UnsafePointer<T>, count: Int)
    /// `dX[i] += f'(x[i]) · dOut[i]`.
    static func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>, dOut: UnsafePointer<T>, x: UnsafePointer<T>, count: Int)
}

extension SiLU: ElementwiseActivation {}
extension GELUTanh: ElementwiseActivation {}
extension GELUErf: ElementwiseActivation {}
extension QuickGELU: ElementwiseActivation {}

extension ElementwiseActivation {
    /// `f(x)` elementwise, same shape.
    @inlinable
    public static func forward<T>(_ x: Tensor<T>) -> Tensor<T> {
        var out = [T](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                forward(out: op.base, x: xp.base, count: x.count)
            }
        }
        return Tensor(validShape: x.shape, storage: out)
    }

    /// `f'(x) ⊙ dOut`; throws when the shapes differ.
    @inlinable
    public static func backward<T>(dOut: Tensor<T>, x: Tensor<T>) throws -> Tensor<T> {
        try Check.sameShape(dOut, x, "\(Self.self)".lowercased(), "dOut", "x")
        var dX = [T](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            dOut.withUnsafeBufferPointer { gp in
                dX.withUnsafeMutableBufferPointer { dp in
                    backward(dX: dp.base, dOut: gp.base, x: xp.base, count: x.count)
                }
            }
        }
        return Tensor(validShape: x.shape, storage: dX)
    }
}

/// The activation a config names (`hidden_act` / `hidden_activation` in Hugging Face configs),
/// dispatched once per call to the kernel families above.
public enum HiddenActivation: String, Sendable, CaseIterable {
    case silu
    /// The erf form (`nn.GELU()`).
    case gelu
    /// The tanh approximation (`gelu_pytorch_tanh`; `gelu_new` and `gelu_fast` compute the same curve).
    case geluTanh = "gelu_pytorch_tanh"
    case quickGELU = "quick_gelu"

    /// Reads a config name: `silu`/`swish`, `gelu`, `gelu_pytorch_tanh`/`gelu_new`/`gelu_fast`,
    /// `quick_gelu`; throws for others.
    public init(configName: String) throws {
        switch configName {
        case "silu", "swish": self = .silu
        case "gelu": self = .gelu
        case "gelu_pytorch_tanh", "gelu_new", "gelu_fast": self = .geluTanh
        case "quick_gelu": self = .quickGELU
        default:
            throw TensorError("activation", "unknown activation '\(configName)' (known: silu, gelu, gelu_pytorch_tanh, gelu_new, quick_gelu)")
        }
    }

    /// `out[i] = f(x[i])`; `out` may be `x`.
    @inlinable
    public func forward<T: KernelScalar>(out: UnsafeMutablePointer<T>, x: UnsafePointer<T>, count: Int) {
        switch self {
        case .silu: SiLU.forward(out: out, x: x, count: count)
        case .gelu: GELUErf.forward(out: out, x: x, count: count)
        case .geluTanh: GELUTanh.forward(out: out, x: x, count: count)
        case .quickGELU: QuickGELU.forward(out: out, x: x, count: count)
        }
    }

    /// `dX[i] += f'(x[i]) · dOut[i]`.
    @inlinable
    public func backward<T: KernelScalar>(
        dX: UnsafeMutablePointer<T>, dOut: UnsafePointer<T>, x: UnsafePointer<T>, count: Int
    ) {
        switch self {
        case .silu: SiLU.backward(dX: dX, dOut: dOut, x: x, count: count)
        case .gelu: GELUErf.backward(dX: dX, dOut: dOut, x: x, count: count)
        case .geluTanh: GELUTanh.backward(dX: dX, dOut: dOut, x: x, count: count)
        case .quickGELU: QuickGELU.backward(dX: dX, dOut: dOut, x: x, count: count)
        }
    }
}

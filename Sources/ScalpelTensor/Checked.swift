/// Argument checks shared by the checked layer. Each throws a `TensorError` whose message names the
/// op, the argument and the offending sizes.
@usableFromInline
enum Check {
    /// `t` must have exactly `rank` dimensions.
    @inlinable
    static func rank<T>(_ t: Tensor<T>, _ rank: Int, _ op: String, _ name: String) throws {
        guard t.rank == rank else {
            throw TensorError(op, "\(name) must be \(rank)-D, got shape \(t.shape)")
        }
    }

    /// `t` must have at least `rank` dimensions.
    @inlinable
    static func rank<T>(_ t: Tensor<T>, atLeast rank: Int, _ op: String, _ name: String) throws {
        guard t.rank >= rank else {
            throw TensorError(op, "\(name) must have at least \(rank) dimension\(rank == 1 ? "" : "s"), got shape \(t.shape)")
        }
    }

    /// `value` must be greater than zero.
    @inlinable
    static func positive(_ value: Int, _ op: String, _ name: String) throws {
        guard value > 0 else { throw TensorError(op, "\(name) must be positive, got \(value)") }
    }

    /// `value` must be zero or more.
    @inlinable
    static func nonNegative(_ value: Int, _ op: String, _ name: String) throws {
        guard value >= 0 else { throw TensorError(op, "\(name) must not be negative, got \(value)") }
    }

    /// Two tensors must have the same shape.
    @inlinable
    static func sameShape<T>(_ a: Tensor<T>, _ b: Tensor<T>, _ op: String, _ nameA: String, _ nameB: String) throws {
        guard a.shape == b.shape else {
            throw TensorError(op, "\(nameA) has shape \(a.shape) but \(nameB) has shape \(b.shape)")
        }
    }

    /// `t` must have shape `shape`.
    @inlinable
    static func shape<T>(_ t: Tensor<T>, _ shape: [Int], _ op: String, _ name: String) throws {
        guard t.shape == shape else {
            throw TensorError(op, "\(name) has shape \(t.shape) but \(shape) is needed")
        }
    }

    /// A norm's epsilon must be finite and not negative.
    @inlinable
    static func eps<T: KernelScalar>(_ eps: T, _ op: String) throws {
        guard eps.isFinite, eps >= 0 else {
            throw TensorError(op, "eps must be finite and not negative, got \(eps)")
        }
    }
}

extension Tensor {
    /// Rows when the last dimension is the feature dimension: the product of all the others.
    @inlinable
    var leadingCount: Int { shape.dropLast().reduce(1, *) }
    /// The last dimension (1 for a scalar).
    @inlinable
    var lastDim: Int { shape.last ?? 1 }
}

/// Calls `body` with the tensor's base address, or nil when there is no tensor.
@inlinable
func withOptionalPointer<T: KernelScalar, R>(
    _ t: Tensor<T>?, _ body: (UnsafePointer<T>?) throws -> R
) rethrows -> R {
    guard let t else { return try body(nil) }
    return try t.storage.withUnsafeBufferPointer { try body($0.base) }
}

/// Calls `body` with a zeroed buffer of `count` elements, or nil when not `wanted`; returns the
/// buffer with what `body` did to it.
@inlinable
func withOptionalGradient<T: KernelScalar>(
    _ wanted: Bool, count: Int, _ body: (UnsafeMutablePointer<T>?) throws -> Void
) rethrows -> [T]? {
    guard wanted else {
        try body(nil)
        return nil
    }
    var g = [T](repeating: 0, count: count)
    try g.withUnsafeMutableBufferPointer { try body($0.base) }
    return g
}

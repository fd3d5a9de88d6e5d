/// Fixed-size f32 storage at a stable address: weights, activations and gradients.
///
/// Kernels take raw pointers; a `FloatBuffer` owns one allocation for its lifetime so callers can
/// hand out `pointer` without the copy-on-write and closure nesting of `Array`.
public final class FloatBuffer: @unchecked Sendable {
    /// Number of floats.
    public let count: Int
    /// The first element. Valid while the buffer lives.
    public let pointer: UnsafeMutablePointer<Float>

    /// A zero-filled buffer of `count` floats.
    public init(count: Int) {
        self.count = max(count, 0)
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// A buffer holding a copy of `values`.
    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    /// The contents as an array.
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// Read-only view of the first element.
    @inlinable public var readPointer: UnsafePointer<Float> { UnsafePointer(pointer) }
}

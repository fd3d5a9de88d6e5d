/// A dense row-major array: a shape and contiguous storage of `shape.product` elements.
///
/// The checked layer (`Linear.forward(_:weight:bias:)` and its siblings) takes and returns tensors,
/// validates shapes and arguments, and throws `TensorError` instead of trapping; the raw kernels
/// underneath take pointers and sizes.
public struct Tensor<T: KernelScalar>: Equatable, Sendable, CustomStringConvertible {
    /// Sizes of each dimension, outermost first.
    @inlinable public var shape: [Int] { _shape }
    /// The elements, row-major.
    @inlinable public var storage: [T] { _storage }

    @usableFromInline var _shape: [Int]
    @usableFromInline var _storage: [T]

    /// Wraps `storage` as a tensor of `shape`; throws when a size is negative or the element count
    /// does not match.
    @inlinable
    public init(shape: [Int], storage: [T]) throws {
        let count = try Tensor.elementCount(shape, op: "tensor")
        guard count == storage.count else {
            throw TensorError("tensor", "shape \(shape) needs \(count) values but storage has \(storage.count)")
        }
        self._shape = shape
        self._storage = storage
    }

    /// A one-dimensional tensor of `values`.
    @inlinable
    public init(_ values: [T]) {
        self._shape = [values.count]
        self._storage = values
    }

    /// A tensor of `shape` filled with `value`; throws when a size is negative.
    @inlinable
    public init(shape: [Int], repeating value: T) throws {
        let count = try Tensor.elementCount(shape, op: "tensor")
        self._shape = shape
        self._storage = [T](repeating: value, count: count)
    }

    /// A tensor of zeros; throws when a size is negative.
    @inlinable
    public init(zeros shape: [Int]) throws {
        try self.init(shape: shape, repeating: 0)
    }

    /// A tensor whose shape the caller has already validated.
    @inlinable
    init(validShape shape: [Int], storage: [T]) {
        self._shape = shape
        self._storage = storage
    }

    /// Number of elements.
    @inlinable public var count: Int { storage.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// The element at a flat (row-major) index.
    @inlinable
    public subscript(flat index: Int) -> T {
        get { storage[index] }
        set { _storage[index] = newValue }
    }

    /// The element at one index per dimension (traps when out of range, like `Array`).
    @inlinable
    public subscript(_ indices: Int...) -> T {
        get { storage[flatIndex(indices)] }
        set { _storage[flatIndex(indices)] = newValue }
    }

    @inlinable
    func flatIndex(_ indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "tensor: \(indices.count) indices for rank \(shape.count)")
        var flat = 0
        for (i, size) in zip(indices, shape) {
            precondition(i >= 0 && i < size, "tensor: index \(indices) out of range for shape \(shape)")
            flat = flat * size + i
        }
        return flat
    }

    /// The same elements under another shape of the same count.
    @inlinable
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let count = try Tensor.elementCount(newShape, op: "reshape")
        guard count == storage.count else {
            throw TensorError("reshape", "cannot view \(storage.count) values of shape \(shape) as \(newShape)")
        }
        return Tensor(validShape: newShape, storage: storage)
    }

    /// The elements converted to another scalar type.
    @inlinable
    public func converted<U: KernelScalar>(to type: U.Type) -> Tensor<U> {
        Tensor<U>(validShape: shape, storage: storage.map { U($0) })
    }

    /// Calls `body` with the elements.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the elements, mutable.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<T>) throws -> R
    ) rethrows -> R {
        try _storage.withUnsafeMutableBufferPointer(body)
    }

    public var description: String { "Tensor<\(T.self)>\(shape)" }

    /// The product of `shape`, or a `TensorError` from `op` naming a negative size.
    @inlinable
    static func elementCount(_ shape: [Int], op: String) throws -> Int {
        var count = 1
        for size in shape {
            guard size >= 0 else { throw TensorError(op, "shape \(shape) has a negative size") }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw TensorError(op, "shape \(shape) has too many elements") }
            count = product
        }
        return count
    }
}

extension UnsafeBufferPointer {
    /// The base address, or a non-null placeholder for an empty buffer (kernels never read it).
    @inlinable
    var base: UnsafePointer<Element> {
        baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Element>.alignment)!
    }
}

extension UnsafeMutableBufferPointer {
    /// The base address, or a non-null placeholder for an empty buffer (kernels never touch it).
    @inlinable
    var base: UnsafeMutablePointer<Element> {
        baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Element>.alignment)!
    }
}

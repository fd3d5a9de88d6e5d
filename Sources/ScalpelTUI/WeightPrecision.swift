/// A storage width for weights, for the Model screen's memory estimate.
///
/// Grouped formats store, per group of weights, an fp16 scale and an fp16 zero point: with 4-bit
/// weights in groups of 128 that is 4 + 32/128 = 4.25 bits per weight.
public struct WeightPrecision: Hashable, Sendable {
    /// The label, such as `fp16` or `4-bit g128`.
    public var name: String
    /// Bits of each stored weight.
    public var bits: Int
    /// Weights sharing one scale and zero point; `nil` for plain floating point.
    public var groupSize: Int?

    /// Creates a precision.
    public init(name: String, bits: Int, groupSize: Int? = nil) {
        self.name = name
        self.bits = bits
        self.groupSize = groupSize
    }

    /// The precisions the Model screen lists.
    public static let standard: [WeightPrecision] = [
        WeightPrecision(name: "fp32", bits: 32),
        WeightPrecision(name: "fp16", bits: 16),
        WeightPrecision(name: "8-bit g128", bits: 8, groupSize: 128),
        WeightPrecision(name: "4-bit g128", bits: 4, groupSize: 128),
    ]

    /// Bits per weight, group overhead (fp16 scale + fp16 zero) included.
    public var bitsPerWeight: Double {
        guard let groupSize, groupSize > 0 else { return Double(bits) }
        return Double(bits) + 32 / Double(groupSize)
    }

    /// Bytes `parameters` weights take, rounded up to whole bytes (every group pays its overhead).
    public func bytes(parameters: Int) -> Int {
        guard parameters > 0 else { return 0 }
        guard let groupSize, groupSize > 0 else { return (parameters * bits + 7) / 8 }
        let groups = (parameters + groupSize - 1) / groupSize
        return (parameters * bits + groups * 32 + 7) / 8
    }
}

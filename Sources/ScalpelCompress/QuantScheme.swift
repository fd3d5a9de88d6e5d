/// How weights are rounded: bits per code, inputs per group, and whether each group has a zero point.
///
/// Groups run along the *input* dimension of a linear `[out, in]`: every output row is cut into runs of
/// `groupSize` consecutive inputs, each with its own scale (and zero point). `groupSize == nil` means one
/// group per row (per-channel).
public struct QuantScheme: Sendable, Equatable, CustomStringConvertible {
    /// Bits per code: 2, 3, 4 or 8.
    public var bits: Int
    /// Inputs per group; nil for one group spanning the whole row.
    public var groupSize: Int?
    /// Symmetric (no stored zero point; the zero is fixed at 2^(b−1)) or asymmetric.
    public var symmetric: Bool

    public static let supportedBits = [2, 3, 4, 8]
    public static let supportedGroups = [32, 64, 128]

    public init(bits: Int = 4, groupSize: Int? = 128, symmetric: Bool = false) {
        self.bits = bits
        self.groupSize = groupSize
        self.symmetric = symmetric
    }

    /// The largest code, 2^b − 1.
    public var maxCode: Int { (1 << bits) - 1 }

    /// Inputs per group for a row of `inFeatures` inputs.
    public func groupWidth(inFeatures: Int) -> Int { groupSize ?? inFeatures }

    /// Groups per row: ⌈inFeatures / g⌉. When g does not divide the row, the last group is shorter (as in
    /// GPTQ's reference, which slices `W[:, i : i+g]`); formats that need whole groups refuse that.
    public func groupCount(inFeatures: Int) -> Int {
        let g = groupWidth(inFeatures: inFeatures)
        return g > 0 ? (inFeatures + g - 1) / g : 0
    }

    /// The inputs of group `j` of a row of `inFeatures`.
    public func groupRange(_ j: Int, inFeatures: Int) -> Range<Int> {
        let g = groupWidth(inFeatures: inFeatures)
        return (j * g)..<min((j + 1) * g, inFeatures)
    }

    public var description: String {
        "W\(bits) " + (groupSize.map { "g\($0)" } ?? "per-channel") + (symmetric ? " sym" : " asym")
    }

    /// Checks the bit width and group size, and (unless `partialGroups`) that the group divides
    /// `inFeatures` when given.
    /// - Throws: `QuantError` naming the setting.
    public func validate(inFeatures: Int? = nil, tensor: String? = nil, partialGroups: Bool = false) throws {
        guard Self.supportedBits.contains(bits) else {
            throw QuantError("--bits \(bits) is not supported (choose 2, 3, 4 or 8)")
        }
        if let g = groupSize {
            guard g > 0 else { throw QuantError("--group \(g) must be positive (or 0/-1 for per-channel)") }
            if let k = inFeatures, k % g != 0, !partialGroups {
                throw QuantError("--group \(g) does not divide the \(k) inputs of \(tensor ?? "a linear layer"); choose a group size that divides every input width (e.g. 32 or 64)")
            }
        }
    }
}

/// A quantization setting that cannot work, with the reason.
public struct QuantError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ message: String) { description = message }
}

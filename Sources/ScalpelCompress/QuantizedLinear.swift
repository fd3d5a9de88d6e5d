/// A linear layer `[out, in]` rounded to integer codes: `w[r, c] ≈ (q[r, c] − z[r, c/g]) · s[r, c/g]`.
///
/// Codes are one byte each (unpacked); scales are f32 values already rounded to fp16, so the exports that
/// store fp16 scales reproduce `dequantized()` exactly. Zero points are integers in `0…2^b−1`; a symmetric
/// scheme fixes them at `2^(b−1)`.
public struct QuantizedLinear: Sendable, Equatable {
    public var rows: Int
    public var cols: Int
    public var scheme: QuantScheme
    /// `[rows, cols]` codes, row-major.
    public var codes: [UInt8]
    /// `[rows, groups]` scales.
    public var scales: [Float]
    /// `[rows, groups]` zero points.
    public var zeros: [UInt8]

    public init(rows: Int, cols: Int, scheme: QuantScheme, codes: [UInt8], scales: [Float], zeros: [UInt8]) {
        self.rows = rows
        self.cols = cols
        self.scheme = scheme
        self.codes = codes
        self.scales = scales
        self.zeros = zeros
    }

    /// Inputs per group.
    public var groupSize: Int { scheme.groupWidth(inFeatures: cols) }
    /// Groups per row (the last one shorter when the group size does not divide the row).
    public var groups: Int { scheme.groupCount(inFeatures: cols) }

    /// The weights the codes stand for, `[rows, cols]` row-major.
    public func dequantized() -> [Float] {
        let ng = groups
        var out = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for j in 0..<ng {
                let s = scales[r * ng + j], z = Int(zeros[r * ng + j])
                for c in scheme.groupRange(j, inFeatures: cols) {
                    out[r * cols + c] = Float(Int(codes[r * cols + c]) - z) * s
                }
            }
        }
        return out
    }
}

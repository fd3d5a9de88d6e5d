import ScalpelTensor

extension QuantizedLinear {
    /// The codes packed in memory (`PackedWeight`: `bits` bits per code, fp16 scales, zero points as
    /// integer codes, none for a symmetric scheme), dequantizing bit for bit to `dequantized()`.
    /// - Throws: `TensorError` when the group size is not a multiple of 32 (or the whole row).
    public func packed() throws -> PackedWeight {
        try PackedWeight(codes: codes, rows: rows, cols: cols, bits: scheme.bits,
                         groupSize: scheme.groupSize.map { $0 >= cols ? cols : $0 },
                         scales: scales, zeros: scheme.symmetric ? nil : zeros)
    }
}

/// The 4-bit packing of AutoAWQ's GEMM checkpoints, and its inverse.
///
/// A linear layer with K inputs and N outputs is stored as three tensors:
///
///     qweight  int32 [K, N/8]     codes q, 0…15
///     qzeros   int32 [K/g, N/8]   zero points z, 0…15, one per group of g inputs and per output
///     scales   fp16  [K/g, N]     scales s
///
/// with the *input* dimension first (the transpose of PyTorch's `[out, in]`) and eight 4-bit values packed
/// into each 32-bit word along the *output* dimension: nibble i (bits 4i…4i+3) of word c holds column
/// `8c + order[i]`, `order = [0, 2, 4, 6, 1, 3, 5, 7]`, for `qweight` and `qzeros` alike. The weight is
/// `w[n, k] = (q[k, n] − z[k / g, n]) · s[k / g, n]`.
///
/// Checked against the sources that write and read the format:
/// - AutoAWQ `awq/modules/linear/gemm.py`, `WQLinear_GEMM.__init__` and `from_linear`: buffers
///   `qweight (in_features, out_features // 8)`, `qzeros (in_features // group_size, out_features // 8)`,
///   `scales (in_features // group_size, out_features)` in fp16; `in_features % group_size == 0`,
///   `out_features % 8 == 0`, `group_size == -1` meaning `in_features`; packing
///   `qweight[:, col] |= intweight[:, col * 8 + order_map[i]] << (i * 4)` with
///   `order_map = [0, 2, 4, 6, 1, 3, 5, 7]` on the `[in, out]` int weight, and the same loop for the zeros;
///   codes `round((w + z·s) / s)`.
/// - AutoAWQ `awq/utils/packing_utils.py`, `unpack_awq` (right shifts by 0, 4, …, 28, so nibble i lands at
///   position 8c + i), `reverse_awq_order` (`AWQ_REVERSE_ORDER = [0, 4, 1, 5, 2, 6, 3, 7]`: column 8c + j is
///   taken from nibble `reverseOrder[j]`), the `& 0xF` mask and `dequantize_gemm`:
///   `(iweight − izeros) · scales` with zeros and scales repeated `group_size` times along the inputs.
/// - vLLM `vllm/model_executor/layers/quantization/awq_triton.py`, `awq_dequantize_kernel`: the same
///   reverse order as shifts `[0, 16, 4, 20, 8, 24, 12, 28]`, `(iweights − zeros) · scales`.
/// - AutoAWQ `awq/quantize/quantizer.py`, `pseudo_quantize_tensor` (zero-point case): unsigned codes,
///   `s = max(max − min, 1e-5) / 15`, `z = clamp(−round(min / s), 0, 15)`,
///   `q = clamp(round(w / s) + z, 0, 15)`; scales and zeros are transposed to `[K/g, N]` before packing.
public enum AWQPacking {
    /// Bits per value; the only width AutoAWQ's GEMM layout has.
    public static let bits = 4
    /// Values per 32-bit word.
    public static let valuesPerWord = 8
    /// Nibble i of a word holds column `8c + order[i]`.
    public static let order: [Int] = [0, 2, 4, 6, 1, 3, 5, 7]
    /// Column `8c + j` lives in nibble `reverseOrder[j]` (the inverse permutation of `order`).
    public static let reverseOrder: [Int] = [0, 4, 1, 5, 2, 6, 3, 7]

    /// Packs `rows × columns` values in 0…15 (row-major) into `rows × columns/8` words.
    /// - Precondition: `columns` is a multiple of 8, `values.count == rows · columns`, every value < 16.
    public static func pack(_ values: [UInt8], rows: Int, columns: Int) -> [Int32] {
        precondition(rows >= 0 && columns >= 0 && columns % valuesPerWord == 0, "AWQ packing needs a multiple of 8 columns, got \(columns)")
        precondition(values.count == rows * columns, "\(values.count) values for a \(rows) × \(columns) matrix")
        let words = columns / valuesPerWord
        var out = [Int32](repeating: 0, count: rows * words)
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                for r in 0..<rows {
                    for c in 0..<words {
                        let base = r * columns + c * valuesPerWord
                        var word: UInt32 = 0
                        for i in 0..<valuesPerWord {
                            let value = v[base + order[i]]
                            precondition(value < 16, "AWQ value \(value) at row \(r), column \(c * valuesPerWord + order[i]) does not fit in 4 bits")
                            word |= UInt32(value) << UInt32(bits * i)
                        }
                        o[r * words + c] = Int32(bitPattern: word)
                    }
                }
            }
        }
        return out
    }

    /// Unpacks `rows × columns/8` words (row-major) into `rows × columns` values in 0…15, in column order.
    /// - Precondition: `columns` is a multiple of 8 and `words.count == rows · columns / 8`.
    public static func unpack(_ words: [Int32], rows: Int, columns: Int) -> [UInt8] {
        precondition(rows >= 0 && columns >= 0 && columns % valuesPerWord == 0, "AWQ unpacking needs a multiple of 8 columns, got \(columns)")
        let perRow = columns / valuesPerWord
        precondition(words.count == rows * perRow, "\(words.count) words for a \(rows) × \(columns) matrix")
        var out = [UInt8](repeating: 0, count: rows * columns)
        words.withUnsafeBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                for index in 0..<(rows * perRow) {
                    let word = UInt32(bitPattern: w[index])
                    let base = index * valuesPerWord
                    for j in 0..<valuesPerWord {
                        o[base + j] = UInt8((word >> UInt32(bits * reverseOrder[j])) & 0xF)
                    }
                }
            }
        }
        return out
    }

    /// Dequantizes one GEMM triple into PyTorch layout: `[outFeatures, inFeatures]` row-major f32, each
    /// element exactly `(q − z) · s` (the product of a small integer and an fp16 scale is exact in f32).
    ///
    /// - Parameters:
    ///   - qweight: `[inFeatures, outFeatures/8]` words.
    ///   - qzeros: `[inFeatures/groupSize, outFeatures/8]` words.
    ///   - scales: `[inFeatures/groupSize, outFeatures]` scales.
    /// - Precondition: the counts agree with the dimensions, `outFeatures` is a multiple of 8 and
    ///   `groupSize` divides `inFeatures`.
    public static func dequantize(qweight: UnsafeBufferPointer<Int32>, qzeros: UnsafeBufferPointer<Int32>,
                                  scales: UnsafeBufferPointer<Float>, inFeatures k: Int, outFeatures n: Int,
                                  groupSize g: Int) -> [Float] {
        precondition(k >= 0 && n >= 0 && n % valuesPerWord == 0 && g > 0 && k % g == 0,
                     "AWQ dequantization needs outFeatures % 8 == 0 and groupSize dividing inFeatures (K \(k), N \(n), g \(g))")
        let w = n / valuesPerWord
        let groups = k / g
        precondition(qweight.count == k * w && qzeros.count == groups * w && scales.count == groups * n,
                     "AWQ triple sizes \(qweight.count), \(qzeros.count), \(scales.count) do not match K \(k), N \(n), g \(g)")
        let shifts = reverseOrder.map { UInt32(bits * $0) }
        // Rows of the input dimension are handled in tiles so that the transposed writes (one run of
        // `tile` floats per output) stay in cache.
        let tile = 64
        return [Float](unsafeUninitializedCapacity: k * n) { out, initialized in
            var k0 = 0
            while k0 < k {
                let k1 = min(k0 + tile, k)
                for c in 0..<w {
                    for j in 0..<valuesPerWord {
                        let column = c * valuesPerWord + j
                        let shift = shifts[j]
                        let row = out.baseAddress! + column * k
                        var kk = k0
                        while kk < k1 {
                            let group = kk / g
                            let end = min(k1, (group + 1) * g)
                            let z = Int32((UInt32(bitPattern: qzeros[group * w + c]) >> shift) & 0xF)
                            let s = scales[group * n + column]
                            while kk < end {
                                let q = Int32((UInt32(bitPattern: qweight[kk * w + c]) >> shift) & 0xF)
                                row[kk] = Float(q - z) * s
                                kk += 1
                            }
                        }
                    }
                }
                k0 = k1
            }
            initialized = k * n
        }
    }

    /// `dequantize` over arrays.
    public static func dequantize(qweight: [Int32], qzeros: [Int32], scales: [Float], inFeatures: Int,
                                  outFeatures: Int, groupSize: Int) -> [Float] {
        qweight.withUnsafeBufferPointer { qw in
            qzeros.withUnsafeBufferPointer { qz in
                scales.withUnsafeBufferPointer { s in
                    dequantize(qweight: qw, qzeros: qz, scales: s, inFeatures: inFeatures, outFeatures: outFeatures,
                               groupSize: groupSize)
                }
            }
        }
    }
}

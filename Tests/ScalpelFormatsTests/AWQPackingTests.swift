import Testing
@testable import ScalpelFormats

@Suite("AWQ GEMM packing")
struct AWQPackingTests {
    /// A small deterministic generator (SplitMix64) so failures reproduce.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("the order maps are inverse permutations")
    func orderMaps() {
        #expect(AWQPacking.order == [0, 2, 4, 6, 1, 3, 5, 7])
        #expect(AWQPacking.reverseOrder == [0, 4, 1, 5, 2, 6, 3, 7])
        for i in 0..<8 { #expect(AWQPacking.reverseOrder[AWQPacking.order[i]] == i) }
    }

    @Test("random codes survive pack then unpack, and packing follows the definition word by word")
    func roundTrip() {
        var rng = Generator(state: 42)
        for (rows, columns) in [(1, 8), (5, 48), (3, 160), (0, 16)] {
            let values = (0..<(rows * columns)).map { _ in UInt8.random(in: 0...15, using: &rng) }
            let words = AWQPacking.pack(values, rows: rows, columns: columns)
            #expect(words.count == rows * columns / 8)
            #expect(AWQPacking.unpack(words, rows: rows, columns: columns) == values)
            for r in 0..<rows {
                for c in 0..<(columns / 8) {
                    var expected: UInt32 = 0
                    for i in 0..<8 { expected |= UInt32(values[r * columns + 8 * c + AWQPacking.order[i]]) << UInt32(4 * i) }
                    #expect(UInt32(bitPattern: words[r * columns / 8 + c]) == expected)
                }
            }
        }
    }

    @Test("hand-made words decode to the documented columns")
    func handMadeWords() {
        // Nibble i (from the least significant) holds column order[i].
        #expect(AWQPacking.unpack([Int32(bitPattern: 0x7531_6420)], rows: 1, columns: 8) == [0, 1, 2, 3, 4, 5, 6, 7])
        // Nibbles 1…8 from the bottom: column 0 ← nibble 0, 1 ← 4, 2 ← 1, 3 ← 5, 4 ← 2, 5 ← 6, 6 ← 3, 7 ← 7.
        #expect(AWQPacking.unpack([Int32(bitPattern: 0x8765_4321)], rows: 1, columns: 8) == [1, 5, 2, 6, 3, 7, 4, 8])
        for i in 0..<8 {
            let word = Int32(bitPattern: UInt32(0xF) << UInt32(4 * i))
            var expected = [UInt8](repeating: 0, count: 8)
            expected[AWQPacking.order[i]] = 15
            #expect(AWQPacking.unpack([word], rows: 1, columns: 8) == expected, "nibble \(i)")
        }
        #expect(AWQPacking.pack([0, 1, 2, 3, 4, 5, 6, 7], rows: 1, columns: 8) == [Int32(bitPattern: 0x7531_6420)])
        // A word with the top bit set (negative as Int32) still unpacks as unsigned nibbles.
        #expect(AWQPacking.unpack([-1], rows: 1, columns: 8) == [UInt8](repeating: 15, count: 8))
    }

    @Test("dequantization is (q − z)·s per group, transposed to [out, in]")
    func dequantize() {
        var rng = Generator(state: 7)
        let (k, n, g) = (6, 16, 3)
        let q = (0..<(k * n)).map { _ in UInt8.random(in: 0...15, using: &rng) }        // [K, N]
        let z = (0..<(k / g * n)).map { _ in UInt8.random(in: 0...15, using: &rng) }    // [K/g, N]
        let s = (0..<(k / g * n)).map { _ in Float(Float16(Float.random(in: 0.01...0.2, using: &rng))) }
        let w = AWQPacking.dequantize(qweight: AWQPacking.pack(q, rows: k, columns: n),
                                      qzeros: AWQPacking.pack(z, rows: k / g, columns: n), scales: s,
                                      inFeatures: k, outFeatures: n, groupSize: g)
        #expect(w.count == n * k)
        for row in 0..<n {
            for col in 0..<k {
                let expected = Float(Int(q[col * n + row]) - Int(z[col / g * n + row])) * s[col / g * n + row]
                #expect(w[row * k + col] == expected, "w[\(row), \(col)]")
            }
        }
    }

    @Test("dequantization tiles across group and tile boundaries")
    func dequantizeLarge() {
        var rng = Generator(state: 9)
        let (k, n, g) = (160, 24, 32)
        let q = (0..<(k * n)).map { _ in UInt8.random(in: 0...15, using: &rng) }
        let z = (0..<(k / g * n)).map { _ in UInt8.random(in: 0...15, using: &rng) }
        let s = (0..<(k / g * n)).map { _ in Float.random(in: 0.01...0.2, using: &rng) }
        let w = AWQPacking.dequantize(qweight: AWQPacking.pack(q, rows: k, columns: n),
                                      qzeros: AWQPacking.pack(z, rows: k / g, columns: n), scales: s,
                                      inFeatures: k, outFeatures: n, groupSize: g)
        var worst: Float = 0
        for row in 0..<n {
            for col in 0..<k {
                let expected = Float(Int(q[col * n + row]) - Int(z[col / g * n + row])) * s[col / g * n + row]
                worst = max(worst, abs(w[row * k + col] - expected))
            }
        }
        #expect(worst == 0)
    }
}

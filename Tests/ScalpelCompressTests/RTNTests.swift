import XCTest
@testable import ScalpelCompress

final class RTNTests: XCTestCase {
    /// Asymmetric 2-bit, groups of 4, worked by hand.
    func testAsymmetricByHand() throws {
        // Group 1: [-1, 0, 1, 2] → s = 3/3 = 1, z = round(1/1) = 1, q = w + 1.
        // Group 2: [0.1, 0.2, 0.3, 0.4] → range widened to [0, 0.4]: 0.4/3 = 0.13333… lies between the fp16
        //          values 0.13330078125 and 0.1334228515625; the larger is taken so the grid spans the range.
        //          z = 0, w/s = 0.7495, 1.4990, 2.2485, 2.9980 → q = 1, 1, 2, 3.
        let w: [Float] = [-1, 0, 1, 2, 0.1, 0.2, 0.3, 0.4]
        let q = try RTN.quantize(w, rows: 1, cols: 8, scheme: QuantScheme(bits: 2, groupSize: 4))
        XCTAssertEqual(q.codes, [0, 1, 2, 3, 1, 1, 2, 3])
        XCTAssertEqual(q.scales, [1, 0.1334228515625])
        XCTAssertEqual(q.zeros, [1, 0])
        XCTAssertEqual(q.dequantized(), [-1, 0, 1, 2, 0.1334228515625, 0.1334228515625, 0.266845703125, 0.4002685546875])
    }

    /// Symmetric 4-bit: s = 2·max|w|/15 = 0.1333… → fp16 0.1334228515625 (rounded up), z = 8.
    func testSymmetricByHand() throws {
        let w: [Float] = [-1, 0.5, 0.25, 0]
        let q = try RTN.quantize(w, rows: 1, cols: 4, scheme: QuantScheme(bits: 4, groupSize: nil, symmetric: true))
        // w/s = −7.495, 3.747, 1.874, 0 → round + 8 = 1, 12, 10, 8.
        XCTAssertEqual(q.codes, [1, 12, 10, 8])
        XCTAssertEqual(q.zeros, [8])
        XCTAssertEqual(q.dequantized(), [-0.9339599609375, 0.53369140625, 0.266845703125, 0])
    }

    /// 3- and 8-bit codes stay in range, a zero group is handled, and the error is at most half a step.
    func testRangesAndErrorBound() throws {
        var rng = QuantRandom(seed: 3)
        let w = rng.normal(4 * 64, 1) + [Float](repeating: 0, count: 64)
        for bits in [2, 3, 4, 8] {
            for group in [32, 64, nil] as [Int?] {
                let scheme = QuantScheme(bits: bits, groupSize: group)
                let q = try RTN.quantize(w, rows: 5, cols: 64, scheme: scheme)
                XCTAssertLessThanOrEqual(q.codes.max()!, UInt8(scheme.maxCode))
                let d = q.dequantized()
                let g = group ?? 64
                for r in 0..<5 {
                    for c in 0..<64 {
                        let s = q.scales[r * (64 / g) + c / g]
                        XCTAssertLessThanOrEqual(abs(d[r * 64 + c] - w[r * 64 + c]), s / 2 * 1.0001 + 1e-7, "bits \(bits) group \(String(describing: group))")
                    }
                }
            }
        }
    }

    func testSettingsThatCannotWork() {
        XCTAssertThrowsError(try QuantScheme(bits: 5).validate())
        XCTAssertThrowsError(try QuantScheme(bits: 4, groupSize: 128).validate(inFeatures: 576 + 32)) { error in
            XCTAssertTrue("\(error)".contains("does not divide"))
        }
        XCTAssertNoThrow(try QuantScheme(bits: 4, groupSize: 128).validate(inFeatures: 576, partialGroups: true))
    }

    /// A group size that does not divide the row leaves a shorter last group (576 = 4·128 + 64).
    func testPartialLastGroup() throws {
        var rng = QuantRandom(seed: 9)
        let w = rng.normal(2 * 48, 1)
        let scheme = QuantScheme(bits: 4, groupSize: 32)
        let q = try RTN.quantize(w, rows: 2, cols: 48, scheme: scheme)
        XCTAssertEqual(q.groups, 2)
        let head = try RTN.quantize(Array(w[0..<32]) + Array(w[48..<80]), rows: 2, cols: 32, scheme: scheme)
        let tail = try RTN.quantize(Array(w[32..<48]) + Array(w[80..<96]), rows: 2, cols: 16, scheme: QuantScheme(bits: 4, groupSize: 16))
        let d = q.dequantized(), dh = head.dequantized(), dt = tail.dequantized()
        XCTAssertEqual(d, Array(dh[0..<32]) + Array(dt[0..<16]) + Array(dh[32..<64]) + Array(dt[16..<32]))
        var identity = [Double](repeating: 0, count: 48 * 48)
        for i in 0..<48 { identity[i * 48 + i] = 1 }
        XCTAssertEqual(try GPTQ.quantize(weight: w, rows: 2, cols: 48, hessian: identity, scheme: scheme), q)
    }
}

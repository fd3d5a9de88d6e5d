import XCTest
@testable import ScalpelCompress

final class GPTQTests: XCTestCase {
    /// With H = I nothing feeds back (the inverse's Cholesky factor is diagonal), so GPTQ is RTN.
    func testIdentityHessianIsRTN() throws {
        var rng = QuantRandom(seed: 11)
        let rows = 8, cols = 64
        let w = rng.normal(rows * cols, 0.5)
        var identity = [Double](repeating: 0, count: cols * cols)
        for i in 0..<cols { identity[i * cols + i] = 1 }
        for scheme in [QuantScheme(bits: 4, groupSize: 32), QuantScheme(bits: 3, groupSize: nil), QuantScheme(bits: 4, groupSize: 32, symmetric: true)] {
            let g = try GPTQ.quantize(weight: w, rows: rows, cols: cols, hessian: identity, scheme: scheme, options: .init(blockSize: 16))
            let r = try RTN.quantize(w, rows: rows, cols: cols, scheme: scheme)
            XCTAssertEqual(g, r, "\(scheme)")
        }
    }

    func testCholeskyOfInverse() throws {
        let n = 5
        var rng = QuantRandom(seed: 2)
        let b = rng.normal(n * n, 1).map(Double.init)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += b[i * n + k] * b[j * n + k] } }; a[i * n + i] += 0.5 }
        let u = try GPTQ.upperCholeskyOfInverse(a, n: n)
        // (Uᵀ U) · A = I, U upper triangular.
        for i in 0..<n { for j in 0..<i { XCTAssertEqual(u[i * n + j], 0) } }
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for k in 0..<n { var inv = 0.0; for m in 0..<n { inv += u[m * n + i] * u[m * n + k] }; s += inv * a[k * n + j] }
                XCTAssertEqual(s, i == j ? 1 : 0, accuracy: 1e-9)
            }
        }
    }

    /// On correlated inputs GPTQ's layer output error ‖XWᵀ − XQᵀ‖² is below RTN's, with and without act-order.
    func testBeatsRTNOnLayerOutput() throws {
        var rng = QuantRandom(seed: 7)
        let rows = 16, cols = 128, n = 512
        let w = rng.normal(rows * cols, 0.3)
        // Inputs with a few shared factors and channel scales spread over two decades.
        let factors = rng.normal(n * 8, 1), mix = rng.normal(8 * cols, 1), noise = rng.normal(n * cols, 0.3)
        let scale = (0..<cols).map { Float(pow(10, Double($0 % 17) / 8)) }
        var x = [Float](repeating: 0, count: n * cols)
        for t in 0..<n { for c in 0..<cols {
            var s = noise[t * cols + c]
            for k in 0..<8 { s += factors[t * 8 + k] * mix[k * cols + c] }
            x[t * cols + c] = s * scale[c]
        } }
        let hessian = GPTQHessian(dim: cols)
        x.withUnsafeBufferPointer { hessian.add($0.baseAddress!, rows: n) }
        func outputError(_ q: [Float]) -> Double {
            var e = 0.0
            for t in 0..<n { for r in 0..<rows {
                var d = 0.0
                for c in 0..<cols { d += Double(x[t * cols + c]) * Double(w[r * cols + c] - q[r * cols + c]) }
                e += d * d
            } }
            return e
        }
        for scheme in [QuantScheme(bits: 4, groupSize: 32), QuantScheme(bits: 3, groupSize: 64), QuantScheme(bits: 2, groupSize: nil)] {
            let rtn = outputError(try RTN.quantize(w, rows: rows, cols: cols, scheme: scheme).dequantized())
            for actOrder in [false, true] {
                let g = try GPTQ.quantize(weight: w, rows: rows, cols: cols, hessian: hessian.hessian, scheme: scheme,
                                          options: .init(blockSize: 32, actOrder: actOrder))
                let e = outputError(g.dequantized())
                XCTAssertLessThan(e, rtn * 0.9, "\(scheme) act-order \(actOrder): GPTQ \(e) vs RTN \(rtn)")
            }
        }
    }
}

import Foundation
import Testing
import ScalpelTensor

@Suite("Vectorised exp")
struct VectorExpTests {
    @Test("within 2 ulp of the exact exponential over the whole useful range")
    func accuracy() {
        let count = 200_003
        var values = (0..<count).map { Float(-87 + 175 * Double($0) / Double(count - 1)) }
        let inputs = values
        values.withUnsafeMutableBufferPointer { VectorExp.apply($0.baseAddress!, count: count) }
        var worst = 0.0
        for (x, y) in zip(inputs, values) {
            let exact = Foundation.exp(Double(x))
            let ulp = Double(Float(exact).ulp)
            worst = max(worst, abs(Double(y) - exact) / ulp)
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
    }

    @Test("exact where it must be, clamped at the ends, NaN stays NaN, any length")
    func edges() {
        var values: [Float] = [0, 1, -1, .nan, 1000, -1000, .infinity, -.infinity, 0.5]
        values.withUnsafeMutableBufferPointer { VectorExp.apply($0.baseAddress!, count: $0.count) }
        #expect(values[0] == 1)
        #expect(abs(values[1] - Float(M_E)) <= Float(M_E).ulp)
        #expect(abs(values[2] - Float(1 / M_E)) <= Float(1 / M_E).ulp)
        #expect(values[3].isNaN)
        #expect(values[4] > 1e38 && values[4].isFinite)
        #expect(values[5] >= 0 && values[5] < 1e-37)
        #expect(values[6] > 1e38)
        #expect(values[7] < 1e-37)
        #expect(abs(values[8] - Float(Foundation.exp(0.5))) <= Float(1.6).ulp)
    }
}

import XCTest
import ScalpelModels
@testable import ScalpelCompress

final class AWQSearchTests: XCTestCase {
    func testScalesAreNormalised() {
        let s = AWQSearch.scales(xMean: [0.5, 2, 8], alpha: 0.5)
        // s_x^0.5 = [0.707, 1.414, 2.828], normalised by √(0.707·2.828) = 1.414.
        XCTAssertEqual(s[0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(s[1], 1, accuracy: 1e-6)
        XCTAssertEqual(s[2], 2, accuracy: 1e-6)
        XCTAssertEqual(AWQSearch.scales(xMean: [0.5, 2, 8], alpha: 0), [1, 1, 1])
    }

    /// One input channel carries activations 40× the others: protecting it (α > 0) beats plain RTN, and the
    /// search returns the grid point of least loss, as computed here independently.
    func testSearchFindsTheBestAlpha() {
        var rng = QuantRandom(seed: 21)
        let rows = 8, cols = 32, n = 64
        let w = rng.normal(rows * cols, 0.2)
        var x = rng.normal(n * cols, 0.1)
        for t in 0..<n { x[t * cols + 5] *= 40; x[t * cols + 17] *= 10 }
        let scheme = QuantScheme(bits: 3, groupSize: 32)
        let xMean = x.withUnsafeBufferPointer { AWQSearch.channelMeans($0.baseAddress!, rows: n, cols: cols) }
        func loss(_ q: [Float]) -> Double {
            var e = 0.0
            for t in 0..<n { for r in 0..<rows {
                var d = 0.0
                for c in 0..<cols { d += Double(x[t * cols + c]) * Double(w[r * cols + c] - q[r * cols + c]) }
                e += d * d
            } }
            return e / Double(n * rows)
        }
        let result = AWQSearch.searchScale(weights: [w], rows: [rows], cols: cols, xMean: xMean, scheme: scheme) { loss($0[0]) }
        // Independent evaluation of every grid point.
        var losses: [Double] = []
        for i in 0..<20 {
            let alpha = Double(i) / 20
            var s = xMean.map { max(Float(pow(Double($0), alpha)), 1e-4) }
            let norm = (s.max()! * s.min()!).squareRoot()
            s = s.map { $0 / norm }
            var scaled = w
            for r in 0..<rows { for c in 0..<cols { scaled[r * cols + c] *= s[c] } }
            let q = try! RTN.quantize(scaled, rows: rows, cols: cols, scheme: scheme).dequantized()
            losses.append(loss((0..<(rows * cols)).map { q[$0] / s[$0 % cols] }))
        }
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        XCTAssertEqual(result.losses.count, 20)
        for (a, b) in zip(result.losses, losses) { XCTAssertEqual(a, b, accuracy: 1e-5 * b) }
        let chosen = Int((result.alpha * 20).rounded())
        XCTAssertLessThanOrEqual(losses[chosen], losses[best] * (1 + 1e-5))
        XCTAssertGreaterThan(best, 0)
        XCTAssertLessThan(losses[best], losses[0] * 0.8, "protecting the outlier channel should clearly beat RTN")
    }

    /// Folding scales (powers of two, so every product is exact) leaves the block's f32 output unchanged
    /// bit for bit, with and without the v → o pair.
    func testFoldingPreservesOutputs() throws {
        for gqa in [true, false] {
            let tiny = try QuantTinyModel(layers: 1, gqa: gqa)
            let ckpt = try tiny.checkpoint()
            let c = ckpt.config.text
            let w = try LlamaBlockWeights(from: ckpt.weights, names: .llama, index: 0, config: c)
            let calibration = QuantTinyModel.calibration(samples: 2, length: 8)
            let forward = try QuantBlockForward(config: c, batch: 2, seqLen: 8)
            let embed = try ckpt.weights.floats("model.embed_tokens.weight")
            let x0 = FloatBuffer(calibration.flatMap { $0 }.flatMap { Array(embed[($0 * 64)..<($0 * 64 + 64)]) })
            let reference = FloatBuffer(x0.array)
            forward.run(reference, weights: w)

            var rng = QuantRandom(seed: 4)
            func powers(_ n: Int) -> [Float] { (0..<n).map { _ in Float(pow(2.0, Double(Int(rng.uniform() * 7) - 3))) } }
            let qd = c.numAttentionHeads * c.headDim, kvd = c.numKeyValueHeads * c.headDim
            var t = AWQFold.Tensors(q: w.q.array, k: w.k.array, v: w.v.array, o: w.o.array, gate: w.gate.array, up: w.up.array,
                                    down: w.down.array, inputNorm: w.inputNorm.array, postNorm: w.postNorm.array)
            t.fold(hidden: 64, qDim: qd, intermediate: 128, inputNorm: powers(64), vToO: kvd == qd ? powers(qd) : nil,
                   postNorm: powers(64), upToDown: powers(128))
            let folded = LlamaBlockWeights(config: c)
            for (buffer, values) in [(folded.q, t.q), (folded.k, t.k), (folded.v, t.v), (folded.o, t.o), (folded.gate, t.gate),
                                     (folded.up, t.up), (folded.down, t.down), (folded.inputNorm, t.inputNorm), (folded.postNorm, t.postNorm)] {
                buffer.pointer.update(from: values, count: values.count)
            }
            XCTAssertNotEqual(t.q, w.q.array)
            let y = FloatBuffer(x0.array)
            forward.run(y, weights: folded)
            XCTAssertEqual(y.array, reference.array, "gqa \(gqa)")
        }
    }

    /// A single grid point (α = 0, scales all one) without clipping is RTN exactly.
    func testAlphaZeroIsRTN() throws {
        let tiny = try QuantTinyModel(layers: 2, gqa: false)
        let calibration = QuantTinyModel.calibration()
        let scheme = QuantScheme(bits: 4, groupSize: 32)
        let awq = try tiny.runner().run(QuantSettings(method: .awq, scheme: scheme, awq: .init(grid: 1, clip: false)), calibration: calibration)
        let rtn = try tiny.runner().run(QuantSettings(method: .rtn, scheme: scheme))
        for (a, b) in zip(try awq.blocks, try rtn.blocks) {
            XCTAssertEqual(a.linears, b.linears)
            XCTAssertEqual(a.inputNorm, b.inputNorm)
        }
    }

    /// The full method on a tiny model: finite, an α per pair (v → o only without GQA), and a calibration
    /// output error no worse than RTN's.
    func testFullAWQRuns() throws {
        let calibration = QuantTinyModel.calibration(samples: 4, length: 16)
        for gqa in [true, false] {
            let tiny = try QuantTinyModel(layers: 2, gqa: gqa)
            let scheme = QuantScheme(bits: 3, groupSize: 32)
            let awq = try tiny.runner().run(QuantSettings(method: .awq, scheme: scheme), calibration: calibration)
            XCTAssertEqual(awq.awqAlphas.count, 2)
            XCTAssertEqual(awq.awqAlphas[0][1] == nil, gqa)
            let model = try awq.model()
            let logits = try model.logits(tokens: calibration[0])
            XCTAssertTrue(logits.allSatisfy { $0.isFinite })
        }
    }
}

import Testing
import ScalpelTensor

@Suite("RMSNorm and LayerNorm")
struct NormTests {
    @Test("rmsnorm of [1, 2, 3] is x / √(14/3) times the weight")
    func rmsnormByHand() throws {
        let x = try Tensor<Double>(shape: [1, 3], storage: [1, 2, 3])
        let w = try Tensor<Double>(shape: [3], storage: [1, 2, 0.5])
        let (out, rstd) = try RMSNorm.forward(x, weight: w, eps: 0)
        let r = (3.0 / 14).squareRoot()
        #expect(close(out.storage, [1 * r, 2 * 2 * r, 0.5 * 3 * r], atol: 1e-15))
        #expect(close(rstd.storage, [r], atol: 1e-15))
        #expect(rstd.shape == [1])
        // eps enters inside the root
        let (withEps, _) = try RMSNorm.forward(x, weight: w, eps: 1)
        #expect(close(withEps.storage, [1, 4, 1.5].map { $0 / (14.0 / 3 + 1).squareRoot() }, atol: 1e-15))
    }

    @Test("rmsnorm normalises each row on its own")
    func rmsnormRows() throws {
        let x = try Tensor<Float>(shape: [2, 2], storage: [3, 4, -6, 8])
        let w = try Tensor<Float>(shape: [2], repeating: 1)
        let out = try RMSNorm.forward(x, weight: w, eps: 0).out.storage
        let r1 = (2.0 / 25).squareRoot(), r2 = (2.0 / 100).squareRoot()
        #expect(close(out, [3 * r1, 4 * r1, -6 * r2, 8 * r2], atol: 1e-6, rtol: 1e-6))
    }

    @Test("layernorm of [1, 2, 3] is (x − 2)/√(2/3), scaled and shifted")
    func layernormByHand() throws {
        let x = try Tensor<Double>(shape: [1, 3], storage: [1, 2, 3])
        let w = try Tensor<Double>(shape: [3], storage: [1, 1, 2])
        let b = try Tensor<Double>(shape: [3], storage: [0, 5, 0])
        let (out, mean, rstd) = try LayerNorm.forward(x, weight: w, bias: b, eps: 0)
        let s = (1.5).squareRoot()
        #expect(close(out.storage, [-s, 5, 2 * s], atol: 1e-15))
        #expect(mean.storage == [2])
        #expect(close(rstd.storage, [s], atol: 1e-15))
        let noBias = try LayerNorm.forward(x, weight: w, bias: nil, eps: 0).out
        #expect(close(noBias.storage, [-s, 0, 2 * s], atol: 1e-15))
    }

    @Test("layernorm uses the biased variance")
    func layernormBiasedVariance() throws {
        let x = try Tensor<Double>(shape: [1, 2], storage: [0, 2])
        let w = try Tensor<Double>(shape: [2], repeating: 1)
        // biased variance of [0, 2] is 1, so the output is exactly [−1, 1]
        #expect(close(try LayerNorm.forward(x, weight: w, bias: nil, eps: 0).out.storage, [-1, 1], atol: 1e-15))
    }

    @Test("norm backward through the checked layer agrees with the raw kernels")
    func checkedBackward() throws {
        let c = GradCases.named("layernorm", Double.self)
        let x = try Tensor(shape: [3, 5], storage: c.inputs[0])
        let w = try Tensor(shape: [5], storage: c.inputs[1])
        let b = try Tensor(shape: [5], storage: c.inputs[2])
        let (_, mean, rstd) = try LayerNorm.forward(x, weight: w, bias: b, eps: 1e-5)
        var rng = SplitMix(seed: 1)
        let dOut: [Double] = rng.array(15)
        let g = try LayerNorm.backward(dOut: Tensor(shape: [3, 5], storage: dOut), x: x, weight: w, mean: mean, rstd: rstd)
        var raw = c.inputs.map { [Double](repeating: 0, count: $0.count) }
        c.backward(c.inputs, dOut, &raw)
        #expect(g.dX.storage == raw[0] && g.dWeight.storage == raw[1] && g.dBias?.storage == raw[2])
    }
}

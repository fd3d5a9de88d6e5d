import ScalpelFormats
import Testing
@testable import ScalpelModels

/// The decoder block's backward pass (which the kernels' own checks do not cover as a composition)
/// against central finite differences of its forward pass, in Float with a step and tolerance to match.
@Suite("LLaMA block backward")
struct LlamaBlockGradientTests {
    static let config = ModelConfig.Llama(
        vocabSize: 16, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 1, numAttentionHeads: 2,
        numKeyValueHeads: 1, rmsNormEps: 1e-5, ropeTheta: 10000, attentionBias: true)

    struct Setup {
        let block: LlamaBlock
        let step = BlockStep(batch: 2, seqLen: 3)
        let input: [Float]
        let probe: [Float]
        let positions: [Int32] = [0, 1, 2, 0, 1, 2]
        let invFreq: [Float]
    }

    static func setup() throws -> Setup {
        var state: UInt64 = 42
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 1000
        }
        let weights = LlamaBlockWeights(config: config)
        for (name, buffer) in weights.named {
            for i in 0..<buffer.count { buffer.pointer[i] = name.contains("norm") ? 1 + 0.3 * next() : 0.5 * next() }
        }
        let rows = 6 * config.hiddenSize
        return Setup(block: LlamaBlock(config: config, weights: weights),
                     input: (0..<rows).map { _ in next() }, probe: (0..<rows).map { _ in next() },
                     invFreq: try RopeFrequencies.compute(config).invFreq)
    }

    /// L = Σ block(x) ⊙ probe, in Double from the Float output.
    static func loss(_ s: Setup, input: [Float]) -> Double {
        let x = FloatBuffer(input)
        s.positions.withUnsafeBufferPointer { p in
            s.invFreq.withUnsafeBufferPointer { inv in
                s.block.forward(x.pointer, step: s.step, positions: p.baseAddress!, invFreq: inv.baseAddress!)
            }
        }
        return zip(x.array, s.probe).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    static func analytic(_ s: Setup) -> (dx: [Float], grads: LlamaBlockGradients) {
        let x = FloatBuffer(s.input)
        let saved = LlamaBlockActivations(config: config, batch: s.step.batch, seqLen: s.step.seqLen)
        let grads = LlamaBlockWeights(config: config)
        grads.named.forEach { $0.buffer.zero() }
        let dx = FloatBuffer(s.probe)
        s.positions.withUnsafeBufferPointer { p in
            s.invFreq.withUnsafeBufferPointer { inv in
                s.block.forward(x.pointer, step: s.step, positions: p.baseAddress!, invFreq: inv.baseAddress!, saved: saved)
                s.block.backward(dx.pointer, step: s.step, positions: p.baseAddress!, invFreq: inv.baseAddress!,
                                 saved: saved, grads: grads)
            }
        }
        return (dx.array, grads)
    }

    static func close(_ a: Double, _ n: Double) -> Bool {
        abs(a - n) <= 2e-2 * max(abs(a), abs(n)) + 2e-3
    }

    @Test("∂L/∂x matches finite differences")
    func inputGradient() throws {
        let s = try Self.setup()
        let (dx, _) = Self.analytic(s)
        let h: Float = 1e-2
        for i in 0..<s.input.count {
            var plus = s.input, minus = s.input
            plus[i] += h
            minus[i] -= h
            let numeric = (Self.loss(s, input: plus) - Self.loss(s, input: minus)) / Double(2 * h)
            #expect(Self.close(Double(dx[i]), numeric), "x[\(i)]: analytic \(dx[i]) numeric \(numeric)")
        }
    }

    @Test("every parameter gradient matches finite differences")
    func parameterGradients() throws {
        let s = try Self.setup()
        let (_, grads) = Self.analytic(s)
        let h: Float = 1e-2
        for ((name, weight), (_, grad)) in zip(s.block.weights.named, grads.named) {
            for i in Swift.stride(from: 0, to: weight.count, by: max(1, weight.count / 7)) {
                let original = weight.pointer[i]
                weight.pointer[i] = original + h
                let up = Self.loss(s, input: s.input)
                weight.pointer[i] = original - h
                let down = Self.loss(s, input: s.input)
                weight.pointer[i] = original
                let numeric = (up - down) / Double(2 * h)
                #expect(Self.close(Double(grad.pointer[i]), numeric), "\(name)[\(i)]: analytic \(grad.pointer[i]) numeric \(numeric)")
            }
        }
    }
}

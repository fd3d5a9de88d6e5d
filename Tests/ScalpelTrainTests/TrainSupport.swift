import ScalpelFormats
import ScalpelModels
@testable import ScalpelTrain

/// Tiny random models and helpers shared by the training tests.
enum TrainSupport {
    static func config(vocab: Int = 16, hidden: Int = 8, intermediate: Int = 12, layers: Int = 2,
                       heads: Int = 2, kvHeads: Int = 1, tied: Bool = false, bias: Bool = false) -> ModelConfig.Llama {
        ModelConfig.Llama(vocabSize: vocab, hiddenSize: hidden, intermediateSize: intermediate, numHiddenLayers: layers,
                          numAttentionHeads: heads, numKeyValueHeads: kvHeads, rmsNormEps: 1e-5, ropeTheta: 10000,
                          tieWordEmbeddings: tied, attentionBias: bias)
    }

    /// A model with weights uniform in ±`spread` (norm weights around 1), fixed by `seed`.
    static func randomModel(_ c: ModelConfig.Llama, seed: UInt64 = 7, spread: Float = 0.5) -> LlamaModel {
        var rng = SeededRandom(seed: seed)
        func fill(_ b: FloatBuffer, norm: Bool = false) {
            for i in 0..<b.count { b.pointer[i] = norm ? 1 + rng.nextFloat(in: -0.2, 0.2) : rng.nextFloat(in: -spread, spread) }
        }
        let embed = FloatBuffer(count: c.vocabSize * c.hiddenSize)
        fill(embed)
        let blocks = (0..<c.numHiddenLayers).map { _ in
            let w = LlamaBlockWeights(config: c)
            for (name, buffer) in w.named { fill(buffer, norm: name.contains("norm")) }
            return w
        }
        let norm = FloatBuffer(count: c.hiddenSize)
        fill(norm, norm: true)
        var head: FloatBuffer?
        if !c.tieWordEmbeddings {
            head = FloatBuffer(count: c.vocabSize * c.hiddenSize)
            fill(head!)
        }
        return LlamaModel(config: c, embedTokens: embed, blocks: blocks, finalNorm: norm, lmHead: head)
    }

    /// Two sequences of 5, the second padded after 3 tokens, one prompt target masked.
    static func paddedBatch(vocab: Int = 16) -> TrainingBatch {
        let samples = [
            TrainingSample(tokens: [1, 5, 9, 3, 7], labels: [-100, -100, 9, 3, 7]),
            TrainingSample(tokens: [2, 11, 4], labels: [2, 11, 4]),
        ]
        return SFTData.collate(samples, padId: 0)
    }

    /// Sets every LoRA B to small random values (B = 0 would make every ∂L/∂A zero).
    static func randomizeB(_ d: TrainableDecoder, seed: UInt64 = 99) {
        var rng = SeededRandom(seed: seed)
        for m in d.loraModules {
            for i in 0..<m.adapter.b.count { m.adapter.b.pointer[i] = rng.nextFloat(in: -0.3, 0.3) }
        }
    }

    /// Central-difference check of every element of `parameters` against their gradients.
    static func finiteDifferenceMismatches(_ d: TrainableDecoder, batch: TrainingBatch, parameters: [TrainableParameter],
                                           h: Float = 1e-2, relative: Double = 2e-2, absolute: Double = 2e-3) throws -> [String] {
        d.zeroGradients()
        try d.lossAndGradients(batch)
        var bad: [String] = []
        for p in parameters {
            let analytic = p.grad.array
            for i in 0..<p.value.count {
                let saved = p.value.pointer[i]
                p.value.pointer[i] = saved + h
                let plus = Double(try d.lossAndGradients(batch, backward: false).loss)
                p.value.pointer[i] = saved - h
                let minus = Double(try d.lossAndGradients(batch, backward: false).loss)
                p.value.pointer[i] = saved
                let numeric = (plus - minus) / Double(2 * h)
                let a = Double(analytic[i])
                if abs(a - numeric) > relative * max(abs(a), abs(numeric)) + absolute {
                    bad.append("\(p.name)[\(i)]: analytic \(a) numeric \(numeric)")
                }
            }
        }
        return bad
    }
}

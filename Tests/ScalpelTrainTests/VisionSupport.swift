import Foundation
import ScalpelFormats
import ScalpelModels
@testable import ScalpelTrain

/// Tiny random LLaVA models and a finite-difference checker for the vision training tests.
enum VisionSupport {
    static func config(featureLayers: [Int] = [-2], strategy: String = "default", projectorBias: Bool = true,
                       act: String = "quick_gelu") -> ModelConfig.Llava {
        let text = ModelConfig.Llama(vocabSize: 16, hiddenSize: 8, intermediateSize: 12, numHiddenLayers: 2, numAttentionHeads: 2,
                                     numKeyValueHeads: 1, rmsNormEps: 1e-5, tieWordEmbeddings: false)
        let vision = ModelConfig.CLIPVision(hiddenSize: 8, intermediateSize: 16, numHiddenLayers: 2, numAttentionHeads: 2,
                                            imageSize: 8, patchSize: 4, numChannels: 3, hiddenAct: act, projectionDim: 8)
        let keeps = strategy == "full"
        return ModelConfig.Llava(text: text, vision: vision, imageTokenIndex: 15, visionFeatureLayers: featureLayers,
                                 visionFeatureSelectStrategy: strategy, imageSeqLength: 4 + (keeps ? 1 : 0),
                                 multimodalProjectorBias: projectorBias)
    }

    /// A model written by `LlavaInitializer` (spread `std`), loaded back, with norm weights and
    /// biases jittered so no gradient is trivially zero.
    static func model(_ c: ModelConfig.Llava, seed: UInt64 = 3, std: Float = 0.4) throws -> LlavaModel {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-llava-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try LlavaInitializer.write(c, to: dir, seed: seed, std: std)
        let model = try Checkpoint.open(dir).loadLlava()!
        var rng = SeededRandom(seed: seed &+ 1)
        func jitter(_ b: FloatBuffer?) { if let b { for i in 0..<b.count { b.pointer[i] += rng.nextFloat(in: -0.2, 0.2) } } }
        let t = model.visionTower
        jitter(t.preNorm); jitter(t.preNormBias); jitter(t.classEmbedding)
        for l in t.layers { for (_, b) in l.named { jitter(b) } }
        jitter(model.projector.linear1Bias); jitter(model.projector.linear2Bias)
        return model
    }

    /// Two sequences, each with one image (`features` image tokens after BOS), the second padded.
    static func batch(features: Int = 4, seed: UInt64 = 11) -> TrainingBatch {
        var rng = SeededRandom(seed: seed)
        func image() -> [Float] { (0..<(3 * 64)).map { _ in rng.nextFloat(in: -1.5, 1.5) } }
        let img = [Int](repeating: 15, count: features), mask = [Int](repeating: -100, count: features)
        let samples = [
            TrainingSample(tokens: [1] + img + [5, 9, 3, 7], labels: [-100] + mask + [-100, 9, 3, 7],
                           images: [image()], imagePositions: Array(1...features)),
            TrainingSample(tokens: [1] + img + [4, 2], labels: [-100] + mask + [4, 2],
                           images: [image()], imagePositions: Array(1...features)),
        ]
        return SFTData.collate(samples, padId: 0)
    }

    /// Central differences of `loss` for every element of `parameters`, against their gradients
    /// (already computed). The loss is evaluated in Float; differences and comparison in Double.
    static func mismatches(_ parameters: [TrainableParameter], step: Float = 1e-2, relative: Double = 2e-2, absolute: Double = 2e-3,
                           loss: () throws -> Float) rethrows -> [String] {
        var bad: [String] = []
        for p in parameters {
            let analytic = p.grad.array
            for i in 0..<p.value.count {
                let saved = p.value.pointer[i]
                p.value.pointer[i] = saved + step
                let plus = Double(try loss())
                p.value.pointer[i] = saved - step
                let minus = Double(try loss())
                p.value.pointer[i] = saved
                let numeric = (plus - minus) / Double(2 * step), a = Double(analytic[i])
                if abs(a - numeric) > relative * max(abs(a), abs(numeric)) + absolute {
                    bad.append("\(p.name)[\(i)]: analytic \(a) numeric \(numeric)")
                }
            }
        }
        return bad
    }
}

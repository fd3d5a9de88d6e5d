import ScalpelModels
import Testing
@testable import ScalpelTrain

/// Short deterministic runs on tiny random models: the loss must fall, and a rerun must repeat it.
@Suite("Training runs")
struct TrainingRunTests {
    static let text = [3, 17, 8, 25, 1, 30, 12, 5, 19, 22, 7, 14, 28, 2, 9, 26, 11, 4, 31, 16, 6, 23, 13, 20]

    static func run(lora: LoRAConfig?, full: FullFineTuning, steps: Int, lr: Float) throws -> [Float] {
        let c = TrainSupport.config(vocab: 32, hidden: 16, intermediate: 32, layers: 2, heads: 4, kvHeads: 2)
        let d = try TrainableDecoder(model: TrainSupport.randomModel(c, seed: 11, spread: 0.3), lora: lora, full: full)
        let trainer = try SFTTrainer(decoder: d, options: SFTOptions(learningRate: lr, warmupSteps: 5, totalSteps: steps,
                                                                     minLearningRateRatio: 0.1, weightDecay: 0.01))
        let batch = SFTData.collate(SFTData.textWindows(text, length: 12), padId: 0)
        #expect(batch.batch == 2 && batch.seqLen == 12)
        var losses: [Float] = []
        for _ in 0..<steps { losses.append(try trainer.step([batch]).loss) }
        return losses
    }

    @Test("full fine-tuning memorises a short text: loss falls by more than 20×, and repeats exactly")
    func overfitFull() throws {
        let losses = try Self.run(lora: nil, full: .all(layers: 2), steps: 60, lr: 3e-2)
        #expect(losses.last! < losses.first! / 20, "\(losses.first!) → \(losses.last!)")
        #expect(try Self.run(lora: nil, full: .all(layers: 2), steps: 60, lr: 3e-2) == losses)
    }

    /// The final norm trains too: with a frozen norm and head the logits of this tiny random model
    /// stay within a few units, which caps how far any adapter can push the loss.
    @Test("LoRA (dropout on) with the final norm drives the loss down by more than 10×, deterministically")
    func overfitLoRA() throws {
        let lora = LoRAConfig(rank: 8, alpha: 16, dropout: 0.05, seed: 2)
        let losses = try Self.run(lora: lora, full: FullFineTuning(finalNorm: true), steps: 150, lr: 2e-2)
        #expect(losses.last! < losses.first! / 10, "\(losses.first!) → \(losses.last!)")
        #expect(try Self.run(lora: lora, full: FullFineTuning(finalNorm: true), steps: 150, lr: 2e-2) == losses)
    }
}

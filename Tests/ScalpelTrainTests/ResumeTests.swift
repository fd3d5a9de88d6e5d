import Foundation
import ScalpelModels
import Testing
@testable import ScalpelTrain

@Suite("Checkpoint and resume")
struct ResumeTests {
    static let samples = (0..<5).map { i in TrainingSample(tokens: (0..<(6 + i % 3)).map { ($0 * 7 + i * 3 + 1) % 32 }) }

    static func setup() throws -> (SFTTrainer, SFTDataLoader) {
        let c = TrainSupport.config(vocab: 32, hidden: 16, intermediate: 32, layers: 2, heads: 4, kvHeads: 2)
        let d = try TrainableDecoder(model: TrainSupport.randomModel(c, seed: 4), lora: LoRAConfig(rank: 4, alpha: 8, dropout: 0.1, seed: 9),
                                     full: FullFineTuning(blocks: [1], finalNorm: true))
        let trainer = try SFTTrainer(decoder: d, options: SFTOptions(learningRate: 1e-2, warmupSteps: 2, totalSteps: 8, weightDecay: 0.01))
        return (trainer, SFTDataLoader(samples: samples, batchSize: 2, padId: 0, seed: 5))
    }

    @Test("a run stopped after 3 steps and resumed from its checkpoint ends exactly like an uninterrupted one")
    func resume() throws {
        let (straight, straightLoader) = try Self.setup()
        var loader = straightLoader
        var expected: [Float] = []
        for _ in 0..<8 { expected.append(try straight.step([loader.next()]).loss) }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-resume-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let (first, firstLoader) = try Self.setup()
            var l = firstLoader
            for step in 0..<3 { #expect(try first.step([l.next()]).loss == expected[step]) }
            try TrainingCheckpoint.save(first, loader: l, to: dir)
            _ = try first.step([l.next()])  // work after the checkpoint is lost
        }
        let (resumed, freshLoader) = try Self.setup()
        var l: SFTDataLoader? = freshLoader
        try TrainingCheckpoint.load(into: resumed, loader: &l, from: dir)
        #expect(resumed.step == 3)
        var losses: [Float] = []
        for _ in 3..<8 { losses.append(try resumed.step([l!.next()]).loss) }
        #expect(losses == Array(expected[3...]))
        #expect(resumed.parameters.map(\.value.array) == straight.parameters.map(\.value.array))
    }

    @Test("the loader reshuffles each epoch from its seed; split keeps every sample once")
    func loader() {
        var a = SFTDataLoader(samples: Self.samples, batchSize: 2, padId: 0, seed: 1)
        var b = SFTDataLoader(samples: Self.samples, batchSize: 2, padId: 0, seed: 1)
        let first = (0..<6).map { _ in a.next() }
        #expect(first == (0..<6).map { _ in b.next() })
        #expect(a.epoch == 2)
        let (train, validation) = SFTDataLoader.split(Self.samples, validationFraction: 0.2, seed: 3)
        #expect(train.count == 4 && validation.count == 1)
        #expect(Set((train + validation).map(\.tokens)) == Set(Self.samples.map(\.tokens)))
    }
}

import Foundation
import ScalpelFormats
import ScalpelModels
import Testing
@testable import ScalpelTrain

/// Training throughput on the SmolLM2-135M shape (random weights) at batch 4 × 256: LoRA r=8 on all
/// seven projections, then full fine-tuning, AdamW, clipping. Prints tokens/s and peak RSS; compare with
/// `scripts/bench/pytorch_train_baseline.py`. Runs only with `SCALPEL_TRAIN_BENCH=1` (and belongs in a
/// release build: `swift test -c release -Xswiftc -enable-testing --filter TrainingBenchmark`).
@Suite("Training benchmark")
struct TrainingBenchmarkTests {
    static let enabled = ProcessInfo.processInfo.environment["SCALPEL_TRAIN_BENCH"] != nil

    /// Peak resident set size in bytes.
    static func peakRSS() -> Int {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024  // kilobytes on Linux
        #else
        getrusage(RUSAGE_SELF, &usage)
        return usage.ru_maxrss  // bytes on macOS
        #endif
    }

    @Test("SmolLM2-135M shape, 4 × 256 tokens", .enabled(if: enabled))
    func smolLM2Shape() throws {
        let c = ModelConfig.Llama(vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numHiddenLayers: 30,
                                  numAttentionHeads: 9, numKeyValueHeads: 3, rmsNormEps: 1e-5, ropeTheta: 100000,
                                  tieWordEmbeddings: true)
        let steps = Int(ProcessInfo.processInfo.environment["SCALPEL_TRAIN_BENCH_STEPS"] ?? "") ?? 3
        var rng = SeededRandom(seed: 1)
        let samples = (0..<4).map { _ in TrainingSample(tokens: (0..<256).map { _ in Int(rng.next() % 49152) }) }
        let batch = SFTData.collate(samples, padId: 0)
        for mode in ["lora", "full"] {
            let model = TrainSupport.randomModel(c, seed: 3, spread: 0.02)
            let d = mode == "lora"
                ? try TrainableDecoder(model: model, lora: LoRAConfig(rank: 8, alpha: 16, dropout: 0.05, seed: 1))
                : try TrainableDecoder(model: model, full: .all(layers: c.numHiddenLayers))
            let trainer = try SFTTrainer(decoder: d, options: SFTOptions(learningRate: 1e-4, totalSteps: steps + 1))
            _ = try trainer.step([batch])
            let start = Date()
            for _ in 0..<steps { _ = try trainer.step([batch]) }
            let seconds = Date().timeIntervalSince(start) / Double(steps)
            print("train-bench \(mode): \(String(format: "%.1f", Double(batch.realTokens) / seconds)) tokens/s, "
                  + "\(String(format: "%.2f", seconds)) s/step, peak RSS \(Self.peakRSS() / 1_048_576) MiB")
        }
    }
}

import Foundation
import ScalpelFormats
import ScalpelModels
import Testing
@testable import ScalpelTrain

/// Training against PyTorch (+ PEFT for LoRA) on the committed `lora-tiny` fixture
/// (scripts/fixtures/make_lora_fixtures.py): the adapted logits, first-step gradients, ten AdamW steps
/// with clipping (losses and pre-clip norms) and the end weights.
@Suite("PyTorch reference")
struct ReferenceTrainingTests {
    struct Reference: Decodable {
        var input_ids: [[Int]]
        var attention_mask: [[Int]]
        var labels: [[Int]]
        var steps: Int
        var lr: Float
        var weight_decay: Float
        var max_grad_norm: Float
        var rank: Int
        var alpha: Double
        var targets: [String]
        var adapted_logits: [Float]
        var lora_losses: [Float]
        var lora_grad_norms: [Float]
        var full_losses: [Float]
        var full_grad_norms: [Float]
    }

    static var folder: String { Bundle.module.url(forResource: "Fixtures/lora-tiny", withExtension: nil)!.path }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/reference.json")))
    }

    static func batch(_ r: Reference) -> TrainingBatch {
        let samples = zip(r.input_ids, zip(r.attention_mask, r.labels)).map { ids, rest in
            let real = rest.0.reduce(0, +)
            return TrainingSample(tokens: Array(ids.prefix(real)), labels: Array(rest.1.prefix(real)))
        }
        return SFTData.collate(samples, padId: 0, seqLen: r.input_ids[0].count)
    }

    static func options(_ r: Reference) -> SFTOptions {
        SFTOptions(learningRate: r.lr, warmupSteps: 0, totalSteps: r.steps, minLearningRateRatio: 1,
                   weightDecay: r.weight_decay, maxGradNorm: r.max_grad_norm)
    }

    /// Largest |a − b| relative to the largest |b| of the tensor.
    static func gap(_ a: [Float], _ b: [Float]) -> Float {
        let scale = b.map(abs).max() ?? 1
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) } / max(scale, 1e-12)
    }

    /// Compares every parameter with the tensor of the same name in `file`; returns the worst
    /// absolute and scale-relative gaps.
    static func compare(_ parameters: [TrainableParameter], with file: String, values: Bool) throws -> (abs: Float, rel: Float, count: Int) {
        let st = try SafetensorsFile(path: folder + "/" + file)
        var worstAbs: Float = 0, worstRel: Float = 0
        for p in parameters {
            // LoRA parameters are named `<module>.lora_A.weight`; PEFT files prefix `base_model.model.`.
            let name = p.name.contains(".lora_") ? "base_model.model." + p.name : p.name
            let expected = try st.floats(name)
            let actual = values ? p.value.array : p.grad.array
            #expect(actual.count == expected.count, "\(name)")
            worstAbs = max(worstAbs, zip(actual, expected).reduce(0) { max($0, abs($1.0 - $1.1)) })
            worstRel = max(worstRel, gap(actual, expected))
        }
        return (worstAbs, worstRel, parameters.count)
    }

    @Test("LoRA: PEFT's adapter loads, logits and first gradients match, ten AdamW steps track PEFT")
    func lora() throws {
        let r = try Self.reference()
        let model = try Checkpoint.open(Self.folder).loadDecoder()
        let d = try TrainableDecoder(model: model, lora: LoRAConfig(rank: r.rank, alpha: r.alpha, targets: .suffixes(r.targets)))
        try PEFTAdapter.load(into: d, from: Self.folder + "/adapter")
        let batch = Self.batch(r)
        #expect(Self.gap(try d.logits(batch), r.adapted_logits) < 1e-5)

        d.zeroGradients()
        let first = try d.lossAndGradients(batch)
        #expect(abs(first.loss - r.lora_losses[0]) < 1e-5 * r.lora_losses[0])
        let grads = try Self.compare(d.parameters, with: "lora_grads.safetensors", values: false)
        #expect(grads.count == 28 && grads.rel < 1e-4, "first-step gradients: max |Δ| \(grads.abs), relative \(grads.rel)")

        let trainer = try SFTTrainer(decoder: d, options: Self.options(r))
        for step in 0..<r.steps {
            let report = try trainer.step([batch])
            #expect(abs(report.loss - r.lora_losses[step]) <= 1e-3 * r.lora_losses[step], "step \(step): \(report.loss) vs \(r.lora_losses[step])")
            #expect(abs(report.gradNorm - r.lora_grad_norms[step]) <= 1e-3 * r.lora_grad_norms[step])
        }
        let end = try Self.compare(d.parameters, with: "lora_after.safetensors", values: true)
        #expect(end.abs < 1e-4, "end weights: max |Δ| \(end.abs)")
    }

    @Test("full fine-tuning: first gradients of every weight and ten AdamW steps track PyTorch")
    func full() throws {
        let r = try Self.reference()
        let model = try Checkpoint.open(Self.folder).loadDecoder()
        let d = try TrainableDecoder(model: model, full: .all(layers: model.config.numHiddenLayers))
        let batch = Self.batch(r)
        d.zeroGradients()
        let first = try d.lossAndGradients(batch)
        #expect(abs(first.loss - r.full_losses[0]) < 1e-5 * r.full_losses[0])
        let grads = try Self.compare(d.parameters, with: "full_grads.safetensors", values: false)
        #expect(grads.rel < 1e-4, "first-step gradients: max |Δ| \(grads.abs), relative \(grads.rel)")

        let trainer = try SFTTrainer(decoder: d, options: Self.options(r))
        for step in 0..<r.steps {
            let report = try trainer.step([batch])
            #expect(abs(report.loss - r.full_losses[step]) <= 1e-3 * r.full_losses[step], "step \(step): \(report.loss) vs \(r.full_losses[step])")
            #expect(abs(report.gradNorm - r.full_grad_norms[step]) <= 1e-3 * r.full_grad_norms[step])
        }
        let end = try Self.compare(d.parameters, with: "full_after.safetensors", values: true)
        #expect(end.abs < 1e-4, "end weights: max |Δ| \(end.abs)")
    }
}

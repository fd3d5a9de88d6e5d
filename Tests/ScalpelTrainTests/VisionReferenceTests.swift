import Foundation
import ScalpelFormats
import ScalpelModels
import Testing
@testable import ScalpelTrain

/// One full LLaVA training step (tower, projector and decoder all trainable) against PyTorch /
/// transformers on the tiny `llava-image` model fixture: the loss, three weights' gradients and the
/// same weights after one clipped AdamW step (scripts/fixtures/make_llava_train_fixture.py).
@Suite("LLaVA training step against transformers")
struct VisionReferenceTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let modelDir = here.deletingLastPathComponent().appendingPathComponent("ScalpelModelsTests/Fixtures/models/llava-image").path

    static func json(_ path: String) throws -> JSONValue { try JSONValue.read(contentsOf: URL(fileURLWithPath: path)) }

    static func floats(_ v: JSONValue?) -> [Float] { (v?.array ?? []).map { Float($0.double ?? Double($0.int ?? 0)) } }
    static func ints(_ v: JSONValue?) -> [[Int]] { (v?.array ?? []).map { ($0.array ?? []).map { $0.int ?? 0 } } }

    @Test("loss, gradients of projector / tower / decoder weights and one AdamW step match PyTorch")
    func oneStep() throws {
        let ref = try Self.json(Self.here.appendingPathComponent("Fixtures/llava-train/reference.json").path)
        let pixelRef = try Self.json(Self.modelDir + "/reference.json")
        let pixels = Self.floats(pixelRef["pixel_values"])
        let perImage = pixels.count / 2
        let model = try Checkpoint.open(Self.modelDir).loadLlava()!
        let imageToken = model.config.imageTokenIndex
        let ids = Self.ints(ref["input_ids"]), mask = Self.ints(ref["attention_mask"]), labels = Self.ints(ref["labels"])
        let samples = (0..<2).map { b -> TrainingSample in
            let real = mask[b].reduce(0, +)
            let tokens = Array(ids[b][0..<real])
            return TrainingSample(tokens: tokens, labels: Array(labels[b][0..<real]),
                                  images: [Array(pixels[(b * perImage)..<((b + 1) * perImage)])],
                                  imagePositions: tokens.indices.filter { tokens[$0] == imageToken })
        }
        let batch = SFTData.collate(samples, padId: 0)
        let llava = try TrainableLlava(model: model, trainTower: true, trainProjector: true,
                                       full: .all(layers: model.config.text.numHiddenLayers))
        llava.zeroGradients()
        let loss = try llava.lossAndGradients(batch).loss
        let expected = Float(ref["loss"]?.double ?? 0)
        #expect(abs(loss - expected) <= 1e-4 * abs(expected), "loss \(loss) vs \(expected)")
        let params = Dictionary(uniqueKeysWithValues: llava.parameters.map { ($0.name, $0) })
        guard let grads = ref["grads"]?.object else { Issue.record("no grads in the reference"); return }
        for (name, g) in grads {
            let p = try #require(params[name], "no parameter \(name)")
            let grad = p.grad.array
            let norm = Float(g["norm"]?.double ?? 0)
            let mine = Float(grad.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot())
            #expect(abs(mine - norm) <= 1e-4 * norm + 1e-7, "\(name) gradient norm \(mine) vs \(norm)")
            let sum = Float(grad.reduce(0) { $0 + Double($1) })
            #expect(abs(sum - Float(g["sum"]?.double ?? 0)) <= 1e-4 * norm * 10, "\(name) gradient sum")
            for (a, b) in zip(grad.prefix(16), Self.floats(g["head"])) {
                #expect(abs(a - b) <= 1e-4 * norm / 4 + 1e-7, "\(name) gradient element \(a) vs \(b)")
            }
        }
        let lr = Float(ref["lr"]?.double ?? 0), wd = Float(ref["weight_decay"]?.double ?? 0)
        let trainer = try StageTrainer(parameters: llava.parameters,
                                       options: SFTOptions(learningRate: lr, totalSteps: 1, minLearningRateRatio: 1, weightDecay: wd, maxGradNorm: 1))
        let model2 = try Checkpoint.open(Self.modelDir).loadLlava()!
        let fresh = try TrainableLlava(model: model2, trainTower: true, trainProjector: true, full: .all(layers: model2.config.text.numHiddenLayers))
        let step = try StageTrainer(parameters: fresh.parameters, options: trainer.options)
        let report = try step.step { try fresh.lossAndGradients(batch).loss }
        #expect(abs(report.gradNorm - Float(ref["grad_norm"]?.double ?? 0)) <= 1e-4 * report.gradNorm, "grad norm \(report.gradNorm)")
        let freshParams = Dictionary(uniqueKeysWithValues: fresh.parameters.map { ($0.name, $0) })
        for (name, after) in ref["after"]?.object ?? [:] {
            let p = try #require(freshParams[name])
            for (a, b) in zip(p.value.array.prefix(16), Self.floats(after)) {
                #expect(abs(a - b) <= 2e-6, "\(name) after one step: \(a) vs \(b)")
            }
        }
    }
}

import Foundation
import ScalpelFormats
import ScalpelModels
import Testing
@testable import ScalpelTrain

/// The supervised pretraining head on pooled tower features, the stage trainer's checkpoints, and
/// the checkpoint writer.
@Suite("Vision pretraining")
struct VisionPretrainingTests {
    static let tasks = [VisionPretrainingHead.Task(name: "a", classes: 3), .init(name: "b", classes: 2)]
    static let labels = [[2, 0], [1, 1]]

    @Test("head and tower gradients match finite differences of the summed task losses", arguments: [VisionPretrainingHead.Pooling.mean, .flatten])
    func gradients(pooling: VisionPretrainingHead.Pooling) throws {
        let c = VisionSupport.config(featureLayers: [-1])
        let model = try VisionSupport.model(c)
        let tower = TrainableVisionTower(tower: model.visionTower, trainable: true)
        let head = VisionPretrainingHead(tasks: Self.tasks, inFeatures: c.vision.hiddenSize, pooling: pooling, tokens: c.vision.numPatches, seed: 4)
        let pixels = VisionSupport.batch().pixelValues
        let tokens = c.vision.numPatches
        func loss(backward: Bool) throws -> Float {
            let (features, pass) = try tower.features(pixelValues: pixels, layers: [-1], keepClassToken: false)
            let d = backward ? FloatBuffer(count: features.count) : nil
            let r = try head.evaluate(features: features, images: 2, tokens: tokens, labels: Self.labels, featureGradient: d)
            if let d, let pass { tower.backward(d, pass: pass) }
            return r.loss
        }
        let params = tower.parameters + head.parameters
        for p in params { p.grad.zero() }
        _ = try loss(backward: true)
        let bad = try VisionSupport.mismatches(params) { try loss(backward: false) }
        #expect(bad.isEmpty, "\(bad.count) mismatches: \(bad.prefix(8))")
    }

    @Test("labels outside a task's classes and mismatched shapes are clear errors")
    func errors() throws {
        let head = VisionPretrainingHead(tasks: Self.tasks, inFeatures: 4, seed: 1)
        let f = FloatBuffer(count: 2 * 3 * 4)
        #expect { try head.evaluate(features: f, images: 2, tokens: 3, labels: [[3, 0], [0, 0]]) } throws: { "\($0)".contains("task 'a'") }
        #expect { try head.evaluate(features: f, images: 2, tokens: 2, labels: Self.labels) } throws: { "\($0)".contains("4-wide") }
    }

    @Test("a stage saved and restored continues exactly as an uninterrupted one")
    func resume() throws {
        let c = VisionSupport.config()
        let batch = VisionSupport.batch()
        let options = SFTOptions(learningRate: 1e-2, warmupSteps: 1, totalSteps: 6, weightDecay: 0.01)
        func run(split: Bool) throws -> [Float] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-stage-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var llava = try TrainableLlava(model: try VisionSupport.model(c), trainTower: true, trainProjector: true, full: FullFineTuning(blocks: [1]))
            var trainer = try StageTrainer(parameters: llava.parameters, options: options)
            var losses: [Float] = []
            for step in 0..<6 {
                if split && step == 3 {
                    try trainer.save(to: dir + "/s.state", metadata: ["note": "x"])
                    llava = try TrainableLlava(model: try VisionSupport.model(c), trainTower: true, trainProjector: true, full: FullFineTuning(blocks: [1]))
                    trainer = try StageTrainer(parameters: llava.parameters, options: options)
                    let meta = try trainer.load(from: dir + "/s.state")
                    #expect(meta["note"] == "x" && trainer.step == 3)
                }
                let l = llava
                losses.append(try trainer.step { try l.lossAndGradients(batch).loss }.loss)
            }
            return losses
        }
        let whole = try run(split: false), resumed = try run(split: true)
        #expect(whole == resumed)
        #expect(whole.last! < whole.first!)
    }

    @Test("the checkpoint writer's folder loads back to the same logits; transformers' names and shapes")
    func writeAndReload() throws {
        let c = VisionSupport.config(featureLayers: [0, -1])
        let model = try VisionSupport.model(c)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalpel-write-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try LlavaCheckpointWriter.write(model, to: dir)
        let back = try Checkpoint.open(dir)
        var expected = c
        expected.text.dtype = "float32"
        #expect(back.config.llava == expected)
        let reloaded = try back.loadLlava()!
        let batch = VisionSupport.batch()
        let a = try TrainableLlava(model: model).logits(batch), b = try TrainableLlava(model: reloaded).logits(batch)
        #expect(a == b)
        let file = try SafetensorsFile(path: dir + "/model.safetensors")
        #expect(file.info("vision_tower.vision_model.post_layernorm.weight")?.shape == [8])
        #expect(file.info("multi_modal_projector.linear_1.weight")?.shape == [8, 16])
        #expect(file.info("language_model.lm_head.weight")?.shape == [16, 8])
    }
}

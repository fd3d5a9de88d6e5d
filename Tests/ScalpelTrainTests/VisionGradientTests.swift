import ScalpelFormats
import ScalpelModels
import Testing
@testable import ScalpelTrain

/// Backward through the projector and the CLIP tower (patch linear, class and position embeddings,
/// pre-layernorm, encoder layers, feature-layer selection, select strategy) into a LLaVA loss,
/// against central finite differences of that loss.
@Suite("Vision gradients")
struct VisionGradientTests {
    func check(_ c: ModelConfig.Llava, trainDecoder: Bool = false) throws {
        let model = try VisionSupport.model(c)
        let full = trainDecoder ? FullFineTuning(blocks: [0], embeddings: true) : .none
        let llava = try TrainableLlava(model: model, trainTower: true, trainProjector: true, full: full)
        let batch = VisionSupport.batch(features: model.featuresPerImage)
        llava.zeroGradients()
        try llava.lossAndGradients(batch)
        let params = llava.parameters
        #expect(params.contains { $0.name == "vision_tower.vision_model.embeddings.patch_embedding.weight" })
        #expect(params.contains { $0.name == "multi_modal_projector.linear_1.weight" })
        let bad = try VisionSupport.mismatches(params) { try llava.lossAndGradients(batch, backward: false).loss }
        #expect(bad.isEmpty, "\(bad.count) mismatches: \(bad.prefix(8))")
        // Every tower weight on the path gets a gradient.
        for p in params where p.name.contains("vision_tower") && !p.name.contains("layers.1.") || p.name.contains("projector") {
            #expect(p.grad.array.contains { $0 != 0 }, "\(p.name) has no gradient")
        }
    }

    @Test("tower (feature layer -2, default strategy) and projector with bias: every weight matches finite differences")
    func penultimateDefault() throws {
        try check(VisionSupport.config())
    }

    @Test("two feature layers (0 and -1), full strategy, no projector bias, GELU, decoder block 0 and embeddings trained too")
    func multiLayerFull() throws {
        try check(VisionSupport.config(featureLayers: [0, -1], strategy: "full", projectorBias: false, act: "gelu"), trainDecoder: true)
    }

    @Test("the training forward gives the inference features and logits exactly")
    func forwardMatchesInference() throws {
        let c = VisionSupport.config(featureLayers: [-1, 1], strategy: "full")
        let model = try VisionSupport.model(c)
        let tower = TrainableVisionTower(tower: model.visionTower, trainable: true)
        let batch = VisionSupport.batch(features: model.featuresPerImage)
        let trained = try tower.features(pixelValues: batch.pixelValues, layers: c.visionFeatureLayers, keepClassToken: true).features
        let plain = try model.visionTower.features(pixelValues: batch.pixelValues, layers: c.visionFeatureLayers, keepClassToken: true)
        #expect(trained.array == plain.array)
        let llava = try TrainableLlava(model: model, trainTower: true, trainProjector: true)
        let logits = try llava.logits(batch)
        // Sequence 0 through LlavaModel.logits (no padding there).
        let tokens = (0..<batch.seqLen).map { Int(batch.inputs[$0]) }
        let reference = try model.logits(tokens: tokens, pixelValues: Array(batch.pixelValues[0..<(3 * 64)]))
        let worst = zip(reference, logits.prefix(reference.count)).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5)
    }

    @Test("a frozen tower and projector: the decoder's image path equals TrainableLlava's; no vision gradients")
    func frozenVision() throws {
        let model = try VisionSupport.model(VisionSupport.config())
        let batch = VisionSupport.batch()
        let llava = try TrainableLlava(model: model, full: FullFineTuning(blocks: [1]))
        #expect(llava.parameters.allSatisfy { $0.name.hasPrefix("language_model.") })
        let a = try llava.lossAndGradients(batch).loss
        let decoder = try TrainableDecoder(model: model.languageModel, names: .llavaSaved, full: FullFineTuning(blocks: [1]))
        decoder.useFrozenVision(of: model)
        let b = try decoder.lossAndGradients(batch).loss
        #expect(a == b)
        #expect(zip(llava.decoder.parameters, decoder.parameters).allSatisfy { $0.grad.array == $1.grad.array })
    }
}

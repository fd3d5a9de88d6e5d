import ScalpelModels
import Testing
@testable import ScalpelTrain

/// Whole-decoder loss gradients (embeddings → blocks → norm → head → masked cross-entropy, with
/// padding) against central finite differences of the loss, in Float.
@Suite("Decoder gradients")
struct DecoderGradientTests {
    @Test("LoRA A and B gradients on every linear of both blocks match finite differences")
    func loraGradients() throws {
        let model = TrainSupport.randomModel(TrainSupport.config())
        let d = try TrainableDecoder(model: model, lora: LoRAConfig(rank: 2, alpha: 4, seed: 5))
        TrainSupport.randomizeB(d)
        #expect(d.loraModules.count == 14)
        let bad = try TrainSupport.finiteDifferenceMismatches(d, batch: TrainSupport.paddedBatch(), parameters: d.parameters)
        #expect(bad.isEmpty, "\(bad.count) mismatches: \(bad.prefix(8))")
    }

    @Test("full fine-tuning of block 1, final norm, head and embeddings matches finite differences")
    func fullGradients() throws {
        let model = TrainSupport.randomModel(TrainSupport.config(bias: true))
        let full = FullFineTuning(blocks: [1], embeddings: true, finalNorm: true, lmHead: true)
        let d = try TrainableDecoder(model: model, full: full)
        let names = d.parameters.map(\.name)
        #expect(names.first == "model.embed_tokens.weight" && names.last == "lm_head.weight")
        #expect(names.contains("model.layers.1.self_attn.q_proj.bias") && !names.contains { $0.hasPrefix("model.layers.0.") })
        let bad = try TrainSupport.finiteDifferenceMismatches(d, batch: TrainSupport.paddedBatch(), parameters: d.parameters)
        #expect(bad.isEmpty, "\(bad.count) mismatches: \(bad.prefix(8))")
    }

    @Test("tied embeddings: one parameter whose gradient sums the lookup and the head")
    func tiedGradients() throws {
        let model = TrainSupport.randomModel(TrainSupport.config(tied: true))
        let d = try TrainableDecoder(model: model, full: FullFineTuning(lmHead: true))
        #expect(d.parameters.map(\.name) == ["model.embed_tokens.weight"])
        let bad = try TrainSupport.finiteDifferenceMismatches(d, batch: TrainSupport.paddedBatch(), parameters: d.parameters)
        #expect(bad.isEmpty, "\(bad.count) mismatches: \(bad.prefix(8))")
    }

    @Test("recomputing block activations gives the same loss and gradients as keeping them")
    func recomputation() throws {
        let c = TrainSupport.config(layers: 3)
        func gradients(recompute: Bool) throws -> (Float, [[Float]]) {
            let d = try TrainableDecoder(model: TrainSupport.randomModel(c), lora: LoRAConfig(rank: 2, alpha: 4, dropout: 0.2, seed: 5),
                                         full: FullFineTuning(blocks: [2]))
            TrainSupport.randomizeB(d)
            d.recompute = recompute
            let loss = try d.lossAndGradients(TrainSupport.paddedBatch()).loss
            return (loss, d.parameters.map(\.grad.array))
        }
        let kept = try gradients(recompute: false), recomputed = try gradients(recompute: true)
        #expect(kept.0 == recomputed.0)
        #expect(kept.1 == recomputed.1)
    }

    @Test("padding does not change the real tokens' logits")
    func paddingMask() throws {
        let model = TrainSupport.randomModel(TrainSupport.config())
        let d = try TrainableDecoder(model: model, lora: LoRAConfig(rank: 2, seed: 1))
        let padded = try d.logits(TrainSupport.paddedBatch())
        let alone = try d.logits(SFTData.collate([TrainingSample(tokens: [2, 11, 4])], padId: 0))
        let v = 16
        let second = Array(padded[(5 * v)..<(8 * v)])
        for (a, b) in zip(second, alone) { #expect(abs(a - b) < 1e-5) }
    }

    @Test("the LM head and loss in chunks of rows give the loss and gradients of one pass")
    func headChunks() throws {
        func run(chunk: Int?) throws -> (Float, [[Float]]) {
            let d = try TrainableDecoder(model: TrainSupport.randomModel(TrainSupport.config()), lora: LoRAConfig(rank: 2, seed: 5),
                                         full: FullFineTuning(finalNorm: true, lmHead: true))
            TrainSupport.randomizeB(d)
            d.headChunkRows = chunk
            let loss = try d.lossAndGradients(TrainSupport.paddedBatch()).loss
            return (loss, d.parameters.map(\.grad.array))
        }
        let whole = try run(chunk: nil), chunked = try run(chunk: 3)
        #expect(abs(whole.0 - chunked.0) < 1e-6)
        for (a, b) in zip(whole.1, chunked.1) {
            for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-6 * max(1, abs(x))) }
        }
    }
}

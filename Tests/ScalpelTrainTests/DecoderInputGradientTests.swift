import ScalpelModels
import Testing
@testable import ScalpelTrain

/// The decoder fed input embeddings (image features spliced into token embeddings) and the gradient
/// it returns for them, against central finite differences of the loss.
@Suite("Decoder input embeddings")
struct DecoderInputGradientTests {
    /// The padded test batch with rows 1–2 of the first sequence standing for an image.
    static func imageBatch() -> TrainingBatch {
        var batch = TrainSupport.paddedBatch()
        batch.imagePositions = [1, 2]
        batch.pixelValues = [0]
        return batch
    }

    static func features(_ rows: Int, _ h: Int) -> FloatBuffer {
        var rng = SeededRandom(seed: 31)
        return FloatBuffer((0..<(rows * h)).map { _ in rng.nextFloat(in: -1, 1) })
    }

    @Test("token embeddings as input reproduce the token path's loss and gradients")
    func sameAsTokens() throws {
        let c = TrainSupport.config()
        let full = FullFineTuning(blocks: [0, 1], embeddings: true, finalNorm: true, lmHead: true)
        let a = try TrainableDecoder(model: TrainSupport.randomModel(c), full: full)
        let b = try TrainableDecoder(model: TrainSupport.randomModel(c), full: full)
        let batch = TrainSupport.paddedBatch()
        let la = try a.lossAndGradients(batch).loss
        let input = try b.embed(batch, imageFeatures: nil)
        let lb = try b.lossAndGradients(batch, inputEmbeddings: input).loss
        #expect(la == lb)
        for (pa, pb) in zip(a.parameters, b.parameters) { #expect(pa.grad.array == pb.grad.array, "\(pa.name)") }
    }

    @Test("the input gradient matches finite differences; image rows add nothing to the embedding table")
    func inputGradient() throws {
        let c = TrainSupport.config()
        let d = try TrainableDecoder(model: TrainSupport.randomModel(c), full: FullFineTuning(embeddings: true))
        let batch = Self.imageBatch()
        let features = Self.features(2, c.hiddenSize)
        let input = try d.embed(batch, imageFeatures: features)
        #expect(Array(input.array[(1 * c.hiddenSize)..<(3 * c.hiddenSize)]) == features.array)
        let grad = FloatBuffer(count: input.count)
        d.zeroGradients()
        try d.lossAndGradients(batch, inputEmbeddings: input, inputGradient: grad)
        // The image token id (9 at row 2) keeps no gradient from the image row; row 1's id 5 neither.
        let h = c.hiddenSize
        #expect(d.embedGrad!.array[(5 * h)..<(6 * h)].allSatisfy { $0 == 0 })
        let step: Float = 1e-2
        var bad: [String] = []
        for i in 0..<input.count {
            let saved = input.pointer[i]
            input.pointer[i] = saved + step
            let plus = Double(try d.lossAndGradients(batch, inputEmbeddings: input, backward: false).loss)
            input.pointer[i] = saved - step
            let minus = Double(try d.lossAndGradients(batch, inputEmbeddings: input, backward: false).loss)
            input.pointer[i] = saved
            let numeric = (plus - minus) / Double(2 * step), analytic = Double(grad.pointer[i])
            if abs(analytic - numeric) > 2e-2 * max(abs(analytic), abs(numeric)) + 2e-3 { bad.append("[\(i)] \(analytic) vs \(numeric)") }
        }
        #expect(bad.isEmpty, "\(bad.count) mismatches: \(bad.prefix(6))")
    }

    @Test("an image batch needs its input: an error, or the image encoder's features")
    func imageEncoder() throws {
        let c = TrainSupport.config()
        let d = try TrainableDecoder(model: TrainSupport.randomModel(c), full: FullFineTuning(finalNorm: true))
        let batch = Self.imageBatch()
        #expect { try d.lossAndGradients(batch) } throws: { "\($0)".contains("images") }
        let features = Self.features(2, c.hiddenSize)
        d.imageEncoder = { _ in features }
        let viaEncoder = try d.lossAndGradients(batch, backward: false).loss
        let direct = try d.lossAndGradients(batch, inputEmbeddings: try d.embed(batch, imageFeatures: features), backward: false).loss
        #expect(viaEncoder == direct)
        #expect { try d.embed(batch, imageFeatures: Self.features(3, c.hiddenSize)) } throws: { "\($0)".contains("image positions") }
    }
}

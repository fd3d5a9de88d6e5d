import ScalpelFormats
import ScalpelModels
import ScalpelTensor

/// A whole LLaVA model set up for training: vision tower, projector and decoder, each frozen or
/// trainable (the decoder also with LoRA). One pass runs
///
///     pixels → tower (features) → projector → spliced into the token embeddings → decoder → loss
///
/// and backward walks it in reverse: the decoder hands back the gradient of its input, whose image
/// rows are the projector's output gradient, whose input gradient is the tower's feature gradient.
/// Each part releases its activations as its backward finishes. Parameters are named as
/// `save_pretrained` writes a LLaVA checkpoint (`language_model.…`, `vision_tower.vision_model.…`,
/// `multi_modal_projector.…`).
public final class TrainableLlava: @unchecked Sendable {
    public let model: LlavaModel
    public let vision: TrainableVisionTower
    public let projector: TrainableProjector
    public let decoder: TrainableDecoder

    /// - Parameters:
    ///   - trainTower, trainProjector: full fine-tuning of the vision tower / projector.
    ///   - lora, full: the decoder's adapters and fully trained weights (see `TrainableDecoder`).
    public init(model: LlavaModel, trainTower: Bool = false, trainProjector: Bool = false,
                lora: LoRAConfig? = nil, full: FullFineTuning = .none, names: LlavaTensorNames = .saved) throws {
        self.model = model
        vision = TrainableVisionTower(tower: model.visionTower, names: names.vision, trainable: trainTower)
        projector = TrainableProjector(projector: model.projector, prefix: names.projector, trainable: trainProjector)
        decoder = try TrainableDecoder(model: model.languageModel, names: names.text, lora: lora, full: full)
    }

    /// Everything the optimizer updates: tower, projector, then the decoder's parameters.
    public var parameters: [TrainableParameter] { vision.parameters + projector.parameters + decoder.parameters }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        for p in parameters { p.grad.zero() }
    }

    /// Dropout on or off in the decoder's adapters.
    public func setTraining(_ on: Bool) { decoder.setTraining(on) }

    /// Projected features of the batch's images and what backward needs of them.
    private func imageFeatures(_ batch: TrainingBatch, towerFeatures: FloatBuffer?) throws -> (projected: FloatBuffer, tower: TrainableVisionTower.Pass?, projector: TrainableProjector.Pass) {
        let features: FloatBuffer, towerPass: TrainableVisionTower.Pass?
        if let towerFeatures {
            guard !vision.trainable else { throw ModelError("precomputed tower features need a frozen vision tower") }
            (features, towerPass) = (towerFeatures, nil)
        } else {
            (features, towerPass) = try vision.features(pixelValues: batch.pixelValues, layers: model.config.visionFeatureLayers,
                                                        keepClassToken: model.keepsClassToken)
        }
        let rows = features.count / projector.projector.inFeatures
        guard rows == batch.imagePositions.count else {
            throw ModelError("the batch's images give \(rows) feature rows but it has \(batch.imagePositions.count) image positions")
        }
        let (projected, projectorPass) = projector.forward(features, rows: rows)
        return (projected, towerPass, projectorPass)
    }

    /// The mean cross-entropy over the batch's counted targets, and how many counted. With
    /// `backward`, gradients of `dLoss · loss` are *added* to every trainable parameter's gradient.
    /// `towerFeatures` are the frozen tower's features of the batch's images when already computed
    /// (`CLIPVisionModel.features`; the tower then does not run).
    @discardableResult
    public func lossAndGradients(_ batch: TrainingBatch, towerFeatures: FloatBuffer? = nil, backward: Bool = true,
                                 dLoss: Float = 1) throws -> (loss: Float, count: Int) {
        guard batch.hasImages else { return try decoder.lossAndGradients(batch, backward: backward, dLoss: dLoss) }
        let (projected, towerPass, projectorPass) = try imageFeatures(batch, towerFeatures: towerFeatures)
        let input = try decoder.embed(batch, imageFeatures: projected)
        let throughImages = backward && (projector.trainable || vision.trainable)
        let h = model.languageModel.config.hiddenSize
        let dInput = throughImages ? FloatBuffer(count: input.count) : nil
        let result = try decoder.lossAndGradients(batch, inputEmbeddings: input, inputGradient: dInput, backward: backward, dLoss: dLoss)
        if let dInput, result.count > 0 {
            let dProjected = FloatBuffer(count: batch.imagePositions.count * h)
            for (k, row) in batch.imagePositions.enumerated() {
                (dProjected.pointer + k * h).update(from: dInput.readPointer + row * h, count: h)
            }
            let dFeatures = projector.backward(dProjected, pass: projectorPass, inputGradient: vision.trainable)
            if let dFeatures, let towerPass { vision.backward(dFeatures, pass: towerPass) }
        }
        return result
    }

    /// Logits `[batch·seqLen, vocab]`, without dropout.
    public func logits(_ batch: TrainingBatch) throws -> [Float] {
        guard batch.hasImages else { return try decoder.logits(batch) }
        let projected = try model.imageFeatures(pixelValues: batch.pixelValues)
        return try decoder.logits(batch, inputEmbeddings: try decoder.embed(batch, imageFeatures: projected))
    }
}

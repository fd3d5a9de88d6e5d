import ScalpelModels

extension TrainableDecoder {
    /// Sets `imageEncoder` to `llava`'s vision tower and projector, run forward only (frozen): the
    /// usual setting for fine-tuning a LLaVA decoder on image conversations.
    public func useFrozenVision(of llava: LlavaModel) {
        imageEncoder = { batch in
            let features = try llava.imageFeatures(pixelValues: batch.pixelValues)
            let h = llava.languageModel.config.hiddenSize
            guard features.count == batch.imagePositions.count * h else {
                throw ModelError("the batch's \(batch.imagePositions.count) image positions do not match its images' \(features.count / h) features")
            }
            return features
        }
    }
}

import Foundation
import ScalpelData
import ScalpelFormats
import ScalpelModels
import ScalpelTrain

extension VQAEvaluator {
    /// The summed negative log-likelihood (nats) of a record's reference answer given its prompt,
    /// and the number of answer tokens: the conversation is built exactly as answer-only
    /// fine-tuning builds it (`SFTData.conversation`: the reference as the assistant turn, labels on
    /// its tokens only), run through the model once with teacher forcing.
    ///
    /// - Throws: `EvaluationError` as `input(for:blankImage:)` does.
    public func answerLoss(for record: VQADataset.Record, blankImage: Bool = false) throws -> (nll: Double, tokens: Int) {
        let messages = record.prompt + [ChatMessage(role: "assistant", text: record.reference)]
        let sample: TrainingSample
        var pixels: [Float] = []
        if let llava, let preprocessor, record.prompt.contains(where: { $0.images > 0 }) {
            pixels = try input(for: record, blankImage: blankImage).pixelValues
            let settings = SFTImageSettings(llava: llava.config, preprocessor: preprocessor)
            do {
                sample = try SFTData.conversation(messages, images: [pixels], format: format, tokenizer: tokenizer, settings: settings)
            } catch let error as ModelError {
                throw EvaluationError("record \(record.id): \(error.description)")
            }
        } else {
            _ = try input(for: record, blankImage: blankImage)
            sample = SFTData.conversation(messages, format: format, tokenizer: tokenizer)
        }
        let logits = try llava?.logits(tokens: sample.tokens, pixelValues: pixels) ?? decoder.logits(tokens: sample.tokens)
        let vocab = decoder.config.vocabSize
        var nll = 0.0
        var count = 0
        for t in 0..<(sample.tokens.count - 1) {
            let target = sample.labels[t + 1]
            guard target >= 0 else { continue }
            let row = logits[(t * vocab)..<((t + 1) * vocab)]
            let top = Double(row.max()!)
            let sum = row.reduce(0.0) { $0 + exp(Double($1) - top) }
            nll += top + log(sum) - Double(logits[t * vocab + target])
            count += 1
        }
        return (nll, count)
    }
}

import Foundation
import ScalpelFormats
import ScalpelModels

/// Short answers from a LLaVA model: the question rendered in the chat format with one image,
/// the image token expanded, greedy decoding until an end token, the text decoded without
/// special tokens and trimmed.
public struct LlavaAnswerer {
    public let model: LlavaModel
    public let tokenizer: Tokenizer
    public let format: ChatFormat
    public let maxTokens: Int
    public let stopIds: Set<Int>

    public init(model: LlavaModel, tokenizer: Tokenizer, format: ChatFormat, maxTokens: Int = 24) {
        self.model = model
        self.tokenizer = tokenizer
        self.format = format
        self.maxTokens = maxTokens
        var stops = Set(model.config.text.eosTokenIds)
        if let eos = tokenizer.eosTokenId { stops.insert(eos) }
        for s in format.stopStrings { if let id = tokenizer.id(for: s) { stops.insert(id) } }
        stopIds = stops
    }

    /// The prompt's token ids with the image token expanded to the feature count.
    public func promptTokens(question: String) -> [Int] {
        let text = format.render([ChatMessage(role: "user", text: question, images: 1)], addGenerationPrompt: true)
        let imageToken = model.config.imageTokenIndex
        return tokenizer.encode(text, addSpecialTokens: true).flatMap {
            $0 == imageToken ? Array(repeating: imageToken, count: model.featuresPerImage) : [$0]
        }
    }

    /// The answer to `question` about the image `pixelValues` (`[channels, size, size]`, preprocessed).
    public func answer(question: String, pixelValues: [Float]) throws -> String {
        let ids = promptTokens(question: question)
        let embeddings = try model.embed(tokens: ids, pixelValues: pixelValues)
        let produced = try GreedyDecoder(model: model.languageModel).generate(
            promptEmbeddings: embeddings, promptLength: ids.count, maxTokens: maxTokens, stopIds: stopIds)
        var text = tokenizer.decode(produced, skipSpecialTokens: true)
        if let cut = text.range(of: "USER:") { text = String(text[..<cut.lowerBound]) }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

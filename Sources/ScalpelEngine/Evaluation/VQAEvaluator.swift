import Foundation
import ScalpelData
import ScalpelFormats
import ScalpelModels

/// Answers a VQA dataset with a model (greedy decoding, the model's chat format) and scores the
/// answers by exact match (`VQAEvaluation`): a LLaVA-layout checkpoint for questions about images,
/// or any LLaMA-layout decoder for text-only questions.
///
///     let evaluator = try VQAEvaluator(checkpoint: try Checkpoint.open("sample-models/derm-llava-tiny"))
///     let report = try evaluator.evaluate(dataset: try VQADataset(contentsOf: "test.json"), limit: 100)
public final class VQAEvaluator {
    /// One question's model input.
    public struct Input: Sendable {
        /// Prompt ids, each image token repeated once per image feature.
        public var ids: [Int]
        /// The image's `pixel_values` (`[3, size, size]`), empty for a text-only question.
        public var pixelValues: [Float]
    }

    /// Progress after each question.
    public struct Progress: Sendable {
        public var done: Int
        public var total: Int
        public var correct: Int
        public var id: String
        public var prediction: String
        public var isCorrect: Bool
    }

    public let checkpoint: Checkpoint
    public let tokenizer: Tokenizer
    public let format: ChatFormat
    /// Tokens generated at most per answer.
    public let maxNewTokens: Int
    let llava: LlavaModel?
    let decoder: LlamaModel
    let preprocessor: CLIPPreprocessor?
    let stopIds: Set<Int>
    let stopStrings: [String]

    /// Loads the model and its tokenizer.
    ///
    /// - Parameters:
    ///   - chatFormat: a format name (`llava1_5`, `chatml`); default from the tokenizer's template or the model type.
    ///   - maxNewTokens: tokens generated at most per answer.
    /// - Throws: `EvaluationError` when the checkpoint has no tokenizer or no usable chat format;
    ///   format and model errors for unreadable weights.
    public init(checkpoint: Checkpoint, chatFormat: String? = nil, maxNewTokens: Int = 24) throws {
        guard maxNewTokens > 0 else { throw EvaluationError("the answer length must be at least 1 token (got \(maxNewTokens))") }
        self.checkpoint = checkpoint
        self.maxNewTokens = maxNewTokens
        do {
            tokenizer = try checkpoint.tokenizer()
        } catch let error as FormatError {
            throw EvaluationError("\(checkpoint.path): cannot evaluate without a tokenizer (\(error.problem))")
        }
        do {
            format = try checkpoint.chatFormat(named: chatFormat, tokenizer: tokenizer)
        } catch let error as FormatError {
            throw EvaluationError("\(checkpoint.path): \(error.problem)")
        }
        llava = try checkpoint.loadLlava()
        decoder = try llava?.languageModel ?? checkpoint.loadDecoder()
        preprocessor = llava == nil ? nil : try checkpoint.imagePreprocessor()
        var stops = Set(checkpoint.config.text.eosTokenIds)
        if let eos = tokenizer.eosTokenId { stops.insert(eos) }
        for s in format.stopStrings { if let id = tokenizer.id(for: s) { stops.insert(id) } }
        stopIds = stops
        stopStrings = format.stopStrings
    }

    /// Whether the model takes images.
    public var takesImages: Bool { llava != nil }

    /// The blank image: the preprocessor's mean colour (mid-grey without normalisation), so every
    /// normalised pixel is about zero.
    public func blankPixelValues() -> [Float] {
        guard let llava, let preprocessor else { return [] }
        let c = preprocessor.config
        func level(_ i: Int) -> UInt8 {
            guard c.doNormalize, i < c.imageMean.count else { return 128 }
            return UInt8(max(0, min(255, (c.imageMean[i] * 255).rounded())))
        }
        let size = llava.config.vision.imageSize
        let image = RGBImage(width: size, height: size, filledWith: RGBColor(red: level(0), green: level(1), blue: level(2)))
        return preprocessor.pixelValues(image).values
    }

    /// The prompt of a record as ids and pixel values.
    ///
    /// - Throws: `EvaluationError` for an image a text-only model cannot take, a missing or
    ///   unreadable image, or a tokenizer whose `<image>` is not the model's image token.
    public func input(for record: VQADataset.Record, blankImage: Bool = false) throws -> Input {
        let images = record.prompt.reduce(0) { $0 + $1.images }
        if images > 0 && llava == nil {
            throw EvaluationError("record \(record.id) shows an image but \(checkpoint.path) is a text-only \(checkpoint.config.modelType) model")
        }
        var ids = tokenizer.encode(format.render(record.prompt, addGenerationPrompt: true), addSpecialTokens: true)
        guard let llava else { return Input(ids: ids, pixelValues: []) }
        let imageToken = llava.config.imageTokenIndex
        let found = ids.reduce(0) { $0 + ($1 == imageToken ? 1 : 0) }
        guard found == images else {
            throw EvaluationError("record \(record.id): the prompt shows \(images) image(s) but tokenizes to \(found) image token(s); the tokenizer must map \(ChatFormat.imageToken) to the model's image_token_index \(imageToken)")
        }
        guard images > 0, let path = record.image else { return Input(ids: ids, pixelValues: []) }
        ids = ids.flatMap { $0 == imageToken ? Array(repeating: imageToken, count: llava.featuresPerImage) : [$0] }
        if blankImage { return Input(ids: ids, pixelValues: blankPixelValues()) }
        do {
            return Input(ids: ids, pixelValues: try preprocessor!.pixelValues(fileAt: path).values)
        } catch let error as FormatError {
            throw EvaluationError("record \(record.id): \(error.description)")
        }
    }

    /// The greedy answer to one prompt, decoded without special tokens, cut at the chat format's
    /// stop strings and trimmed.
    public func answer(_ input: Input) throws -> String {
        let embeddings = try llava?.embed(tokens: input.ids, pixelValues: input.pixelValues) ?? decoder.embed(input.ids)
        var produced: [Int] = []
        _ = try GreedyDecoder(model: decoder).generate(promptEmbeddings: embeddings, promptLength: input.ids.count,
                                                        maxTokens: maxNewTokens, stopIds: stopIds) { token in
            produced.append(token)
            let text = tokenizer.decode(produced, skipSpecialTokens: true)
            return !stopStrings.contains { text.contains($0) }
        }
        var text = tokenizer.decode(produced, skipSpecialTokens: true)
        for stop in stopStrings { if let r = text.range(of: stop) { text = String(text[..<r.lowerBound]) } }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Answers the first `limit` questions of `dataset` (all when nil) and scores them.
    ///
    /// Every image is checked to exist before the first answer is generated.
    ///
    /// - Parameters:
    ///   - blankImages: replace every image by `blankPixelValues()` (the image-blind baseline).
    ///   - answerLoss: also score the reference answers' likelihood (`answerLoss(for:blankImage:)`,
    ///     one more forward pass per question) into `VQAReport.answerLoss`.
    ///   - progress: called after each answer.
    /// - Throws: `EvaluationError` for an empty selection, a missing image or an unusable record.
    public func evaluate(dataset: VQADataset, limit: Int? = nil, blankImages: Bool = false, answerLoss: Bool = false,
                         progress: ((Progress) -> Void)? = nil) throws -> VQAReport {
        if let limit, limit < 1 { throw EvaluationError("the limit must be at least 1 (got \(limit))") }
        let records = Array(dataset.records.prefix(limit ?? dataset.records.count))
        guard !records.isEmpty else { throw EvaluationError("\(dataset.path): the dataset holds no questions") }
        for record in records {
            if let path = record.image, record.prompt.contains(where: { $0.images > 0 }), !FileManager.default.fileExists(atPath: path) {
                throw EvaluationError("\(dataset.path): record \(record.id): image \(path) does not exist")
            }
        }
        var answers: [String: String] = [:]
        var correct = 0
        var nll = 0.0, answerTokens = 0
        for (i, record) in records.enumerated() {
            if answerLoss {
                let loss = try self.answerLoss(for: record, blankImage: blankImages)
                nll += loss.nll
                answerTokens += loss.tokens
            }
            let prediction = try answer(try input(for: record, blankImage: blankImages))
            answers[record.id] = prediction
            let ok = VQAEvaluation.matches(prediction: prediction, reference: record.reference)
            if ok { correct += 1 }
            progress?(Progress(done: i + 1, total: records.count, correct: correct, id: record.id, prediction: prediction, isCorrect: ok))
        }
        let items = records.map { VQAEvaluation.Item(id: $0.id, type: $0.type, reference: $0.reference) }
        var report = VQAReport.score(items: items, answers: answers, blankImages: blankImages)
        if answerLoss, answerTokens > 0 {
            report.answerLoss = nll / Double(answerTokens)
            report.answerTokens = answerTokens
        }
        return report
    }
}

import Foundation
import ScalpelFormats
import ScalpelModels

extension CalibrationSet {
    /// One LLaVA-style record: `{"image"?: path, "conversations": [{"from": "human"|"gpt"|"system", "value"}]}`.
    public struct Conversation: Sendable {
        public var image: String?
        public var messages: [ChatMessage]
    }

    /// Reads a LLaVA conversation JSON file (a list of records). `human` becomes `user`, `gpt`
    /// `assistant`; a `<image>` placeholder in a turn is that turn's image. Image paths are relative
    /// to `imageFolder`, or to the JSON file's folder.
    public static func readConversations(file: String, imageFolder: String? = nil) throws -> [Conversation] {
        let root = try JSONValue.read(contentsOf: URL(fileURLWithPath: file))
        guard let records = root.array else { throw FormatError(file: file, "expected a list of conversation records") }
        let base = imageFolder ?? URL(fileURLWithPath: file).deletingLastPathComponent().path
        return try records.enumerated().map { i, record in
            guard let turns = record["conversations"]?.array else {
                throw FormatError(file: file, "record \(i) has no 'conversations' list")
            }
            var messages: [ChatMessage] = []
            for (t, turn) in turns.enumerated() {
                guard let from = turn["from"]?.string, var value = turn["value"]?.string else {
                    throw FormatError(file: file, "record \(i), turn \(t): needs string 'from' and 'value'")
                }
                let role = ["human": "user", "gpt": "assistant"][from] ?? from
                var images = 0
                while let r = value.range(of: ChatFormat.imageToken) {
                    images += 1
                    value.removeSubrange(r)
                }
                messages.append(ChatMessage(role: role, text: value.trimmingCharacters(in: .whitespacesAndNewlines), images: images))
            }
            var image: String?
            if let name = record["image"]?.string { image = name.hasPrefix("/") ? name : base + "/" + name }
            return Conversation(image: image, messages: messages)
        }
    }

    /// Conversations as calibration samples: rendered with `format`, tokenized with special tokens,
    /// each image's placeholder expanded to the vision tower's feature count. For a LLaVA checkpoint
    /// the vision tower and projector are loaded once to build the input embeddings (image rows
    /// spliced in, marked `.image`), then released; a plain decoder takes text-only records.
    /// Sequences longer than `seqLen` are cut; records beyond `samples` are ignored.
    public static func conversations(_ records: [Conversation], checkpoint: Checkpoint, tokenizer: Tokenizer, format: ChatFormat,
                                     samples: Int, seqLen: Int) throws -> CalibrationSet {
        let chosen = Array(records.prefix(samples))
        guard !chosen.isEmpty else { throw CompressError("the conversation file holds no records") }
        let llava = checkpoint.config.llava
        var sequences: [[Int]] = [], classes: [[CalibrationTokenClass]] = [], images: [String?] = []
        var tower: CLIPVisionModel?, projector: LlavaProjector?, featuresPerImage = 0
        if let llava {
            let names = LlavaTensorNames.detect(in: checkpoint.weights)
            tower = try CLIPVisionModel(source: checkpoint.weights, config: llava.vision, names: names.vision)
            projector = try LlavaProjector(source: checkpoint.weights, config: llava, names: names)
            featuresPerImage = tower!.featureTokens(keepClassToken: llava.visionFeatureSelectStrategy == "full")
        }
        var warnings: [String] = []
        for (i, record) in chosen.enumerated() {
            let imageCount = record.messages.reduce(0) { $0 + $1.images }
            if imageCount > 0 {
                guard llava != nil else { throw CompressError("record \(i) has an image but \(checkpoint.path) is not a LLaVA model") }
                guard imageCount == 1, record.image != nil else { throw CompressError("record \(i): one image per record is supported (found \(imageCount) placeholders, image \(record.image ?? "none"))") }
            }
            var ids = tokenizer.encode(format.render(record.messages, addGenerationPrompt: false), addSpecialTokens: true)
            if let llava {
                ids = ids.flatMap { $0 == llava.imageTokenIndex ? Array(repeating: llava.imageTokenIndex, count: featuresPerImage) : [$0] }
            }
            if ids.count > seqLen { warnings.append("record \(i): \(ids.count) tokens cut to \(seqLen)") }
            sequences.append(ids)
            classes.append(ids.map { llava != nil && $0 == llava!.imageTokenIndex ? .image : .text })
            images.append(imageCount > 0 ? record.image : nil)
        }
        var set = try CalibrationSet(sequences: sequences, classes: classes, seqLen: seqLen)
        set.warnings = warnings
        if chosen.count < samples { set.warnings.append("the file gave \(chosen.count) sample(s), fewer than the \(samples) asked") }
        guard let llava, let tower, let projector else { return set }
        // Input embeddings: token rows, with image rows from the tower and projector.
        let c = llava.text, h = c.hiddenSize, L = set.seqLen
        let textNames = LlavaTensorNames.detect(in: checkpoint.weights).text
        let table = try checkpoint.weights.floats(textNames.embedTokens)
        guard table.count == c.vocabSize * h else { throw CompressError("the token embedding has \(table.count) values, expected \(c.vocabSize * h)") }
        let embeddings = FloatBuffer(count: set.batch * L * h)
        let preprocessor = try checkpoint.imagePreprocessor()
        for (b, ids) in sequences.enumerated() {
            var features: FloatBuffer?
            if let path = images[b] {
                let pixels = try preprocessor.pixelValues(fileAt: path)
                let f = try tower.features(pixelValues: pixels.values, layers: llava.visionFeatureLayers, keepClassToken: llava.visionFeatureSelectStrategy == "full")
                features = projector.forward(f.readPointer, rows: featuresPerImage)
            }
            var next = 0
            for t in 0..<min(ids.count, L) {
                let row = embeddings.pointer + (b * L + t) * h
                if set.classes[b * L + t] == .image, let features {
                    row.update(from: features.pointer + next * h, count: h)
                    next += 1
                } else {
                    let id = ids[t]
                    guard id >= 0 && id < c.vocabSize else { throw CompressError("token id \(id) is outside the vocabulary") }
                    table.withUnsafeBufferPointer { row.update(from: $0.baseAddress! + id * h, count: h) }
                }
            }
        }
        set.embeddings = embeddings
        return set
    }
}

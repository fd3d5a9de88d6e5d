import Foundation
import ScalpelFormats
import ScalpelModels

/// One training sequence: token ids and, aligned with them, labels (`-100` where no loss is taken,
/// as Hugging Face's `labels`); the shift to next-token targets happens in `collate`.
///
/// A LLaVA sample also carries its preprocessed images (each `[channels, size, size]`) and the
/// positions of `tokens` that the images' features fill, image after image (the image token
/// repeated `featuresPerImage` times per image, labels `-100` there).
public struct TrainingSample: Sendable, Equatable {
    public var tokens: [Int]
    public var labels: [Int]
    /// Preprocessed pixel values, one array per image (arrays of samples sharing a file share storage).
    public var images: [[Float]]
    /// Positions of `tokens` holding image features, in image order.
    public var imagePositions: [Int]

    public init(tokens: [Int], labels: [Int], images: [[Float]] = [], imagePositions: [Int] = []) {
        precondition(tokens.count == labels.count, "tokens and labels must align")
        precondition(images.isEmpty == imagePositions.isEmpty && (images.isEmpty || imagePositions.count % images.count == 0),
                     "image positions must split evenly among the images")
        self.tokens = tokens
        self.labels = labels
        self.images = images
        self.imagePositions = imagePositions
    }

    /// A sample whose every token is a label (plain text).
    public init(tokens: [Int]) {
        self.init(tokens: tokens, labels: tokens)
    }
}

/// Building training samples from plain text and from conversations.
public enum SFTData {
    /// Cuts `tokens` into consecutive windows of `length` (the tail shorter than a window is dropped,
    /// as `run_clm.py`'s `group_texts`); every token is a label.
    public static func textWindows(_ tokens: [Int], length: Int) -> [TrainingSample] {
        guard length > 1 else { return [] }
        return stride(from: 0, to: tokens.count - length + 1, by: length).map {
            TrainingSample(tokens: Array(tokens[$0..<($0 + length)]))
        }
    }

    /// Tokenizes a plain-text corpus (BOS first when the tokenizer has one and `addBOS`) into windows.
    public static func textWindows(text: String, tokenizer: Tokenizer, length: Int, addBOS: Bool = true) -> [TrainingSample] {
        var ids = tokenizer.encode(text)
        if addBOS, let bos = tokenizer.bosTokenId { ids.insert(bos, at: 0) }
        return textWindows(ids, length: length)
    }

    /// A conversation rendered with `format` and tokenized, with labels only on the assistant turns
    /// (their text and what the template writes to close the turn); everything else is `-100`.
    ///
    /// Byte spans from `ChatFormat.renderWithSpans` become token ranges by tokenizing the text up to
    /// each span boundary and comparing with the whole text's tokens: where the prefix's tokens are a
    /// prefix of the whole, the boundary falls between tokens; where they part, the boundary falls inside
    /// the whole text's token at that index, and that token counts as part of the span (a token that
    /// overlaps the answer is trained on — e.g. `▁Yes` after LLaVA's `ASSISTANT: `, whose space belongs to
    /// the prompt). Sequences longer than `maxLength` are truncated.
    public static func conversation(_ messages: [ChatMessage], format: ChatFormat, tokenizer: Tokenizer,
                                    addBOS: Bool = true, maxLength: Int? = nil) -> TrainingSample {
        let (text, spans) = format.renderWithSpans(messages, addGenerationPrompt: false)
        let bytes = Array(text.utf8)
        let body = tokenizer.encode(text)
        /// How many leading tokens of `body` the text before byte `boundary` tokenizes to, and whether
        /// that is all of the prefix's tokens (a clean cut) or a token of `body` straddles the boundary.
        func cut(atByte boundary: Int) -> (tokens: Int, clean: Bool) {
            if boundary >= bytes.count { return (body.count, true) }
            let prefix = tokenizer.encode(String(decoding: bytes[0..<boundary], as: UTF8.self))
            var common = 0
            while common < prefix.count && common < body.count && prefix[common] == body[common] { common += 1 }
            return (common, common == prefix.count)
        }
        var labels = [Int](repeating: Int(TrainingBatch.ignoreIndex), count: body.count)
        var answerEnds: [Int] = []
        for span in spans {
            let start = cut(atByte: span.lowerBound).tokens
            let end = cut(atByte: span.upperBound)
            let stop = end.clean ? end.tokens : min(end.tokens + 1, body.count)
            if start < stop { for i in start..<stop { labels[i] = body[i] } }
            answerEnds.append(stop)
        }
        var tokens = body
        // The EOS that closes each answer in training but not in the rendered text (ChatFormat.endsAnswersWithEOS).
        if format.endsAnswersWithEOS, let eos = tokenizer.eosTokenId {
            for stop in answerEnds.reversed() {
                tokens.insert(eos, at: stop)
                labels.insert(eos, at: stop)
            }
        }
        if addBOS, let bos = tokenizer.bosTokenId {
            tokens.insert(bos, at: 0)
            labels.insert(Int(TrainingBatch.ignoreIndex), at: 0)
        }
        if let maxLength, tokens.count > maxLength {
            tokens.removeLast(tokens.count - maxLength)
            labels.removeLast(labels.count - maxLength)
        }
        return TrainingSample(tokens: tokens, labels: labels)
    }

    /// Reads LLaVA-style conversation JSON for a text-only decoder (see `llavaRecords`); samples
    /// with images are refused with the sample's index and id.
    public static func llavaConversations(json: JSONValue, file: String = "<conversations>") throws -> [[ChatMessage]] {
        try llavaRecords(json: json, file: file).enumerated().map { index, record in
            if record.image != nil || record.messages.contains(where: { $0.images > 0 }) {
                throw FormatError(file: file, "sample \(index)\(record.id.map { " (id \($0))" } ?? "") has an image; a text-only decoder cannot train on it (use a LLaVA model)")
            }
            return record.messages
        }
    }

    /// Reads LLaVA-style conversation JSON: a list of `{"id", "image"?, "conversations": [{"from":
    /// "human"|"gpt"|"system", "value"}]}`. `human` becomes `user`, `gpt` `assistant`; `<image>`
    /// placeholders at the start of a turn are counted as that turn's images (`ChatMessage.images`).
    /// `image` is the path as written (LLaVA's convention: relative to the JSON file). A sample
    /// naming an image but holding no placeholder gets one at the start of its first user turn, as
    /// LLaVA's own data preparation does; placeholders without an image are refused.
    public static func llavaRecords(json: JSONValue, file: String = "<conversations>") throws -> [(id: String?, image: String?, messages: [ChatMessage])] {
        guard let list = json.array else { throw FormatError(file: file, "expected a JSON list of samples, found \(json.kindDescription)") }
        return try list.enumerated().map { index, sample in
            let id = sample["id"].map { $0.string ?? $0.int.map(String.init) ?? "?" }
            let label = "sample \(index)" + (id.map { " (id \($0))" } ?? "")
            var image: String?
            if let value = sample["image"], !value.isNull {
                guard let path = value.string, !path.isEmpty else {
                    throw FormatError(file: file, "\(label): \"image\" must be a file path (one image per sample)")
                }
                image = path
            }
            guard let turns = sample["conversations"]?.array else {
                throw FormatError(file: file, "\(label) has no \"conversations\" list")
            }
            var messages: [ChatMessage] = try turns.enumerated().map { t, turn in
                guard let from = turn["from"]?.string, var value = turn["value"]?.string else {
                    throw FormatError(file: file, "\(label), turn \(t): needs string fields \"from\" and \"value\"")
                }
                let role: String
                switch from.lowercased() {
                case "human", "user": role = "user"
                case "gpt", "assistant": role = "assistant"
                case "system": role = "system"
                default: throw FormatError(file: file, "\(label), turn \(t): unknown speaker \(from.debugDescription) (human, gpt or system)")
                }
                var images = 0
                while value.hasPrefix(ChatFormat.imageToken) {
                    images += 1
                    value.removeFirst(ChatFormat.imageToken.count)
                    if value.hasPrefix("\n") { value.removeFirst() }
                }
                if images > 0 && role != "user" {
                    throw FormatError(file: file, "\(label), turn \(t): an <image> placeholder belongs in a human turn")
                }
                return ChatMessage(role: role, text: value, images: images)
            }
            let placeholders = messages.reduce(0) { $0 + $1.images }
            if image == nil && placeholders > 0 {
                throw FormatError(file: file, "\(label) has an <image> placeholder but no \"image\" file")
            }
            if image != nil && placeholders > 1 {
                throw FormatError(file: file, "\(label) has \(placeholders) <image> placeholders for its one image")
            }
            if image != nil && placeholders == 0, let first = messages.firstIndex(where: { $0.role == "user" }) {
                messages[first].images = 1
            } else if image != nil && placeholders == 0 {
                throw FormatError(file: file, "\(label) has an image but no human turn to show it in")
            }
            return (id, image, messages)
        }
    }

    /// A conversation with images (see `conversation(_:format:tokenizer:addBOS:maxLength:)`): each
    /// `<image>` token (`settings.imageTokenId`) is repeated `settings.featuresPerImage` times, those
    /// positions recorded and their labels masked, then the sequence is truncated to `maxLength`.
    ///
    /// - Throws: `ModelError` when the tokenizer does not turn each placeholder into the image token,
    ///   or when truncation would cut into an image's features.
    public static func conversation(_ messages: [ChatMessage], images: [[Float]], format: ChatFormat, tokenizer: Tokenizer,
                                    settings: SFTImageSettings, addBOS: Bool = true, maxLength: Int? = nil) throws -> TrainingSample {
        let text = conversation(messages, format: format, tokenizer: tokenizer, addBOS: addBOS)
        let imageToken = settings.imageTokenId
        let found = text.tokens.reduce(0) { $0 + ($1 == imageToken ? 1 : 0) }
        guard found == images.count else {
            throw ModelError("the conversation shows \(images.count) image(s) but its tokens hold \(found) image token(s) (id \(imageToken)); the tokenizer must map \(ChatFormat.imageToken) to that id")
        }
        var tokens: [Int] = [], labels: [Int] = [], positions: [Int] = []
        for (token, label) in zip(text.tokens, text.labels) {
            if token == imageToken {
                for _ in 0..<settings.featuresPerImage {
                    positions.append(tokens.count)
                    tokens.append(token)
                    labels.append(Int(TrainingBatch.ignoreIndex))
                }
            } else {
                tokens.append(token)
                labels.append(label)
            }
        }
        if let maxLength, tokens.count > maxLength {
            if let last = positions.last, last >= maxLength {
                throw ModelError("a sequence length of \(maxLength) cuts into the image features (they end at position \(last + 1)); raise the sequence length")
            }
            tokens.removeLast(tokens.count - maxLength)
            labels.removeLast(labels.count - maxLength)
        }
        return TrainingSample(tokens: tokens, labels: labels, images: images, imagePositions: positions)
    }

    /// Pads samples on the right to the longest (or `seqLen`) with `padId`, shifts labels into
    /// next-token targets, and marks padding in the key mask. Longer samples are truncated (an image
    /// whose features would be cut is left out with its positions, which then read as tokens).
    /// Images and their positions are gathered in sample order.
    public static func collate(_ samples: [TrainingSample], padId: Int, seqLen: Int? = nil) -> TrainingBatch {
        let length = max(1, seqLen ?? samples.map(\.tokens.count).max() ?? 1)
        var inputs: [Int32] = [], targets: [Int32] = [], mask: [UInt8] = []
        var pixels: [Float] = [], positions: [Int] = []
        var padded = false
        for (b, s) in samples.enumerated() {
            let real = min(s.tokens.count, length)
            if real < length { padded = true }
            if !s.images.isEmpty {
                let per = s.imagePositions.count / s.images.count
                for (i, image) in s.images.enumerated() {
                    let rows = s.imagePositions[(i * per)..<((i + 1) * per)]
                    guard rows.allSatisfy({ $0 < real }) else { continue }
                    pixels += image
                    positions += rows.map { b * length + $0 }
                }
            }
            for t in 0..<length {
                inputs.append(Int32(t < real ? s.tokens[t] : padId))
                targets.append(t + 1 < real ? Int32(s.labels[t + 1]) : TrainingBatch.ignoreIndex)
                mask.append(t < real ? 1 : 0)
            }
        }
        return TrainingBatch(batch: samples.count, seqLen: length, inputs: inputs, targets: targets, keyMask: padded ? mask : nil,
                             pixelValues: pixels, imagePositions: positions)
    }
}

import Foundation
import ScalpelFormats
import ScalpelModels

/// One training sequence: token ids and, aligned with them, labels (`-100` where no loss is taken,
/// as Hugging Face's `labels`); the shift to next-token targets happens in `collate`.
public struct TrainingSample: Sendable, Equatable {
    public var tokens: [Int]
    public var labels: [Int]

    public init(tokens: [Int], labels: [Int]) {
        precondition(tokens.count == labels.count, "tokens and labels must align")
        self.tokens = tokens
        self.labels = labels
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
        for span in spans {
            let start = cut(atByte: span.lowerBound).tokens
            let end = cut(atByte: span.upperBound)
            let stop = end.clean ? end.tokens : min(end.tokens + 1, body.count)
            if start < stop { for i in start..<stop { labels[i] = body[i] } }
        }
        var tokens = body
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

    /// Reads LLaVA-style conversation JSON: a list of `{"id", "image"?, "conversations": [{"from":
    /// "human"|"gpt"|"system", "value"}]}`. `human` becomes `user`, `gpt` `assistant`; a `<image>`
    /// placeholder at the start of a turn is counted as that turn's image. This slice trains the text
    /// decoder only, so samples with images are refused with the sample's index and id.
    public static func llavaConversations(json: JSONValue, file: String = "<conversations>") throws -> [[ChatMessage]] {
        guard let list = json.array else { throw FormatError(file: file, "expected a JSON list of samples, found \(json.kindDescription)") }
        return try list.enumerated().map { index, sample in
            let label = "sample \(index)" + (sample["id"].map { " (id \($0.string ?? $0.int.map(String.init) ?? "?"))" } ?? "")
            if let image = sample["image"], !image.isNull {
                throw FormatError(file: file, "\(label) has an image; image samples need the vision backward, not available yet (use text-only conversations)")
            }
            guard let turns = sample["conversations"]?.array else {
                throw FormatError(file: file, "\(label) has no \"conversations\" list")
            }
            return try turns.enumerated().map { t, turn in
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
                if images > 0 {
                    throw FormatError(file: file, "\(label), turn \(t): has an <image> placeholder; image samples are not supported yet")
                }
                return ChatMessage(role: role, text: value)
            }
        }
    }

    /// Pads samples on the right to the longest (or `seqLen`) with `padId`, shifts labels into
    /// next-token targets, and marks padding in the key mask. Longer samples are truncated.
    public static func collate(_ samples: [TrainingSample], padId: Int, seqLen: Int? = nil) -> TrainingBatch {
        let length = max(1, seqLen ?? samples.map(\.tokens.count).max() ?? 1)
        var inputs: [Int32] = [], targets: [Int32] = [], mask: [UInt8] = []
        var padded = false
        for s in samples {
            let real = min(s.tokens.count, length)
            if real < length { padded = true }
            for t in 0..<length {
                inputs.append(Int32(t < real ? s.tokens[t] : padId))
                targets.append(t + 1 < real ? Int32(s.labels[t + 1]) : TrainingBatch.ignoreIndex)
                mask.append(t < real ? 1 : 0)
            }
        }
        return TrainingBatch(batch: samples.count, seqLen: length, inputs: inputs, targets: targets, keyMask: padded ? mask : nil)
    }
}

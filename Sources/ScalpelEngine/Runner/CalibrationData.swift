import Foundation
import ScalpelCompress
import ScalpelFormats
import ScalpelModels

/// Calibration sequences from a file, as the importance criteria and the AWQ/GPTQ calibration read them:
/// LLaVA conversation JSON (`.json`, images through the model's vision tower), pre-tokenized ids (`.ids`,
/// whitespace-separated) or UTF-8 text cut into windows of `seqLen` tokens.
public enum CalibrationData {
    public static func load(_ path: String, checkpoint: Checkpoint, samples: Int, seqLen: Int,
                            chatFormat: String? = nil, imageFolder: String? = nil) throws -> CalibrationSet {
        if path.hasSuffix(".ids") {
            let ids = try text(path).split(whereSeparator: \.isWhitespace).map { word -> Int in
                guard let id = Int(word) else { throw CompressError("\(path): '\(word)' is not a token id") }
                return id
            }
            return try CalibrationSet.text(tokens: ids, samples: samples, seqLen: seqLen)
        }
        let tokenizer = try checkpoint.tokenizer()
        if path.hasSuffix(".json") {
            let records = try CalibrationSet.readConversations(file: path, imageFolder: imageFolder)
            let format = try checkpoint.chatFormat(named: chatFormat, tokenizer: tokenizer)
            return try CalibrationSet.conversations(records, checkpoint: checkpoint, tokenizer: tokenizer, format: format,
                                                    samples: samples, seqLen: seqLen)
        }
        let ids = tokenizer.encode(try text(path), addSpecialTokens: false)
        return try CalibrationSet.text(tokens: ids, samples: samples, seqLen: seqLen)
    }

    /// Token sequences for AWQ/GPTQ, which calibrate the decoder on token ids alone and need sequences of
    /// one length: the text tokens of `set` (image and padding positions left out) in order, cut into
    /// at most `samples` windows of `seqLen` tokens (one shorter window when there are fewer tokens).
    public static func tokenSequences(_ set: CalibrationSet, samples: Int, seqLen: Int) throws -> [[Int]] {
        let stream = set.tokens.indices.filter { set.classes[$0] == .text }.map { set.tokens[$0] }
        guard stream.count >= 2 else { throw CompressError("the calibration data holds \(stream.count) text tokens; AWQ and GPTQ need at least 2") }
        let length = min(seqLen, stream.count)
        var out: [[Int]] = []
        var start = 0
        while out.count < samples, start + length <= stream.count {
            out.append(Array(stream[start..<(start + length)]))
            start += length
        }
        return out
    }

    static func text(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw CompressError("cannot read \(path)") }
        guard let text = String(data: data, encoding: .utf8) else { throw CompressError("\(path) is not UTF-8 text") }
        return text
    }
}
